import { describe, expect, it } from 'vitest'
import { makeFleet, makeRequest } from '../../../test/policy/fleet-fixture.js'
import { createRng } from '../../util/rng.js'
import { createLeastKv } from './least-kv.js'

const ctx = { now: 0, rng: createRng(1) }

describe('least-kv', () => {
  it('picks the routable instance with the lowest KV usage', () => {
    const view = makeFleet([
      { kvUsage: 0.5 },
      { kvUsage: 0.1, ready: false },
      { kvUsage: 0.3, outstanding: 9 },
      { kvUsage: 0.0, draining: true },
      { kvUsage: 0.4 },
    ])
    expect(createLeastKv().pick(makeRequest(0), view, ctx)).toBe(2)
  })

  it('breaks ties by outstanding, then by lowest id', () => {
    const byLoad = makeFleet([
      { kvUsage: 0.2, outstanding: 3 },
      { kvUsage: 0.2, outstanding: 1 },
      { kvUsage: 0.2, outstanding: 2 },
    ])
    expect(createLeastKv().pick(makeRequest(0), byLoad, ctx)).toBe(1)
    const full = makeFleet([{ kvUsage: 0.6 }, { kvUsage: 0.2 }, { kvUsage: 0.2 }])
    const policy = createLeastKv()
    expect(policy.pick(makeRequest(0), full, ctx)).toBe(1)
    expect(policy.pick(makeRequest(1), full, ctx)).toBe(1)
  })
})
