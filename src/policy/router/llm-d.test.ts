import { describe, expect, it } from 'vitest'
import { chainedBlocks, makeFleet, makeRequest } from '../../../test/policy/fleet-fixture.js'
import { createLlmd } from './llm-d.js'
import { createWeighted } from './weighted.js'

const ctx = { now: 0, rng: () => 0.5 }
const blocks = chainedBlocks(3, 40)

describe('llm-d', () => {
  it('follows the prefix cache when nothing else differs', () => {
    const cached = new Map([[2, new Set(blocks.slice(0, 30))]])
    const view = makeFleet([{}, {}, {}, {}], cached)
    expect(createLlmd().pick(makeRequest(0, blocks), view, ctx)).toBe(2)
  })

  it('filters out instances above the KV threshold while others remain', () => {
    const cached = new Map([[0, new Set(blocks)]])
    const hot = makeFleet([{ kvUsage: 0.9 }, { kvUsage: 0.5 }, { kvUsage: 0.6 }], cached)
    // A full prefix match weighted 10 would win any score, but 0.9 > 0.8 filters it first.
    expect(createLlmd({ prefix: 10 }).pick(makeRequest(0, blocks), hot, ctx)).toBe(1)
    // With every instance above the threshold the filter keeps them all.
    const allHot = makeFleet([{ kvUsage: 0.9 }, { kvUsage: 0.85 }, { kvUsage: 0.85 }], cached)
    expect(createLlmd({ prefix: 10 }).pick(makeRequest(0, blocks), allHot, ctx)).toBe(0)
    // A looser threshold keeps the cached instance in play.
    expect(
      createLlmd({ prefix: 10, kvThreshold: 0.95 }).pick(makeRequest(0, blocks), hot, ctx),
    ).toBe(0)
  })

  it('sends an adapter request where the adapter is loaded, else where a slot is free', () => {
    const req = { ...makeRequest(0, blocks), adapter: 'sql' }
    const loaded = makeFleet([
      { loras: [], maxLoras: 2 },
      { loras: ['sql'], maxLoras: 2, outstanding: 9, waiting: 5 },
      { loras: ['a', 'b'], maxLoras: 2 },
    ])
    expect(createLlmd().pick(req, loaded, ctx)).toBe(1)
    const none = makeFleet([
      { loras: ['a', 'b'], maxLoras: 2 },
      { loras: ['a'], maxLoras: 2, outstanding: 5 },
      { loras: ['x', 'y'], maxLoras: 2 },
    ])
    expect(createLlmd().pick(req, none, ctx)).toBe(1)
    // A base-model request ignores adapters: the least-queued instance wins.
    expect(createLlmd().pick(makeRequest(1, blocks), loaded, ctx)).toBe(0)
  })

  it('counts waiting requests and in-flight requests in the queue score', () => {
    const view = makeFleet([
      { waiting: 6, outstanding: 0 },
      { waiting: 0, outstanding: 4 },
    ])
    expect(createLlmd().pick(makeRequest(0, blocks), view, ctx)).toBe(1)
  })

  it('scores prefix and KV on absolute scales, so a one-block match barely counts', () => {
    // Instance 0 holds 1 of 40 blocks at 30% KV; instance 1 holds none at 5% KV.
    const cached = new Map([[0, new Set(blocks.slice(0, 1))]])
    const view = makeFleet([{ kvUsage: 0.3 }, { kvUsage: 0.05 }], cached)
    // llm-d: 2·(1/40) + 0.7 = 0.75 against 0 + 0.95.
    expect(createLlmd().pick(makeRequest(0, blocks), view, ctx)).toBe(1)
    // Min-max normalisation turns the same one block into the full prefix weight: 2 against 1.
    expect(createWeighted().pick(makeRequest(0, blocks), view, ctx)).toBe(0)
  })

  it('uses the running-requests scorer only when weighted', () => {
    const view = makeFleet([
      { running: 10, outstanding: 2 },
      { running: 1, outstanding: 2 },
    ])
    expect(createLlmd().pick(makeRequest(0, blocks), view, ctx)).toBe(0)
    expect(createLlmd({ running: 1 }).pick(makeRequest(0, blocks), view, ctx)).toBe(1)
  })

  it('rotates among exact ties', () => {
    const view = makeFleet([{}, {}, {}])
    const policy = createLlmd()
    const picks = [0, 1, 2].map((i) => policy.pick(makeRequest(i, blocks), view, ctx))
    expect(picks).toEqual([0, 1, 2])
  })
})
