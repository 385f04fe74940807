/**
 * @module `flotilla serve` through the compiled CLI in a child process (test/global-setup.ts
 * builds dist/ first): a bad config exits 2 with one line; SIGTERM drains — the in-flight stream
 * finishes, the listener is closed, the process exits 0.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import { MODEL, startEmulators, within } from './helpers.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = fileURLToPath(new URL('../../bin/flotilla.js', import.meta.url))

let dir: string
let emu: Emulator
const children: ChildProcess[] = []
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-serve-'))
  ;[emu] = (await startEmulators(1, { timeScale: 5 })) as [Emulator]
})
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
})
afterAll(async () => {
  await emu.close({ timeoutMs: 0 })
  await rm(dir, { recursive: true, force: true })
})

/** serve spawns `flotilla serve` and resolves with its stderr so far once it printed `wait`. */
function serve(args: string[]): {
  child: ChildProcess
  stderr: () => string
  exit: Promise<number>
} {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let err = ''
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const exit = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)))
  return { child, stderr: () => err, exit }
}

describe('flotilla serve', () => {
  it('exits 2 with one line naming the file and key for a bad config', async () => {
    const file = join(dir, 'bad.yaml')
    await writeFile(file, `pools:\n  - model: m\n    backends: [ftp://x]\n`)
    const s = serve(['--config', file])
    expect(await within(s.exit, 10_000, 'bad config')).toBe(2)
    expect(s.stderr()).toMatch(/^flotilla: .*bad\.yaml:3: pools\.0\.backends\.0/)
    expect(s.stderr().trim().split('\n')).toHaveLength(1)
  })

  it('drains on SIGTERM: the stream in flight finishes, then it exits 0', async () => {
    const file = join(dir, 'gw.yaml')
    await writeFile(
      file,
      `listen: { host: 127.0.0.1, port: 0 }\npools:\n  - model: ${MODEL}\n    backends: [${emu.url}]\n`,
    )
    const s = serve(['--config', file])
    const url = await within(
      new Promise<string>((resolve, reject) => {
        s.child.stderr!.on('data', () => {
          const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(s.stderr())
          if (m) resolve(m[1]!)
        })
        s.exit.then((code) => reject(new Error(`serve exited ${code}: ${s.stderr()}`)), reject)
      }),
      10_000,
      'serve start',
    )
    const res = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({
        model: MODEL,
        prompt: 'drain me',
        max_tokens: 60,
        ignore_eos: true,
        stream: true,
      }),
    })
    const reader = res.body!.getReader()
    let text = ''
    let signalled = false
    for (;;) {
      const { done, value } = await within(reader.read(), 5_000, 'stream read')
      if (done) break
      text += new TextDecoder().decode(value)
      if (!signalled) {
        signalled = true
        s.child.kill('SIGTERM')
        await new Promise((r) => setTimeout(r, 50))
        await expect(fetch(`${url}/health`)).rejects.toThrow() // the listener is closed
      }
    }
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
    expect(await within(s.exit, 10_000, 'serve exit')).toBe(0)
    expect(s.stderr()).toContain('SIGTERM: draining')
  })
})
