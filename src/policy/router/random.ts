/** @module Random router: uniform over routable instances, drawn from the run's seeded rng. */
import type { RoutingPolicy } from '../types.js'
import { countRoutable, nthRoutable } from './routable.js'

/**
 * createRandom returns a router that picks uniformly among the routable instances, using one
 * `ctx.rng()` draw per pick (none when no instance is routable).
 */
export function createRandom(): RoutingPolicy {
  return {
    name: 'random',
    pick: function pickRandom(_req, view, ctx) {
      const m = countRoutable(view.instances)
      if (m === 0) return undefined
      // min() guards against an rng that returns exactly 1 despite its [0, 1) contract.
      const k = Math.min(m - 1, Math.floor(ctx.rng() * m))
      // All routable (the common case): the rank is the index, no second scan.
      return m === view.instances.length ? k : nthRoutable(view.instances, k)
    },
  }
}
