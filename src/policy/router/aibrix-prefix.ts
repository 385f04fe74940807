/**
 * @module The aibrix-prefix router: AIBrix's `prefix-cache` routing algorithm
 * (vllm-project/aibrix, pkg/plugins/gateway/algorithms/prefix_cache.go and the README beside it).
 */
import { type InstanceView, isRoutable, type RoutingPolicy } from '../types.js'
import { leastOutstanding } from './routable.js'

/** AibrixPrefixOptions tune the router (validate at the edge: all ≥ 0, matchThreshold ≤ 1). */
export interface AibrixPrefixOptions {
  /**
   * Load is imbalanced when max − min in-flight requests exceeds this (default 8, AIBrix's
   * defaultPodRunningRequestImbalanceAbsCount; its Helm chart raises it to 16).
   */
  readonly imbalanceThreshold?: number
  /** Least share of the prompt's blocks an instance must hold to count as a match (default 0.5). */
  readonly matchThreshold?: number
  /**
   * A matching instance is skipped when its load exceeds mean + k·σ of all loads (default k = 2,
   * AIBRIX_PREFIX_CACHE_STANDARD_DEVIATION_FACTOR as AIBrix's README and Helm chart set it; the
   * Go constant says 1).
   */
  readonly stdDevFactor?: number
}

/**
 * createAibrixPrefix returns a router that works as AIBrix's prefix-cache rule does, with the
 * router's in-flight count as the load (AIBrix reads its gateway's own per-pod request count):
 *   1. imbalance: if max − min load > imbalanceThreshold, the least-loaded instance, ignoring
 *      prefixes, so a backlog drains before affinity piles onto it;
 *   2. otherwise, among instances holding at least matchThreshold of the prompt's blocks, the
 *      longest match, ties to the less loaded, skipping instances above mean + k·σ (the
 *      load-imbalance guard against a hot prefix swamping its holder);
 *   3. no match: the least-loaded instance.
 * The guard only bites on larger fleets: with n loads the maximum is at most mean + σ·√(n − 1),
 * so with k = 2 nothing is skipped below 6 instances. E.g. loads 0×9 and 8: mean 0.8, σ 2.4,
 * bound 5.6, so the instance at 8 loses its prefix requests. AIBrix breaks full ties at random;
 * here they rotate, as in least-outstanding, so equal seeds give equal picks without a draw.
 */
export function createAibrixPrefix(opts: AibrixPrefixOptions = {}): RoutingPolicy {
  const imbalanceThreshold = opts.imbalanceThreshold ?? 8
  const matchThreshold = opts.matchThreshold ?? 0.5
  const stdDevFactor = opts.stdDevFactor ?? 2
  let start = 0

  function leastLoaded(instances: ReadonlyArray<InstanceView>): number {
    const best = leastOutstanding(instances, start)
    start = best + 1
    return best
  }

  return {
    name: 'aibrix-prefix',
    pick: function pickAibrixPrefix(req, view) {
      const instances = view.instances
      const n = instances.length
      let count = 0
      let min = Number.POSITIVE_INFINITY
      let max = Number.NEGATIVE_INFINITY
      let sum = 0
      let sumSq = 0
      for (let i = 0; i < n; i++) {
        const inst = instances[i]!
        if (!isRoutable(inst)) continue
        const load = inst.outstanding
        count++
        sum += load
        sumSq += load * load
        if (load < min) min = load
        if (load > max) max = load
      }
      if (count === 0) return undefined
      const blocks = req.blockHashes.length
      if (max - min > imbalanceThreshold || blocks === 0) return leastLoaded(instances)

      const mean = sum / count
      // Population σ, as AIBrix's standardDeviation computes it.
      const sd = Math.sqrt(Math.max(0, sumSq / count - mean * mean))
      const bound = mean + stdDevFactor * sd
      let best = -1
      let bestMatch = 0
      let bestLoad = Number.POSITIVE_INFINITY
      for (let j = 0; j < n; j++) {
        const i = (start + j) % n
        const inst = instances[i]!
        if (!isRoutable(inst) || inst.outstanding > bound) continue
        const match = view.cachedPrefixBlocks(i, req.blockHashes) / blocks
        if (match === 0 || match < matchThreshold) continue
        if (match > bestMatch || (match === bestMatch && inst.outstanding < bestLoad)) {
          best = i
          bestMatch = match
          bestLoad = inst.outstanding
        }
      }
      if (best < 0) return leastLoaded(instances)
      start = best + 1
      return best
    },
  }
}
