import { describe, expect, it } from 'vitest'
import { makeFleet, makeRequest, randomFleet } from '../../../test/policy/fleet-fixture.js'
import { createRng } from '../../util/rng.js'
import { isRoutable } from '../types.js'
import { createLeastOutstanding } from './least-outstanding.js'

const ctx = { now: 0, rng: createRng(1) }

describe('least-outstanding', () => {
  it('picks the routable instance with the fewest outstanding requests', () => {
    const view = makeFleet([
      { outstanding: 5 },
      { outstanding: 1, ready: false },
      { outstanding: 3 },
      { outstanding: 0, draining: true },
      { outstanding: 4 },
    ])
    expect(createLeastOutstanding().pick(makeRequest(0), view, ctx)).toBe(2)
  })

  it('always picks a minimum over random fleets', () => {
    const policy = createLeastOutstanding()
    const rng = createRng(11)
    for (let i = 0; i < 500; i++) {
      const view = randomFleet(rng, 1 + Math.floor(rng() * 16))
      const id = policy.pick(makeRequest(i), view, ctx)
      const loads = view.instances.filter(isRoutable).map((x) => x.outstanding)
      if (loads.length === 0) expect(id).toBeUndefined()
      else expect(view.instances[id!]!.outstanding).toBe(Math.min(...loads))
    }
  })

  it('rotates among tied instances instead of herding onto the lowest id', () => {
    const view = makeFleet([{ outstanding: 2 }, { outstanding: 1 }, {}, { outstanding: 1 }, {}])
    const policy = createLeastOutstanding()
    const picks = [0, 1, 2, 3].map((i) => policy.pick(makeRequest(i), view, ctx))
    expect(picks).toEqual([2, 4, 2, 4])
  })
})
