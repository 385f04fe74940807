/** @module Power-of-two-choices router: the less loaded of two random routable instances. */
import { isRoutable, type RoutingPolicy } from '../types.js'
import { countRoutable, nthRoutable } from './routable.js'

/**
 * createPowerOfTwo returns a router that samples two distinct routable instances with `ctx.rng`
 * and picks the one with fewer outstanding requests (the first sampled on a tie). Two choices cut
 * the maximum load from Θ(log n / log log n) to Θ(log log n) over random (Mitzenmacher 2001)
 * while reading only two instances' loads, so it tolerates stale counts better than a full scan.
 * It never picks the single most-loaded instance when two or more are routable.
 */
export function createPowerOfTwo(): RoutingPolicy {
  return {
    name: 'power-of-two',
    pick: function pickPowerOfTwo(_req, view, ctx) {
      const instances = view.instances
      const m = countRoutable(instances)
      if (m === 0) return undefined
      if (m === 1) return nthRoutable(instances, 0)
      // Two distinct ranks: draw b from the m−1 ranks other than a, then shift past a.
      const ra = Math.min(m - 1, Math.floor(ctx.rng() * m))
      let rb = Math.min(m - 2, Math.floor(ctx.rng() * (m - 1)))
      if (rb >= ra) rb++
      let a = ra
      let b = rb
      // Some unroutable: map both ranks to indices in one scan (all routable: ranks are indices).
      if (m !== instances.length) {
        let rank = 0
        for (let i = 0; i < instances.length; i++) {
          if (!isRoutable(instances[i]!)) continue
          if (rank === ra) a = i
          if (rank === rb) b = i
          rank++
        }
      }
      return instances[b]!.outstanding < instances[a]!.outstanding ? b : a
    },
  }
}
