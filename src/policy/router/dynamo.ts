/**
 * @module The dynamo router: NVIDIA Dynamo's KV router cost function. Sources: Dynamo's Router
 * Guide and Router Design docs (docs.nvidia.com/dynamo, "Cost Function",
 * `--kv-overlap-score-weight` default 1, `--router-temperature` default 0) and its
 * DefaultWorkerSelector (ai-dynamo/dynamo, lib/llm kv_router scheduler: logit = overlap_weight ×
 * prefill_blocks + decode_blocks; softmax over min-max normalised logits when the temperature is
 * above 0).
 */
import { isRoutable, type RoutingPolicy } from '../types.js'
import { HASH_BLOCK_TOKENS } from './latency-estimate.js'

/** DynamoOptions tune the cost (validate at the edge: both ≥ 0). */
export interface DynamoOptions {
  /**
   * Weight of prefill blocks against decode blocks (default 1). Higher favours cache hits and
   * TTFT, lower favours spreading decode load and ITL; 0 ignores the prefix cache.
   */
  readonly overlapWeight?: number
  /** Softmax temperature over normalised costs (default 0: always the cheapest). */
  readonly temperature?: number
}

/**
 * createDynamo returns a router that sends each request where it adds the least work:
 *
 *   cost = overlapWeight × prefill_blocks + decode_blocks
 *   prefill_blocks = (prompt tokens not cached there + its queued prefill tokens) / 16
 *   decode_blocks  = KV blocks in use there (kvUsage × kvBlocks)
 *
 * e.g. a 4,096-token prompt with 3,072 tokens cached on an instance holding 500 blocks and no
 * queue costs 1,024/16 + 500 = 564; on an idle instance without the prefix, 256 + 0 = 256: idle
 * wins until the holder's KV load drops below 192 blocks. Dynamo counts the worker's active
 * prefill tokens in the same term, which is our pendingPrefillTokens. At temperature T > 0 it
 * samples instance i with probability ∝ exp(−(cost_i − min) / ((max − min)·T)), one rng draw, so
 * T is relative to the fleet's cost spread. At T = 0 ties go to fewer in-flight requests, then to
 * the first after the previous pick (Dynamo picks among ties at random).
 */
export function createDynamo(opts: DynamoOptions = {}): RoutingPolicy {
  const overlapWeight = opts.overlapWeight ?? 1
  const temperature = opts.temperature ?? 0
  let costs = new Float64Array(16)
  let last = -1

  return {
    name: 'dynamo',
    pick: function pickDynamo(req, view, ctx) {
      const instances = view.instances
      const n = instances.length
      if (costs.length < n) costs = new Float64Array(2 * n)
      const prompt = req.inputTokens
      let min = Number.POSITIVE_INFINITY
      let max = Number.NEGATIVE_INFINITY
      let count = 0
      for (let i = 0; i < n; i++) {
        const inst = instances[i]!
        if (!isRoutable(inst)) continue
        count++
        let prefillTokens = inst.pendingPrefillTokens
        if (overlapWeight > 0) {
          const cached =
            req.blockHashes.length > 0
              ? view.cachedPrefixBlocks(i, req.blockHashes) * HASH_BLOCK_TOKENS
              : 0
          prefillTokens += Math.max(0, prompt - cached)
        }
        const cost =
          (overlapWeight * prefillTokens) / HASH_BLOCK_TOKENS + inst.kvUsage * inst.kvBlocks
        costs[i] = cost
        if (cost < min) min = cost
        if (cost > max) max = cost
      }
      if (count === 0) return undefined

      if (temperature > 0) {
        // exp(0) = 1 for the cheapest, so the sum is ≥ 1 and never underflows; equal costs
        // (scale 0) give a uniform draw, as Dynamo's sampler does.
        const scale = max > min ? 1 / ((max - min) * temperature) : 0
        let total = 0
        for (let i = 0; i < n; i++) {
          if (isRoutable(instances[i]!)) total += Math.exp(-(costs[i]! - min) * scale)
        }
        let u = ctx.rng() * total
        let pick = -1
        for (let i = 0; i < n; i++) {
          if (!isRoutable(instances[i]!)) continue
          pick = i
          u -= Math.exp(-(costs[i]! - min) * scale)
          if (u < 0) break
        }
        last = pick
        return pick
      }

      let best = -1
      let bestCost = Number.POSITIVE_INFINITY
      let bestLoad = Number.POSITIVE_INFINITY
      for (let j = 1; j <= n; j++) {
        const i = (last + j) % n
        const inst = instances[i]!
        if (!isRoutable(inst)) continue
        const c = costs[i]!
        if (c < bestCost || (c === bestCost && inst.outstanding < bestLoad)) {
          best = i
          bestCost = c
          bestLoad = inst.outstanding
        }
      }
      last = best
      return best
    },
  }
}
