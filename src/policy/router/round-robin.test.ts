import { describe, expect, it } from 'vitest'
import { makeFleet, makeRequest } from '../../../test/policy/fleet-fixture.js'
import { createRng } from '../../util/rng.js'
import { createRoundRobin } from './round-robin.js'

const ctx = { now: 0, rng: createRng(1) }

describe('round-robin', () => {
  it('visits each routable instance once per cycle, in id order', () => {
    const view = makeFleet([{}, { ready: false }, {}, { draining: true }, {}, {}])
    const rr = createRoundRobin()
    const picks = Array.from({ length: 12 }, (_, i) => rr.pick(makeRequest(i), view, ctx))
    expect(picks).toEqual([0, 2, 4, 5, 0, 2, 4, 5, 0, 2, 4, 5])
  })

  it('carries on from its position when instances change state or the fleet shrinks', () => {
    const rr = createRoundRobin()
    const all = makeFleet([{}, {}, {}, {}])
    expect([0, 1, 2].map((i) => rr.pick(makeRequest(i), all, ctx))).toEqual([0, 1, 2])
    // Instance 3 is draining now: the cycle wraps to 0.
    const drained = makeFleet([{}, {}, {}, { draining: true }])
    expect(rr.pick(makeRequest(3), drained, ctx)).toBe(0)
    expect(rr.pick(makeRequest(4), drained, ctx)).toBe(1)
    // The fleet shrinks below the cursor: it wraps instead of skipping.
    const small = makeFleet([{}, {}])
    rr.pick(makeRequest(5), all, ctx) // → 2, cursor at 3
    expect(rr.pick(makeRequest(6), small, ctx)).toBe(0)
  })
})
