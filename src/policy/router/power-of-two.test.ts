import { describe, expect, it } from 'vitest'
import { makeFleet, makeRequest } from '../../../test/policy/fleet-fixture.js'
import { createRng } from '../../util/rng.js'
import { createPowerOfTwo } from './power-of-two.js'

describe('power-of-two', () => {
  it('with two routable instances always picks the less loaded', () => {
    const policy = createPowerOfTwo()
    const rng = createRng(3)
    for (let i = 0; i < 500; i++) {
      const a = Math.floor(rng() * 10)
      const b = a + 1 + Math.floor(rng() * 5)
      const low = rng() < 0.5 ? 0 : 2
      const loads = low === 0 ? [a, 0, b] : [b, 0, a]
      const view = makeFleet([
        { outstanding: loads[0]! },
        { outstanding: 0, ready: false },
        { outstanding: loads[2]! },
      ])
      expect(policy.pick(makeRequest(i), view, { now: 0, rng })).toBe(low)
    }
  })

  it('never picks the single most-loaded instance, and samples every other one', () => {
    const loads = [3, 9, 1, 4, 4, 0, 2, 5]
    const view = makeFleet(loads.map((outstanding) => ({ outstanding })))
    const policy = createPowerOfTwo()
    const ctx = { now: 0, rng: createRng(8) }
    const seen = new Set<number>()
    for (let i = 0; i < 5000; i++) seen.add(policy.pick(makeRequest(i), view, ctx)!)
    expect(seen.has(1)).toBe(false)
    // Each other instance wins whenever it is paired with the most-loaded one.
    expect([...seen].sort()).toEqual([0, 2, 3, 4, 5, 6, 7])
  })

  it('prefers lightly loaded instances over random', () => {
    const loads = [0, 1, 2, 3, 4, 5, 6, 7]
    const view = makeFleet(loads.map((outstanding) => ({ outstanding })))
    const policy = createPowerOfTwo()
    const ctx = { now: 0, rng: createRng(4) }
    let total = 0
    const n = 4000
    for (let i = 0; i < n; i++) total += loads[policy.pick(makeRequest(i), view, ctx)!]!
    // Random averages 3.5; the min of two distinct draws from 0..7 averages Σ C(8−k,2)/C(8,2) = 2
    // (sd of the mean over 4000 picks ≈ 0.03).
    expect(total / n).toBeGreaterThan(1.85)
    expect(total / n).toBeLessThan(2.15)
  })
})
