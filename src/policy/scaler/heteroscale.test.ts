/** @module Tests for HeteroScale: decode tokens/s drive both pools of a P/D service. */
import { describe, expect, it } from 'vitest'
import { makePool, samplesIn } from '../../../test/policy/scale-fixture.js'
import { createHeteroScale, poolRatio } from './heteroscale.js'
import type { PoolScaleView, ScaleSample } from './types.js'

/** Prefill 2..20 and decode 4..40 replicas: a 1:2 shape; cc 10 → 0.7 × 10 × 20 = 140 tokens/s. */
const prefill = makePool({ name: 'p', role: 'prefill', minReplicas: 2, maxReplicas: 20 })
const decode = makePool({ name: 'd', role: 'decode', minReplicas: 4, maxReplicas: 40 })

/**
 * run ticks a HeteroScale over (0, until] with each pool at its last desired count; `at` gives
 * both pools' samples (tokens go to decode). Returns [now, prefill, decode] per tick.
 */
function run(
  until: number,
  at: (t: number) => Partial<ScaleSample>,
  pools: ReadonlyArray<PoolScaleView> = [prefill, decode],
  opts = {},
): Array<[number, ...number[]]> {
  const scaler = createHeteroScale(opts)
  let counts = pools.map((p) => p.minReplicas || 1)
  let last = 0
  const out: Array<[number, ...number[]]> = []
  for (let now = scaler.tickSeconds; now <= until; now += scaler.tickSeconds) {
    const samples = samplesIn(last, now, at)
    last = now
    const view = pools.map((p, i) => ({ ...p, ready: counts[i]!, samples }))
    counts = [...scaler.decide({ now, pools: view }).desired]
    out.push([now, ...counts])
  }
  return out
}

describe('heteroscale', () => {
  it('is named and decides every 15 s', () => {
    expect(createHeteroScale()).toMatchObject({ name: 'heteroscale', tickSeconds: 15 })
  })

  it('raises both pools with rising decode tokens/s, keeping the P:D ratio', () => {
    // Tokens/s ramp from 0 to 4200 over 30 minutes.
    const ticks = run(1800, (t) => ({ outputTokens: (4200 * t) / 1800, concurrency: 5 }))
    for (const [, p, d] of ticks) expect(p).toBe(Math.max(2, Math.round(d! * 0.5)))
    const [, p0, d0] = ticks[0]!
    const [, p1, d1] = ticks.at(-1)!
    // At 1800 s the 60-s mean is 4200 × 1770.5 / 1800 = 4131 tokens/s → ⌈29.5⌉ = 30 decode, 15 prefill.
    expect([p1, d1]).toEqual([15, 30])
    expect(d1! > d0! && p1! > p0!).toBe(true)
    // Never down on a ramp.
    for (let i = 1; i < ticks.length; i++)
      expect(ticks[i]![2]).toBeGreaterThanOrEqual(ticks[i - 1]![2]!)
  })

  it('takes the ratio from the option, else the pools’ minimums, else their maximums', () => {
    expect(poolRatio(prefill, decode)).toBe(0.5)
    const free = (p: PoolScaleView): PoolScaleView => ({ ...p, minReplicas: 0 })
    expect(poolRatio(free(prefill), free(decode))).toBe(0.5)
    expect(poolRatio(free(prefill), { ...free(decode), maxReplicas: 60 })).toBeCloseTo(1 / 3)
    const ticks = run(600, () => ({ outputTokens: 2800 }), [prefill, decode], { ratio: 1 })
    // 2800 / 140 = 20 decode, and 20 prefill at 1:1.
    expect(ticks.at(-1)!.slice(1)).toEqual([20, 20])
  })

  it('scales down only after the count has been wanted lower for 5 minutes', () => {
    const load = (t: number): Partial<ScaleSample> => ({ outputTokens: t <= 600 ? 2800 : 700 })
    const ticks = new Map(run(1200, load).map(([t, p, d]) => [t, [p, d]]))
    expect(ticks.get(600)).toEqual([10, 20])
    // Wanted as the 60-s mean falls: 20 at t=600, then (45 × 2800 + 15 × 700)/60 / 140 → 17 at
    // 615, 13 at 630, 9 at 645, 5 from 660. Each holds while now − t < 300.
    expect(ticks.get(885)).toEqual([10, 20])
    const after = [900, 915, 930, 945].map((t) => ticks.get(t))
    expect(after).toEqual([
      [9, 17],
      [7, 13],
      [5, 9],
      [3, 5],
    ])
  })

  it('scales a mixed pool on its token rate alone, keeps one while busy, and reaches zero', () => {
    const mixed = makePool({ maxReplicas: 50 })
    const load = (t: number): Partial<ScaleSample> =>
      t <= 300 ? { outputTokens: 1000, concurrency: 3 } : t <= 900 ? { concurrency: 1 } : {}
    const ticks = new Map(run(1500, load, [mixed]).map(([t, d]) => [t, d]))
    // ⌈1000 / 140⌉ = 8.
    expect(ticks.get(300)).toBe(8)
    // No tokens but requests in flight: one replica, once the 8 of t ≤ 345 age out.
    expect(ticks.get(900)).toBe(1)
    // Idle after 900: the last 1 is wanted at t=945 (its window still holds 886..900), and holds
    // while now − 945 < 300.
    expect(ticks.get(1230)).toBe(1)
    expect(ticks.get(1245)).toBe(0)
  })
})
