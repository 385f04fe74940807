/**
 * @module Running the built `flotilla` binary from tests (the `dist/` test/global-setup.ts
 * builds), and the usage-error contract every command shares: exit 2, nothing on stdout, one
 * `flotilla: ...` line on stderr naming the flag or file:line, no stack trace.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

/** ROOT is the repository root, where the binary runs. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** CliResult is one run's exit code and output. */
export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** runCli runs `node bin/flotilla.js args` from the repository root, without colour. */
export function runCli(args: ReadonlyArray<string>, timeoutMs = 30_000): CliResult {
  const r = spawnSync(process.execPath, ['bin/flotilla.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    encoding: 'utf8',
    timeout: timeoutMs,
  })
  if (r.error) throw r.error
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** flotilla runs the binary with `args` and the default 30 s limit. */
export function flotilla(...args: string[]): CliResult {
  return runCli(args)
}

/**
 * expectUsageError checks the usage-error contract and that the one line contains (or, for a
 * RegExp, matches) each of `mustContain`.
 */
export function expectUsageError(
  r: CliResult,
  ...mustContain: ReadonlyArray<string | RegExp>
): void {
  expect(r.code, r.stderr).toBe(2)
  expect(r.stdout).toBe('')
  const lines = r.stderr.trimEnd().split('\n')
  expect(lines, r.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^flotilla: \S/)
  expect(r.stderr).not.toMatch(/^\s+at /m)
  for (const m of mustContain) {
    if (typeof m === 'string') expect(lines[0]).toContain(m)
    else expect(lines[0]).toMatch(m)
  }
}
