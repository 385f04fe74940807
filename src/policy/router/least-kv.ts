/** @module Least-KV router: the routable instance with the lowest KV-cache usage. */
import { isRoutable, type RoutingPolicy } from '../types.js'

/**
 * createLeastKv returns a router that picks the routable instance with the lowest `kvUsage`,
 * breaking ties by fewer outstanding requests, then lowest id. Idle instances all report 0, so the
 * outstanding tie-break is what spreads a burst that arrives before any KV is allocated.
 */
export function createLeastKv(): RoutingPolicy {
  return {
    name: 'least-kv',
    pick: function pickLeastKv(_req, view) {
      const instances = view.instances
      let best = -1
      let bestKv = Number.POSITIVE_INFINITY
      let bestLoad = Number.POSITIVE_INFINITY
      for (let i = 0; i < instances.length; i++) {
        const inst = instances[i]!
        if (!isRoutable(inst)) continue
        // Strict comparisons keep the lowest id among full ties (the scan goes up in id).
        if (inst.kvUsage < bestKv || (inst.kvUsage === bestKv && inst.outstanding < bestLoad)) {
          best = i
          bestKv = inst.kvUsage
          bestLoad = inst.outstanding
        }
      }
      return best < 0 ? undefined : best
    },
  }
}
