/**
 * @module Fidelity check: replays a published benchmark's setup (batch, lengths, request count)
 * through the engine and latency model in virtual time and returns the predicted figure, in the
 * point's own unit, for comparison with the measurement.
 */
import { getGpu, getModel, parseDtype } from '../catalog/index.js'
import { DEFAULT_ENGINE, type EngineConfig } from '../engine/config.js'
import { Engine } from '../engine/engine.js'
import { Sequence } from '../engine/sequence.js'
import type { Calibration } from '../perf/calibration.js'
import type { Deployment } from '../perf/deployment.js'
import { createIterationModel } from '../perf/iteration.js'
import { kvBudget } from '../perf/memory.js'
import { blockHashes } from '../trace/prompt.js'
import { uniqueKey } from '../trace/types.js'

/** FidelityPoint is one published measurement (test/fidelity/points.json). */
export interface FidelityPoint {
  readonly id: string
  readonly kind: 'decode-bs1' | 'prefill' | 'offline-throughput' | 'latency-batch'
  readonly model: string
  readonly gpu: string
  readonly tp: number
  readonly dtype: string
  readonly engine: string
  readonly input_tokens: number | null
  readonly output_tokens: number | null
  readonly batch_size: number | null
  readonly num_requests: number | null
  readonly value: number
  readonly unit: string
  /** Engine settings the benchmark ran with, where they differ from vLLM's defaults. */
  readonly engine_config?: Partial<EngineConfig>
}

/** pointDeployment resolves a point's hardware against the catalog. */
export function pointDeployment(p: FidelityPoint): Deployment {
  return {
    gpu: getGpu(p.gpu),
    model: getModel(p.model),
    tp: p.tp,
    dtype: parseDtype(p.dtype),
  }
}

/**
 * runBatch submits `n` identical requests at t=0 (an offline batch) and steps the engine until all
 * finish; returns the finish times of the first token and of each request.
 */
function runBatch(
  d: Deployment,
  cfg: EngineConfig,
  n: number,
  input: number,
  output: number,
  cal?: Calibration,
): { firstTokens: number[]; finishes: number[]; seqs: Sequence[] } {
  const budget = kvBudget(d, cfg)
  const finishes: number[] = []
  const firstTokens: number[] = []
  const engine = new Engine(cfg, createIterationModel(d, cal), budget.blocks, {
    onFinish: (s) => {
      finishes.push(s.finishedAt)
      firstTokens.push(s.firstTokenAt)
    },
  })
  const seqs: Sequence[] = []
  for (let i = 0; i < n; i++) {
    // Benchmarks use random token ids: no two prompts share a prefix.
    const s = new Sequence({
      id: i,
      arrival: 0,
      promptTokens: input,
      outputTokens: output,
      blockHashes: blockHashes([{ key: uniqueKey(i), tokens: input }], cfg.blockSize),
    })
    if (engine.add(s) !== undefined) throw new Error(`point request rejected (${input}+${output})`)
    seqs.push(s)
  }
  let now = 0
  while (engine.hasWork) {
    const dt = engine.step(now)
    if (dt <= 0) throw new Error('engine stalled')
    now += dt
    engine.complete(now)
  }
  return { firstTokens, finishes, seqs }
}

/** predictPoint returns the model's figure for a point, in the point's unit. */
export function predictPoint(p: FidelityPoint, cal?: Calibration): number {
  const d = pointDeployment(p)
  const input = p.input_tokens ?? 1
  const output = p.output_tokens ?? 1
  const base: EngineConfig = {
    ...DEFAULT_ENGINE,
    maxModelLen: d.model.maxContext,
    ...p.engine_config,
  }
  switch (p.kind) {
    case 'prefill': {
      // Batch-1 time to first token: the whole prompt in one iteration, no chunking.
      const cfg = { ...base, maxNumBatchedTokens: Math.max(base.maxNumBatchedTokens, input) }
      const r = runBatch(d, cfg, 1, input, 1, cal)
      return r.firstTokens[0]!
    }
    case 'decode-bs1': {
      const r = runBatch(d, base, 1, input, Math.max(2, output === 1 ? 200 : output), cal)
      const s = r.seqs[0]!
      return (s.generated - 1) / (s.finishedAt - s.firstTokenAt)
    }
    case 'latency-batch': {
      const r = runBatch(d, base, p.batch_size ?? 1, input, output, cal)
      return Math.max(...r.finishes)
    }
    case 'offline-throughput': {
      const n = p.num_requests ?? p.batch_size ?? 1000
      const r = runBatch(d, base, n, input, output, cal)
      const makespan = Math.max(...r.finishes)
      if (p.unit === 'total tok/s') return (n * (input + output)) / makespan
      if (p.unit === 'req/s') return n / makespan
      return (n * output) / makespan
    }
  }
}
