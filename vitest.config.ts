/**
 * @module Vitest configuration: tests beside the code (`src/**`) and cross-cutting suites
 * (`test/**`); a global setup compiles `dist/` once so CLI tests that spawn `bin/flotilla.js` run
 * the current sources, not a stale build.
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', '.tmp/**'],
    globalSetup: ['./test/global-setup.ts'],
    // Simulator runs and spawned CLI processes take seconds on a 2-core CI machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
