/**
 * @module `flotilla demo` in process, small: every request of the burst completes through the
 * gateway, the work spreads over the emulators, the final table lists all three, and the live
 * table redraws in place on its terminal stream.
 */
import { describe, expect, it } from 'vitest'
import { runDemo } from '../../src/cli/demo.js'

describe('flotilla demo', () => {
  it('runs a burst through 3 emulators and the gateway, then prints the final table', async () => {
    let out = ''
    let live = ''
    const r = await runDemo(
      { requests: 12, duration: 1.2, timeScale: 20, seed: 1 },
      { out: (s) => (out += s), live: (s) => (live += s) },
    )
    expect(r).toMatchObject({ ok: 12, failed: 0 })
    expect(r.rows).toHaveLength(3)
    expect(r.rows.reduce((s, x) => s + x.completed, 0)).toBe(12)
    // Short requests rarely overlap here, so the weighted router's prefix term keeps each
    // tenant's shared system prompt on one backend: at least two are used.
    expect(r.rows.filter((x) => x.completed > 0).length).toBeGreaterThanOrEqual(2)
    const lines = out.split('\n')
    expect(lines[0]).toMatch(/^backend\s+state\s+in flight\s+completed\s+failed\s+TTFT p50/)
    expect(lines.filter((l) => l.startsWith('emulator '))).toHaveLength(3)
    expect(out).toContain('12 completed, 0 failed')
    expect(live).toContain('\x1b[2K') // redrawn lines
  })
})
