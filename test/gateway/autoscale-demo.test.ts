/**
 * @module `flotilla demo --autoscale` in process, small: the gateway starts emulator processes
 * from zero as the burst arrives, every request completes, the table lists the replicas that
 * served it, the live view shows the autoscaler's line, and nothing is left running.
 */
import { describe, expect, it } from 'vitest'
import { runDemo } from '../../src/cli/demo.js'

describe('flotilla demo --autoscale', () => {
  it('serves a burst from zero replicas and reports the scaling', async () => {
    let out = ''
    let live = ''
    const r = await runDemo(
      { requests: 16, duration: 1.5, timeScale: 2, seed: 3, autoscale: true, linger: 0 },
      { out: (s) => (out += s), live: (s) => (live += s) },
    )
    expect(r).toMatchObject({ ok: 16, failed: 0 })
    expect(r.peakReplicas).toBeGreaterThanOrEqual(1)
    expect(r.rows.length).toBeGreaterThanOrEqual(1)
    expect(r.rows.every((x) => x.name.startsWith('replica '))).toBe(true)
    expect(r.rows.reduce((s, x) => s + x.completed, 0)).toBe(16)
    expect(out).toContain('16 completed, 0 failed')
    expect(out).toMatch(/replicas: 0 → [1-3] → \d; \d+ cold starts, \d+ request\(s\) held at zero/)
    expect(live).toContain('0 emulators (autoscaled, max 3)')
    expect(live).toMatch(/kpa: desired \d · ready \d · starting \d · draining \d · held \d/)
    expect(live).toMatch(/INFO replica ready pool=llama-3\.1-8b backend=http/)
  }, 30_000)
})
