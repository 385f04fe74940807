import { describe, expect, it } from 'vitest'
import { chainedBlocks, makeFleet, makeRequest } from '../../../test/policy/fleet-fixture.js'
import { createRng } from '../../util/rng.js'
import { createDynamo } from './dynamo.js'

/** A context whose rng fails the test if drawn: temperature 0 must be deterministic. */
const noDraw = {
  now: 0,
  rng: () => {
    throw new Error('rng drawn at temperature 0')
  },
}

// 256 blocks: a 4,101-token prompt (makeRequest adds 5 tokens past the last full block).
const blocks = chainedBlocks(21, 256)
const req = makeRequest(0, blocks)
// Instance 0 caches the first 192 blocks (3,072 tokens); kvBlocks is 1000 everywhere.
const warm = new Map([[0, new Set(blocks.slice(0, 192))]])

describe('dynamo', () => {
  it('weighs uncached prefill blocks against KV blocks in use', () => {
    // Instance 0: (4101 − 3072)/16 + 500 = 564.3; idle instance 1: 4101/16 = 256.3.
    const busy = makeFleet([{ kvUsage: 0.5 }, {}], warm)
    expect(createDynamo().pick(req, busy, noDraw)).toBe(1)
    // At 190 blocks in use instance 0 costs 254.3 and wins.
    const light = makeFleet([{ kvUsage: 0.19 }, {}], warm)
    expect(createDynamo().pick(req, light, noDraw)).toBe(0)
  })

  it("counts an instance's queued prefill tokens as prefill blocks", () => {
    // Instance 0: (4101 + 8192)/16 = 768.3; instance 1: 256.3 + 300 = 556.3.
    const view = makeFleet([{ pendingPrefillTokens: 8192 }, { kvUsage: 0.3 }])
    expect(createDynamo().pick(req, view, noDraw)).toBe(1)
  })

  it('trades cache hits against decode load through the overlap weight', () => {
    const view = makeFleet([{ kvUsage: 0.5 }, { kvUsage: 0.1 }], warm)
    // Weight 1: 564.3 against 256.3 + 100.
    expect(createDynamo().pick(req, view, noDraw)).toBe(1)
    // Weight 4: 4·64.3 + 500 = 757 against 4·256.3 + 100 = 1125.
    expect(createDynamo({ overlapWeight: 4 }).pick(req, view, noDraw)).toBe(0)
    // Weight 0: decode blocks alone.
    const cachedButLoaded = makeFleet([{ kvUsage: 0.2 }, { kvUsage: 0.1 }], warm)
    expect(createDynamo({ overlapWeight: 0 }).pick(req, cachedButLoaded, noDraw)).toBe(1)
  })

  it('samples a softmax over normalised costs when the temperature is above 0', () => {
    // Costs 256.3 and 356.3 normalise to 0 and 1; at T = 1, P(0) = 1 / (1 + e^−1) ≈ 0.731.
    const view = makeFleet([{}, { kvUsage: 0.1 }])
    const policy = createDynamo({ temperature: 1 })
    const ctx = { now: 0, rng: createRng(5) }
    const n = 4000
    let zeros = 0
    for (let i = 0; i < n; i++) if (policy.pick(req, view, ctx) === 0) zeros++
    // sd of the share ≈ 0.007.
    expect(Math.abs(zeros / n - 1 / (1 + Math.exp(-1)))).toBeLessThan(0.03)
    // A low temperature all but always takes the cheapest.
    const cold = createDynamo({ temperature: 0.05 })
    let coldZeros = 0
    for (let i = 0; i < 1000; i++) if (cold.pick(req, view, ctx) === 0) coldZeros++
    expect(coldZeros).toBeGreaterThan(990)
  })

  it('breaks cost ties by fewer in-flight requests, then by rotation', () => {
    const byLoad = makeFleet([{ outstanding: 3 }, { outstanding: 1 }, { outstanding: 2 }])
    expect(createDynamo().pick(req, byLoad, noDraw)).toBe(1)
    const even = makeFleet([{}, {}, {}])
    const policy = createDynamo()
    expect([0, 1, 2, 3].map(() => policy.pick(req, even, noDraw))).toEqual([0, 1, 2, 0])
  })
})
