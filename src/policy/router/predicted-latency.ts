/**
 * @module The predicted-latency router: predict each instance's TTFT and TPOT for the request from
 * its latency model and queue, and send it where it keeps the most SLO headroom: the idea of
 * llm-d's SLO-aware scheduling (its predicted-latency scorer, llm-d-inference-scheduler), with the
 * predictions taken from src/perf's roofline instead of a latency model trained online.
 */
import { isRoutable, type RoutingPolicy } from '../types.js'
import { cachedTokens, predictTpot, predictTtft, sloOf } from './latency-estimate.js'

/**
 * createPredictedLatency returns a router that scores instance i by its relative headroom
 *
 *   headroom_i = min(1 − predTTFT_i / ttft_slo, 1 − predTPOT_i / tpot_slo)
 *
 * (relative, so that seconds of TTFT and milliseconds of TPOT weigh alike) and picks the largest
 * among instances predicted to meet both targets (headroom ≥ 0). The TTFT prediction counts the
 * prompt share cached there, so a warm instance with a short queue beats a cold idle one when the
 * saved prefill outweighs the wait. When no instance is predicted to meet the SLO it minimises
 * predicted TTFT instead: a request that will miss anyway should at least start soonest, and
 * headroom would rank by the worse of two misses. E.g. TTFT SLO 2 s, TPOT 0.1 s: an instance at
 * 0.5 s / 0.02 s has headroom min(0.75, 0.8) = 0.75 and beats one at 0.1 s / 0.09 s (0.1).
 * Without `perf` on the view the predictions are queue-proportional (latency-estimate.ts);
 * without an SLO in the context it uses DEFAULT_SLO. Ties go to fewer in-flight requests, then
 * to the first instance after the previous pick.
 */
export function createPredictedLatency(): RoutingPolicy {
  let last = -1
  return {
    name: 'predicted-latency',
    pick: function pickPredictedLatency(req, view, ctx) {
      const instances = view.instances
      const n = instances.length
      const slo = sloOf(ctx)
      const prompt = req.inputTokens
      const hashes = req.blockHashes
      let best = -1
      let bestHeadroom = Number.NEGATIVE_INFINITY
      let bestLoad = Number.POSITIVE_INFINITY
      let fastest = -1
      let fastestTtft = Number.POSITIVE_INFINITY
      let fastestLoad = Number.POSITIVE_INFINITY
      for (let j = 1; j <= n; j++) {
        const i = (last + j) % n
        const inst = instances[i]!
        if (!isRoutable(inst)) continue
        const cached =
          hashes.length > 0 ? cachedTokens(view.cachedPrefixBlocks(i, hashes), prompt) : 0
        const ttft = predictTtft(inst, prompt, cached)
        const tpot = predictTpot(inst, prompt)
        const headroom = Math.min(1 - ttft / slo.ttft_s, 1 - tpot / slo.tpot_s)
        const load = inst.outstanding
        if (
          headroom >= 0 &&
          (headroom > bestHeadroom || (headroom === bestHeadroom && load < bestLoad))
        ) {
          best = i
          bestHeadroom = headroom
          bestLoad = load
        }
        if (ttft < fastestTtft || (ttft === fastestTtft && load < fastestLoad)) {
          fastest = i
          fastestTtft = ttft
          fastestLoad = load
        }
      }
      const pick = best >= 0 ? best : fastest
      if (pick < 0) return undefined
      last = pick
      return pick
    },
  }
}
