/**
 * @module The `flotilla` command line: one file per command; this file wires them and maps
 * errors to exit codes (2 = the user's input, one line, no stack; 1 = our bug, with a stack).
 */
import { Command, CommanderError } from 'commander'
import { UsageError } from '../util/errors.js'
import { demoCommand } from './demo.js'
import { emulateCommand } from './emulate.js'
import { policiesCommand } from './policies.js'
import { serveCommand } from './serve.js'
import { simulateCommand } from './simulate.js'
import { sweepCommand } from './sweep.js'
import { VERSION } from './version.js'

/**
 * quietOnClosedPipe ends the process quietly when stdout's reader goes away (`flotilla simulate |
 * head`): the output is no longer wanted, which is not an error worth a stack trace.
 */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0)
    throw err
  })
}

/** main runs the CLI on `argv` (process.argv form) and resolves to the exit code. */
export async function main(argv: ReadonlyArray<string>): Promise<number> {
  quietOnClosedPipe()
  let pending: (() => Promise<number>) | undefined
  const done = (run: () => Promise<number>): void => {
    pending = run
  }
  const program = new Command('flotilla')
    .description('Control plane and digital twin for AI inference fleets.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // One line per usage error, with the pointer to --help on the same line.
      outputError: (s, write) => write(`flotilla: ${s.trimEnd()} (see --help)\n`),
    })
  for (const cmd of [
    simulateCommand(done),
    sweepCommand(done),
    emulateCommand(done),
    serveCommand(done),
    demoCommand(done),
    policiesCommand(done),
  ]) {
    program.addCommand(cmd.exitOverride().configureOutput(program.configureOutput()))
  }
  try {
    await program.parseAsync([...argv])
    if (!pending) {
      program.outputHelp()
      return 0
    }
    return await pending()
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error.
      return err.exitCode === 0 ? 0 : 2
    }
    if (err instanceof UsageError) {
      process.stderr.write(`flotilla: ${err.message}\n`)
      return 2
    }
    throw err
  }
}
