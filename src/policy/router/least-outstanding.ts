/** @module Least-outstanding router: the routable instance with the fewest in-flight requests. */
import type { RoutingPolicy } from '../types.js'
import { leastOutstanding } from './routable.js'

/**
 * createLeastOutstanding returns a router that picks the routable instance with the fewest
 * outstanding requests. Ties rotate: the scan starts one past the last pick, so equally loaded
 * instances take turns (as nginx's least_conn does) instead of the lowest id taking every request.
 * At light load (each request done before the next arrives) all loads are 0, and a lowest-id
 * tie-break would send the whole trace to instance 0; it also herds when the gateway's in-flight
 * counts lag. The rotation is deterministic state, so equal seeds still give equal picks.
 */
export function createLeastOutstanding(): RoutingPolicy {
  let start = 0
  return {
    name: 'least-outstanding',
    pick: function pickLeastOutstanding(_req, view) {
      const best = leastOutstanding(view.instances, start)
      if (best < 0) return undefined
      start = best + 1
      return best
    },
  }
}
