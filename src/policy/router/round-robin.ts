/** @module Round-robin router: cycles over routable instances in id order. */
import { isRoutable, type RoutingPolicy } from '../types.js'

/**
 * createRoundRobin returns a router that cycles over the routable instances in id order, skipping
 * unready and draining ones, so each routable instance gets one request per cycle.
 */
export function createRoundRobin(): RoutingPolicy {
  // Index to try first on the next pick: one past the last instance picked.
  let next = 0
  return {
    name: 'round-robin',
    pick: function pickRoundRobin(_req, view) {
      const instances = view.instances
      const n = instances.length
      // `next` may be past the end if the fleet shrank since the last pick.
      let i = next < n ? next : 0
      for (let j = 0; j < n; j++, i++) {
        if (i === n) i = 0
        if (isRoutable(instances[i]!)) {
          next = i + 1
          return i
        }
      }
      return undefined
    },
  }
}
