import { describe, expect, it } from 'vitest'
import { getGpu, getModel } from '../catalog/index.js'
import { DEFAULT_ENGINE } from '../engine/config.js'
import { addDecode, addPrefillChunk, emptyBatch } from './batch.js'
import { coldStartSeconds, DEFAULT_COLD_START, loadSeconds } from './cold-start.js'
import type { Deployment } from './deployment.js'
import { createIterationModel } from './iteration.js'
import { kvBudget } from './memory.js'

const dep = (gpu: string, model: string, tp = 1, dtype: 'bf16' | 'fp8' = 'bf16'): Deployment => ({
  gpu: getGpu(gpu),
  model: getModel(model),
  tp,
  dtype,
})

function decode(d: Deployment, seqs: number, ctx: number): number {
  const b = emptyBatch()
  for (let i = 0; i < seqs; i++) addDecode(b, ctx)
  return createIterationModel(d).iterationTime(b)
}

function prefill(d: Deployment, tokens: number, offset = 0): number {
  const b = emptyBatch()
  addPrefillChunk(b, tokens, offset)
  return createIterationModel(d).iterationTime(b)
}

describe('iteration model', () => {
  const h100 = dep('h100-80g', 'llama-3.1-8b')

  it('an empty batch takes no time', () => {
    expect(createIterationModel(h100).iterationTime(emptyBatch())).toBe(0)
  })

  it('batch-1 decode is bound by streaming the weights once', () => {
    const t = decode(h100, 1, 512)
    const weightsOverBandwidth = (8.03e9 * 2) / 3.35e12
    expect(t).toBeGreaterThan(weightsOverBandwidth)
    expect(t).toBeLessThan(weightsOverBandwidth * 2)
  })

  it('decode batches amortise the weights: 64 sequences cost far less than 64 steps', () => {
    expect(decode(h100, 64, 512)).toBeLessThan(2 * decode(h100, 1, 512))
  })

  it('longer contexts make decode slower (KV reads), and prefill grows superlinearly', () => {
    expect(decode(h100, 64, 8192)).toBeGreaterThan(decode(h100, 64, 512))
    const short = prefill(h100, 8192)
    const atOffset = prefill(h100, 8192, 65536)
    expect(atOffset).toBeGreaterThan(2 * short) // attention over a 64k prefix dominates
  })

  it('prefill is compute-bound: 8k tokens take ~2·P·T / (peak·efficiency)', () => {
    const t = prefill(h100, 8192)
    const ideal = (2 * 8.03e9 * 8192) / 989.4e12
    expect(t).toBeGreaterThan(ideal)
    expect(t).toBeLessThan(ideal * 3)
  })

  it('fp8 speeds up both decode (bytes) and prefill (fp8 tensor cores) on H100, decode only on A100', () => {
    const h100fp8 = dep('h100-80g', 'llama-3.1-8b', 1, 'fp8')
    expect(decode(h100fp8, 1, 512)).toBeLessThan(0.7 * decode(h100, 1, 512))
    expect(prefill(h100fp8, 8192)).toBeLessThan(0.8 * prefill(h100, 8192))
    const a100 = dep('a100-80g', 'llama-3.1-8b')
    const a100fp8 = dep('a100-80g', 'llama-3.1-8b', 1, 'fp8')
    expect(decode(a100fp8, 1, 512)).toBeLessThan(0.7 * decode(a100, 1, 512))
    expect(prefill(a100fp8, 8192) / prefill(a100, 8192)).toBeGreaterThan(0.95)
  })

  it('tensor parallelism shortens iterations but pays all-reduce costs', () => {
    const tp1 = decode(dep('h100-80g', 'llama-3.1-70b', 2), 8, 1024)
    const tp4 = decode(dep('h100-80g', 'llama-3.1-70b', 4), 8, 1024)
    expect(tp4).toBeLessThan(tp1)
    expect(tp4).toBeGreaterThan(tp1 / 2) // sub-linear: fixed costs and communication
  })

  it('MoE decode streams only the experts a small batch touches', () => {
    const mix = dep('h100-80g', 'mixtral-8x7b', 2)
    const one = decode(mix, 1, 512)
    const many = decode(mix, 64, 512)
    // One token touches 2 of 8 experts; 64 tokens touch nearly all of them.
    expect(many / one).toBeGreaterThan(2)
  })
})

describe('KV budget and cold start', () => {
  it('sizes the KV cache as vLLM does: what is left of 90% of HBM after weights and activations', () => {
    const kv = kvBudget(dep('h100-80g', 'llama-3.1-8b'), DEFAULT_ENGINE)
    // 80 GiB × 0.9 = 77.3 GB; weights 16.1 GB; KV ≈ 58–60 GB → 128 KiB per token → ~28k blocks.
    expect(kv.kvBytesPerGpu / 1e9).toBeGreaterThan(55)
    expect(kv.kvBytesPerGpu / 1e9).toBeLessThan(61)
    expect(kv.blocks).toBe(Math.floor(kv.kvBytesPerGpu / (128 * 1024 * 16)))
  })

  it('a model that does not fit leaves no KV blocks', () => {
    expect(kvBudget(dep('l40s-48g', 'llama-3.1-70b'), DEFAULT_ENGINE).blocks).toBe(0)
  })

  it('cold start is provisioning + weight bytes / storage bandwidth + init', () => {
    const d = dep('h100-80g', 'llama-3.1-70b', 4)
    expect(loadSeconds(d)).toBeCloseTo((70.55e9 * 2) / 4 / 2e9, 6)
    const opts = { ...DEFAULT_COLD_START, provisionSeconds: 30 }
    expect(coldStartSeconds(d, opts)).toBeCloseTo(30 + loadSeconds(d) + opts.initSeconds, 6)
  })
})
