/**
 * @module Vitest global setup: compile `src/` to `dist/` once before any test runs, because
 * `bin/flotilla.js` imports the compiled CLI. A type error aborts the suite with tsc's output.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

/** setup runs `tsc -p tsconfig.build.json` at the repository root and throws if it fails. */
export default function setup(): void {
  const tsc = fileURLToPath(new URL('../node_modules/.bin/tsc', import.meta.url))
  try {
    execFileSync(tsc, ['-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' })
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer; message: string }
    const out = `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`.trim()
    throw new Error(`global setup: building dist/ with tsc failed:\n${out || e.message}`)
  }
}
