import { describe, expect, it } from 'vitest'
import { makeFleet, makeRequest } from '../../../test/policy/fleet-fixture.js'
import { createRng } from '../../util/rng.js'
import { createRandom } from './random.js'

describe('random', () => {
  it('spreads roughly uniformly over routable instances only', () => {
    const view = makeFleet([{}, { ready: false }, {}, {}, { draining: true }, {}])
    const policy = createRandom()
    const ctx = { now: 0, rng: createRng(5) }
    const counts = new Map<number, number>()
    const n = 8000
    for (let i = 0; i < n; i++) {
      const id = policy.pick(makeRequest(i), view, ctx)!
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    expect([...counts.keys()].sort()).toEqual([0, 2, 3, 5])
    // Expect 2000 each; sd ≈ 39, so ±200 is > 5 sd.
    for (const c of counts.values()) expect(Math.abs(c - n / 4)).toBeLessThan(200)
  })

  it('maps the rng draw onto the routable instances in id order', () => {
    const view = makeFleet([{ ready: false }, {}, {}])
    const policy = createRandom()
    expect(policy.pick(makeRequest(0), view, { now: 0, rng: () => 0 })).toBe(1)
    expect(policy.pick(makeRequest(0), view, { now: 0, rng: () => 0.99 })).toBe(2)
  })
})
