import { describe, expect, it } from 'vitest'
import { chainedBlocks, makeFleet, makeRequest } from '../../../test/policy/fleet-fixture.js'
import { createWeighted } from './weighted.js'

const ctx = { now: 0, rng: () => 0.5 }

describe('weighted', () => {
  it('follows the prefix cache when loads are equal', () => {
    const blocks = chainedBlocks(5, 10)
    const cached = new Map([[2, new Set(blocks.slice(0, 8))]])
    const view = makeFleet([{}, {}, {}, {}], cached)
    expect(createWeighted().pick(makeRequest(0, blocks), view, ctx)).toBe(2)
  })

  it('leaves a cached but overloaded instance when queue outweighs prefix', () => {
    const blocks = chainedBlocks(5, 10)
    const cached = new Map([[2, new Set(blocks)]])
    const view = makeFleet(
      [{ outstanding: 1 }, { outstanding: 1 }, { outstanding: 20 }, { outstanding: 1 }],
      cached,
    )
    // prefix 2·1 + queue 2·0 + kv 0 = 2 for instance 2; others: 0 + 2·1 = 2 → tie on score,
    // broken by fewer in-flight requests.
    expect(createWeighted().pick(makeRequest(0, blocks), view, ctx)).not.toBe(2)
    // With prefix weighted higher, the cache wins.
    expect(createWeighted({ prefix: 5 }).pick(makeRequest(0, blocks), view, ctx)).toBe(2)
  })

  it('prefers low KV usage when nothing else differs', () => {
    const view = makeFleet([{ kvUsage: 0.9 }, { kvUsage: 0.2 }, { kvUsage: 0.5 }])
    expect(createWeighted().pick(makeRequest(0, chainedBlocks(1, 4)), view, ctx)).toBe(1)
  })

  it('rotates among exact ties', () => {
    const view = makeFleet([{}, {}, {}])
    const policy = createWeighted()
    const picks = [0, 1, 2, 3, 4, 5].map((i) => policy.pick(makeRequest(i, []), view, ctx))
    expect(new Set(picks).size).toBe(3)
  })
})
