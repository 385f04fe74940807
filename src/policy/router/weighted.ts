/**
 * @module The weighted router: several scorers, each min-max normalised across the routable
 * instances, combined by weight, highest total wins (llm-d's scheduler shape; the gateway config
 * writes it as `weighted: {prefix: 2, queue: 2, kv: 1}`).
 */
import type { RoutingPolicy } from '../types.js'
import { isRoutable } from '../types.js'

/** WeightedOptions are the scorer weights (≥ 0; at least one > 0; validated at the edge). */
export interface WeightedOptions {
  /** Share of the prompt's blocks already cached on the instance (higher is better). */
  readonly prefix?: number
  /** Requests in flight on the instance, the router's own fresh count (lower is better). */
  readonly queue?: number
  /** KV-cache usage (lower is better). */
  readonly kv?: number
}

/** DEFAULT_WEIGHTS are llm-d's defaults for prefix:queue:kv, 2:2:1. */
export const DEFAULT_WEIGHTS = { prefix: 2, queue: 2, kv: 1 } as const

/**
 * createWeighted scores instance i as Σ w·s with each s in [0, 1] after min-max normalisation, so
 * the weights compare like with like whatever the metrics' units: e.g. queues 2/6/10 score
 * 1/0.5/0. A metric equal everywhere adds nothing. Ties go to fewer in-flight requests, then to the
 * first instance after the previous pick.
 */
export function createWeighted(opts: WeightedOptions = {}): RoutingPolicy {
  const wPrefix = opts.prefix ?? DEFAULT_WEIGHTS.prefix
  const wQueue = opts.queue ?? DEFAULT_WEIGHTS.queue
  const wKv = opts.kv ?? DEFAULT_WEIGHTS.kv
  let prefixScratch = new Float64Array(16)
  let last = -1
  return {
    name: 'weighted',
    pick: function pickWeighted(req, view, _ctx) {
      const instances = view.instances
      const n = instances.length
      if (prefixScratch.length < n) prefixScratch = new Float64Array(2 * n)
      const blocks = req.blockHashes.length
      let pMin = Number.POSITIVE_INFINITY
      let pMax = Number.NEGATIVE_INFINITY
      let qMin = Number.POSITIVE_INFINITY
      let qMax = Number.NEGATIVE_INFINITY
      let kMin = Number.POSITIVE_INFINITY
      let kMax = Number.NEGATIVE_INFINITY
      let any = false
      for (let i = 0; i < n; i++) {
        const inst = instances[i]!
        if (!isRoutable(inst)) continue
        any = true
        const p =
          wPrefix > 0 && blocks > 0 ? view.cachedPrefixBlocks(i, req.blockHashes) / blocks : 0
        prefixScratch[i] = p
        if (p < pMin) pMin = p
        if (p > pMax) pMax = p
        const q = inst.outstanding
        if (q < qMin) qMin = q
        if (q > qMax) qMax = q
        const k = inst.kvUsage
        if (k < kMin) kMin = k
        if (k > kMax) kMax = k
      }
      if (!any) return undefined
      const pSpan = pMax - pMin
      const qSpan = qMax - qMin
      const kSpan = kMax - kMin
      let best = -1
      let bestScore = Number.NEGATIVE_INFINITY
      let bestLoad = Number.POSITIVE_INFINITY
      for (let j = 1; j <= n; j++) {
        const i = (last + j) % n
        const inst = instances[i]!
        if (!isRoutable(inst)) continue
        let score = 0
        if (pSpan > 0) score += (wPrefix * (prefixScratch[i]! - pMin)) / pSpan
        if (qSpan > 0) score += (wQueue * (qMax - inst.outstanding)) / qSpan
        if (kSpan > 0) score += (wKv * (kMax - inst.kvUsage)) / kSpan
        if (score > bestScore || (score === bestScore && inst.outstanding < bestLoad)) {
          best = i
          bestScore = score
          bestLoad = inst.outstanding
        }
      }
      last = best
      return best
    },
  }
}
