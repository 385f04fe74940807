/**
 * @module An instance's latency model as policies see it (`InstanceView.perf`): prefill and decode
 * times from the iteration roofline, O(1) per call and allocation-free, so a router may ask for
 * every instance on every pick.
 */
import type { InstancePerf } from '../policy/types.js'
import { addPrefillChunk, emptyBatch, resetBatch } from './batch.js'
import type { IterationModel } from './iteration.js'

/** EngineLimits are the engine settings that shape iterations (a subset of EngineConfig). */
export interface EngineLimits {
  readonly maxNumBatchedTokens: number
  readonly maxNumSeqs: number
  readonly blockSize: number
}

/**
 * createInstancePerf wraps an iteration model. A prompt is prefilled in chunks of the token
 * budget, as vLLM's chunked prefill does when the instance is otherwise idle. Full chunks are timed
 * as one chunk at their mean context offset: the attention pairs then sum exactly (they grow
 * linearly with the offset) and a 100k-token prompt costs two model calls, not thirteen.
 */
export function createInstancePerf(model: IterationModel, limits: EngineLimits): InstancePerf {
  const chunk = Math.max(1, limits.maxNumBatchedTokens)
  // One scratch batch per instance: the calls below are synchronous and never nest.
  const b = emptyBatch()

  function chunkTime(tokens: number, offset: number): number {
    resetBatch(b)
    addPrefillChunk(b, tokens, offset)
    return model.iterationTime(b)
  }

  return {
    maxBatchTokens: chunk,
    maxBatchSeqs: limits.maxNumSeqs,
    blockSize: limits.blockSize,
    prefillSeconds: function prefillSeconds(tokens: number, cachedTokens: number): number {
      if (!(tokens > 0)) return 0
      // A full hit still computes the last prompt token, to sample the first output from it.
      const offset = Math.min(Math.max(0, cachedTokens), tokens - 1)
      const todo = tokens - offset
      const full = Math.floor(todo / chunk)
      let t = 0
      if (full > 0) t += full * chunkTime(chunk, offset + ((full - 1) * chunk) / 2)
      const rest = todo - full * chunk
      if (rest > 0) t += chunkTime(rest, offset + full * chunk)
      return t
    },
    decodeStepSeconds: function decodeStepSeconds(batch: number, meanContext: number): number {
      if (!(batch > 0)) return 0
      resetBatch(b)
      b.decodeSeqs = batch
      b.decodeCtx = batch * Math.max(0, meanContext)
      return model.iterationTime(b)
    },
  }
}
