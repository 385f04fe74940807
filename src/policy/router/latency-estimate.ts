/**
 * @module Latency predictions for SLO-aware routers: an instance's TTFT and TPOT for one more
 * request, from its latency model (`InstanceView.perf`) and queue, or from a queue-proportional
 * estimate where the model is unknown.
 */
import type { InstanceView, PolicyContext, SloTarget } from '../types.js'

/**
 * DEFAULT_SLO applies when the run sets none: 2 s to first token, 0.1 s per output token (10
 * tokens/s, faster than reading speed), the interactive-chat target `flotilla simulate` defaults to.
 */
export const DEFAULT_SLO: SloTarget = { ttft_s: 2, tpot_s: 0.1 }

/** sloOf is the run's SLO, or DEFAULT_SLO. */
export function sloOf(ctx: PolicyContext): SloTarget {
  return ctx.slo ?? DEFAULT_SLO
}

/** HASH_BLOCK_TOKENS is the block size of `RequestInfo.blockHashes` (both drivers use 16). */
export const HASH_BLOCK_TOKENS = 16

/**
 * Without a latency model the estimate is proportional to the queue: prefill at a fixed rate and a
 * decode step that grows with the batch. The constants are src/perf's figures for a 70B model in
 * bf16 on four H100s (about 10k prefill tokens/s, a 20 ms step at batch 1); against another
 * deployment they are off by a constant factor, which still ranks instances correctly and only
 * shifts where the SLO bites. Declare `perf:` on a gateway pool to predict in absolute terms.
 */
export const FALLBACK_PREFILL_TOKENS_PER_S = 10_000
export const FALLBACK_DECODE_STEP_S = 0.02
export const FALLBACK_DECODE_PER_SEQ_S = 1e-4

/** cachedTokens converts cached leading hash blocks to tokens of a `promptTokens`-token prompt. */
export function cachedTokens(cachedBlocks: number, promptTokens: number): number {
  return Math.min(cachedBlocks * HASH_BLOCK_TOKENS, promptTokens)
}

/** meanContext is the mean context (tokens) of the instance's running requests, from KV in use. */
function meanContext(inst: InstanceView, blockSize: number): number {
  return inst.running > 0 ? (inst.kvUsage * inst.kvBlocks * blockSize) / inst.running : 0
}

/**
 * queueSeconds predicts how long the instance needs for the prefill work already queued on it:
 * the work in budget-sized chunks, each timed as a fresh chunk (queued prompts' earlier context is
 * unknown, so their attention is undercounted a little).
 */
export function queueSeconds(inst: InstanceView): number {
  const pending = inst.pendingPrefillTokens
  if (!(pending > 0)) return 0
  const perf = inst.perf
  if (perf === undefined) return pending / FALLBACK_PREFILL_TOKENS_PER_S
  const chunk = perf.maxBatchTokens
  return (pending / chunk) * perf.prefillSeconds(chunk, 0)
}

/**
 * predictTtft predicts the time to first token of a `promptTokens` prompt with `cached` tokens
 * already cached here: the queued prefill, then its own, both in FCFS order as vLLM schedules
 * them. Each of those iterations also carries the running requests' decodes; their marginal cost
 * (the decode step less its fixed weight-streaming part) is added per iteration. E.g. 16k tokens
 * queued and 4k to compute at an 8,192-token budget → 3 iterations of interference.
 */
export function predictTtft(inst: InstanceView, promptTokens: number, cached: number): number {
  const todo = Math.max(1, promptTokens - cached)
  const perf = inst.perf
  if (perf === undefined) return (inst.pendingPrefillTokens + todo) / FALLBACK_PREFILL_TOKENS_PER_S
  let t = queueSeconds(inst) + perf.prefillSeconds(promptTokens, cached)
  const running = inst.running
  if (running > 0) {
    const iters = Math.ceil((inst.pendingPrefillTokens + todo) / perf.maxBatchTokens)
    const ctx = meanContext(inst, perf.blockSize)
    const marginal = perf.decodeStepSeconds(running, ctx) - perf.decodeStepSeconds(1, 0)
    if (marginal > 0) t += iters * marginal
  }
  return t
}

/**
 * predictTpot predicts the time per output token once the request joins the batch: one decode
 * step over everything running and waiting plus itself (capped at the engine's batch limit), at
 * the mean context it would then have. Prefill chunks that later share those steps are not
 * counted: the TTFT prediction already charges the queue, and future arrivals are unknown.
 */
export function predictTpot(inst: InstanceView, promptTokens: number): number {
  const perf = inst.perf
  const batch = inst.running + inst.waiting + 1
  if (perf === undefined) {
    return FALLBACK_DECODE_STEP_S + FALLBACK_DECODE_PER_SEQ_S * batch
  }
  const ctx = (meanContext(inst, perf.blockSize) * inst.running + promptTokens) / (inst.running + 1)
  return perf.decodeStepSeconds(Math.min(batch, perf.maxBatchSeqs), ctx)
}
