/**
 * @module The timeline recorder: rates per bucket on a fixed grid whose step doubles when the
 * bucket budget would be exceeded. Coarsening must keep every count (sums of adjacent buckets)
 * and, for sampled state (waiting, running, KV usage), the sample of the later half — the state
 * at the end of the merged bucket.
 */
import { describe, expect, it } from 'vitest'
import { TimelineRecorder, type TimelineState } from '../../src/sim/timeline.js'

/** fakeState samples `value` (and `value + 1000·k` for instance k's KV usage). */
function fakeState(): TimelineState & { value: number } {
  const s = {
    value: 0,
    waiting: () => s.value,
    running: () => 2 * s.value,
    kvUsage: (k: number) => s.value + 1000 * k,
  }
  return s
}

const sum = (xs: ReadonlyArray<number>): number => xs.reduce((a, b) => a + b, 0)

/**
 * drive feeds one unit of time per k = 0..steps−1: advances to k + 0.5, sets the state to k, and
 * records `arrivalsAt(k)` arrivals and k input / 2k output tokens. Returns the totals.
 */
function drive(
  rec: TimelineRecorder,
  state: { value: number },
  steps: number,
  arrivalsAt: (k: number) => number,
): { arrivals: number; input: number; output: number } {
  const total = { arrivals: 0, input: 0, output: 0 }
  for (let k = 0; k < steps; k++) {
    rec.advance(k + 0.5)
    state.value = k
    for (let a = 0; a < arrivalsAt(k); a++) rec.arrival()
    rec.tokens(k, 2 * k)
    total.arrivals += arrivalsAt(k)
    total.input += k
    total.output += 2 * k
  }
  return total
}

describe('TimelineRecorder', () => {
  it('keeps a 1 s step within its budget', () => {
    const state = fakeState()
    const rec = new TimelineRecorder(2, state, 1, 8)
    const total = drive(rec, state, 6, (k) => k + 1)
    const tl = rec.finish()
    expect(tl.step_s).toBe(1)
    expect(tl.t).toEqual([0, 1, 2, 3, 4, 5])
    expect(tl.arrivals_rps).toEqual([1, 2, 3, 4, 5, 6])
    expect(sum(tl.arrivals_rps)).toBe(total.arrivals)
    expect(tl.input_tok_s).toEqual([0, 1, 2, 3, 4, 5])
    expect(tl.output_tok_s).toEqual([0, 2, 4, 6, 8, 10])
    expect(tl.waiting).toEqual([0, 1, 2, 3, 4, 5])
    expect(tl.running).toEqual([0, 2, 4, 6, 8, 10])
    expect(tl.kv_usage).toEqual([
      [0, 1, 2, 3, 4, 5],
      [1000, 1001, 1002, 1003, 1004, 1005],
    ])
  })

  it('doubles the step past the budget, preserving counts and the later sample', () => {
    const state = fakeState()
    const budget = 8
    const rec = new TimelineRecorder(2, state, 1, budget)
    const arrivalsAt = (k: number): number => (k % 3) + 1
    const steps = 100
    const total = drive(rec, state, steps, arrivalsAt)
    const tl = rec.finish()

    // 100 one-second buckets → 13 at 8 s (> 8) → 7 at 16 s.
    expect(tl.step_s).toBe(16)
    const n = tl.t.length
    expect(n).toBe(Math.ceil(steps / 16))
    expect(n).toBeLessThanOrEqual(budget)
    expect(tl.t).toEqual(Array.from({ length: n }, (_, i) => i * 16))

    // Totals survive every coarsening.
    expect(sum(tl.arrivals_rps) * tl.step_s).toBe(total.arrivals)
    expect(sum(tl.input_tok_s) * tl.step_s).toBe(total.input)
    expect(sum(tl.output_tok_s) * tl.step_s).toBe(total.output)

    // And so does each bucket: bucket i holds exactly the fine buckets in [16i, 16i + 16).
    for (let i = 0; i < n; i++) {
      let arrivals = 0
      let input = 0
      for (let k = 16 * i; k < Math.min(steps, 16 * (i + 1)); k++) {
        arrivals += arrivalsAt(k)
        input += k
      }
      expect(tl.arrivals_rps[i]! * 16, `bucket ${i}`).toBe(arrivals)
      expect(tl.input_tok_s[i]! * 16, `bucket ${i}`).toBe(input)
    }

    // Sampled state is the value at the end of each merged bucket (its later half), and the
    // last, partial bucket holds the state at finish().
    for (let i = 0; i < n - 1; i++) {
      const end = 16 * (i + 1) - 1
      expect(tl.waiting[i], `bucket ${i}`).toBe(end)
      expect(tl.running[i], `bucket ${i}`).toBe(2 * end)
      expect(tl.kv_usage[0]![i], `bucket ${i}`).toBe(end)
      expect(tl.kv_usage[1]![i], `bucket ${i}`).toBe(end + 1000)
    }
    expect(tl.waiting[n - 1]).toBe(steps - 1)
    expect(tl.kv_usage[1]![n - 1]).toBe(steps - 1 + 1000)
  })

  it('samples every bucket a long jump skips with the state before the jump', () => {
    const state = fakeState()
    const rec = new TimelineRecorder(1, state, 1, 2048)
    state.value = 3
    rec.arrival()
    rec.advance(10.2)
    state.value = 0
    rec.arrival()
    const tl = rec.finish()
    expect(tl.t.length).toBe(11)
    expect(tl.arrivals_rps).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    expect(tl.waiting).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0])
  })

  it('preserves counts with an odd bucket budget too', () => {
    // Buckets merge in pairs, so an odd budget must not drop the unpaired bucket.
    const state = fakeState()
    const rec = new TimelineRecorder(1, state, 1, 7)
    const total = drive(rec, state, 20, () => 1)
    const tl = rec.finish()
    expect(tl.t.length).toBeLessThanOrEqual(7)
    expect(sum(tl.arrivals_rps) * tl.step_s).toBe(total.arrivals)
  })
})
