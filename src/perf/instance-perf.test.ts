import { describe, expect, it } from 'vitest'
import { gpus, models } from '../catalog/index.js'
import { DEFAULT_ENGINE } from '../engine/config.js'
import { addDecode, addPrefillChunk, emptyBatch } from './batch.js'
import type { Deployment } from './deployment.js'
import { createInstancePerf } from './instance-perf.js'
import { createIterationModel } from './iteration.js'

const deployment: Deployment = {
  gpu: gpus['h100-80g'],
  model: models['llama-3.1-70b'],
  tp: 4,
  dtype: 'bf16',
}
const model = createIterationModel(deployment)
const perf = createInstancePerf(model, DEFAULT_ENGINE)

/** chunked times a prompt chunk by chunk, as the engine schedules it on an idle instance. */
function chunked(tokens: number, cached: number): number {
  let offset = Math.min(cached, tokens - 1)
  let t = 0
  while (offset < tokens) {
    const c = Math.min(DEFAULT_ENGINE.maxNumBatchedTokens, tokens - offset)
    const b = emptyBatch()
    addPrefillChunk(b, c, offset)
    t += model.iterationTime(b)
    offset += c
  }
  return t
}

describe('instance perf', () => {
  it('exposes the engine limits it was built with', () => {
    expect(perf.maxBatchTokens).toBe(8192)
    expect(perf.maxBatchSeqs).toBe(256)
    expect(perf.blockSize).toBe(16)
  })

  it('times a prompt that fits one chunk as exactly one iteration', () => {
    const b = emptyBatch()
    addPrefillChunk(b, 3000, 1000)
    expect(perf.prefillSeconds(4000, 1000)).toBe(model.iterationTime(b))
  })

  it('matches chunk-by-chunk timing of long prompts within 0.5%', () => {
    for (const [tokens, cached] of [
      [20_000, 0],
      [100_000, 0],
      [100_000, 50_000],
      [65_536, 8_192],
    ] as const) {
      const want = chunked(tokens, cached)
      expect(Math.abs(perf.prefillSeconds(tokens, cached) - want) / want).toBeLessThan(0.005)
    }
  })

  it('charges less for a cached prefix, and still computes one token on a full hit', () => {
    const cold = perf.prefillSeconds(8000, 0)
    const warm = perf.prefillSeconds(8000, 6000)
    expect(warm).toBeLessThan(cold / 2)
    expect(perf.prefillSeconds(8000, 8000)).toBeGreaterThan(0)
    expect(perf.prefillSeconds(8000, 8000)).toBeLessThan(warm)
    expect(perf.prefillSeconds(0, 0)).toBe(0)
  })

  it('times a decode step as the model does, growing with batch and context', () => {
    const b = emptyBatch()
    for (let i = 0; i < 32; i++) addDecode(b, 2000)
    expect(perf.decodeStepSeconds(32, 2000)).toBeCloseTo(model.iterationTime(b), 12)
    expect(perf.decodeStepSeconds(64, 2000)).toBeGreaterThan(perf.decodeStepSeconds(32, 2000))
    expect(perf.decodeStepSeconds(32, 8000)).toBeGreaterThan(perf.decodeStepSeconds(32, 2000))
    expect(perf.decodeStepSeconds(0, 2000)).toBe(0)
  })
})
