import { describe, expect, it } from 'vitest'
import { chainedBlocks, makeFleet, makeRequest } from '../../../test/policy/fleet-fixture.js'
import { createAibrixPrefix } from './aibrix-prefix.js'

const ctx = { now: 0, rng: () => 0.5 }
const blocks = chainedBlocks(11, 40)
const req = makeRequest(0, blocks)

/** holding maps instance → the share of `blocks` it caches (a leading run). */
function holding(shares: Record<number, number>): Map<number, Set<number>> {
  return new Map(
    Object.entries(shares).map(([i, s]) => [Number(i), new Set(blocks.slice(0, s * 40))]),
  )
}

/** loads builds instances with the given in-flight counts. */
function loads(...outstanding: number[]) {
  return outstanding.map((o) => ({ outstanding: o }))
}

describe('aibrix-prefix', () => {
  it('routes to the least loaded when loads differ by more than 8, ignoring prefixes', () => {
    const cached = holding({ 2: 1 })
    expect(createAibrixPrefix().pick(req, makeFleet(loads(0, 9, 3), cached), ctx)).toBe(0)
    // A spread of exactly 8 is still balanced: the prefix holder wins.
    expect(createAibrixPrefix().pick(req, makeFleet(loads(0, 8, 3), cached), ctx)).toBe(2)
    // The threshold is an option.
    const strict = createAibrixPrefix({ imbalanceThreshold: 2 })
    expect(strict.pick(req, makeFleet(loads(0, 8, 3), cached), ctx)).toBe(0)
  })

  it('takes the longest match of at least half the prompt, ties to the less loaded', () => {
    const cached = holding({ 1: 0.4, 2: 0.6, 3: 0.6 })
    expect(createAibrixPrefix().pick(req, makeFleet(loads(0, 0, 2, 1), cached), ctx)).toBe(3)
    const longer = holding({ 1: 0.4, 2: 0.6, 3: 0.8 })
    expect(createAibrixPrefix().pick(req, makeFleet(loads(0, 0, 1, 4), longer), ctx)).toBe(3)
    // 40% is below the 50% match threshold: no match, so the least-loaded instance.
    const weak = holding({ 1: 0.4 })
    expect(createAibrixPrefix().pick(req, makeFleet(loads(3, 2, 1, 4), weak), ctx)).toBe(2)
    expect(
      createAibrixPrefix({ matchThreshold: 0.3 }).pick(
        req,
        makeFleet(loads(3, 2, 1, 4), weak),
        ctx,
      ),
    ).toBe(1)
  })

  it('skips a matching instance loaded beyond mean + 2σ (the load-imbalance guard)', () => {
    // Loads 0×9 and 8: mean 0.8, σ 2.4, bound 5.6. Instance 9 holds everything, 3 holds 60%.
    const cached = holding({ 9: 1, 3: 0.6 })
    const ten = makeFleet(loads(0, 0, 0, 0, 0, 0, 0, 0, 0, 8), cached)
    expect(createAibrixPrefix().pick(req, ten, ctx)).toBe(3)
    // On five instances, 0×4 and 8 give mean 1.6, σ 3.2, bound 8: the holder is kept.
    const five = makeFleet(loads(0, 0, 0, 0, 8), holding({ 4: 1, 3: 0.6 }))
    expect(createAibrixPrefix().pick(req, five, ctx)).toBe(4)
    // A tighter guard (k = 1: bound 4.8) skips it there too.
    expect(createAibrixPrefix({ stdDevFactor: 1 }).pick(req, five, ctx)).toBe(3)
  })

  it('falls back to the least-loaded instance without a match or a full block', () => {
    const view = makeFleet(loads(3, 1, 2))
    expect(createAibrixPrefix().pick(req, view, ctx)).toBe(1)
    expect(createAibrixPrefix().pick(makeRequest(1), view, ctx)).toBe(1)
  })
})
