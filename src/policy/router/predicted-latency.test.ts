import { describe, expect, it } from 'vitest'
import {
  chainedBlocks,
  makeFleet,
  makeRequest,
  testPerf,
} from '../../../test/policy/fleet-fixture.js'
import type { InstanceView } from '../types.js'
import { predictTpot, predictTtft } from './latency-estimate.js'
import { createLeastOutstanding } from './least-outstanding.js'
import { createPredictedLatency } from './predicted-latency.js'

// llama-3.1-8b on one H100: about 36k prefill tokens/s, a 7 ms decode step at batch 1.
const perf = testPerf()
const ctx = { now: 0, rng: () => 0.5 }

/** withPerf gives every instance the latency model. */
function withPerf(specs: Partial<InstanceView>[]) {
  return specs.map((s) => ({ perf, ...s }))
}

describe('predicted-latency', () => {
  it('sends a request away from a queue of prefill work', () => {
    // 40,960 queued tokens ≈ 1.1 s of prefill on instance 0; instance 1 is idle.
    const view = makeFleet(withPerf([{ pendingPrefillTokens: 40_960 }, {}]))
    expect(createPredictedLatency().pick(makeRequest(0, chainedBlocks(1, 64)), view, ctx)).toBe(1)
  })

  it('prefers a warm instance with a short queue to a cold idle one on a long prompt', () => {
    // 16,005 tokens: ≈ 0.45 s to prefill cold; instance 1 has it cached behind 4,096 queued tokens.
    const blocks = chainedBlocks(9, 1000)
    const req = makeRequest(0, blocks)
    const cached = new Map([[1, new Set(blocks)]])
    const view = makeFleet(
      withPerf([{ outstanding: 0 }, { pendingPrefillTokens: 4096, outstanding: 1 }]),
      cached,
    )
    const cold = predictTtft(view.instances[0]!, req.inputTokens, 0)
    const warm = predictTtft(view.instances[1]!, req.inputTokens, 16_000)
    expect(warm).toBeLessThan(cold / 2)
    expect(createPredictedLatency().pick(req, view, ctx)).toBe(1)
    // A load-only router takes the idle instance.
    expect(createLeastOutstanding().pick(req, view, ctx)).toBe(0)
  })

  it('skips a fast-starting instance whose batch would miss the TPOT target', () => {
    const req = makeRequest(0, chainedBlocks(2, 64))
    const view = makeFleet(
      withPerf([
        // A full batch of long contexts: first token soon, but slow decode steps.
        { running: 250, kvUsage: 0.9, kvBlocks: 100_000 },
        // A prefill queue (≈ 0.23 s) and an empty batch.
        { pendingPrefillTokens: 8192 },
      ]),
    )
    const [busy, queued] = view.instances as [InstanceView, InstanceView]
    expect(predictTtft(busy, req.inputTokens, 0)).toBeLessThan(
      predictTtft(queued, req.inputTokens, 0),
    )
    expect(predictTpot(busy, req.inputTokens)).toBeGreaterThan(0.03)
    expect(predictTpot(queued, req.inputTokens)).toBeLessThan(0.01)
    const slo = { ttft_s: 2, tpot_s: 0.03 }
    expect(createPredictedLatency().pick(req, view, { ...ctx, slo })).toBe(1)
    // When no instance can meet the SLO it minimises predicted TTFT instead.
    const impossible = { ttft_s: 2, tpot_s: 0.001 }
    expect(createPredictedLatency().pick(req, view, { ...ctx, slo: impossible })).toBe(0)
  })

  it('ranks by a queue-proportional estimate when the view has no latency model', () => {
    const view = makeFleet([
      { pendingPrefillTokens: 20_000 },
      { pendingPrefillTokens: 5_000 },
      { pendingPrefillTokens: 12_000 },
    ])
    expect(createPredictedLatency().pick(makeRequest(0, chainedBlocks(4, 8)), view, ctx)).toBe(1)
  })

  it('rotates among equal predictions', () => {
    const view = makeFleet(withPerf([{}, {}, {}]))
    const policy = createPredictedLatency()
    const picks = [0, 1, 2].map((i) => policy.pick(makeRequest(i, chainedBlocks(5, 4)), view, ctx))
    expect(picks).toEqual([0, 1, 2])
  })
})
