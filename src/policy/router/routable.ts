/**
 * @module Allocation-free scans over a fleet's routable instances, shared by the routers (pick()
 * runs about a million times per simulated run, so no filter/map per call).
 */
import { type InstanceView, isRoutable } from '../types.js'

/** countRoutable counts the instances a router may send work to. */
export function countRoutable(instances: ReadonlyArray<InstanceView>): number {
  let count = 0
  for (let i = 0; i < instances.length; i++) if (isRoutable(instances[i]!)) count++
  return count
}

/** nthRoutable returns the index of the k-th (0-based) routable instance, or -1 if there is none. */
export function nthRoutable(instances: ReadonlyArray<InstanceView>, k: number): number {
  let seen = 0
  for (let i = 0; i < instances.length; i++) {
    if (!isRoutable(instances[i]!)) continue
    if (seen === k) return i
    seen++
  }
  return -1
}

/**
 * leastOutstanding returns the index of the routable instance with the fewest outstanding
 * requests, scanning cyclically from `start` so that ties go to the first one at or after it;
 * -1 when none is routable.
 */
export function leastOutstanding(instances: ReadonlyArray<InstanceView>, start: number): number {
  const n = instances.length
  let best = -1
  let bestLoad = Number.POSITIVE_INFINITY
  let i = n === 0 ? 0 : start % n
  for (let j = 0; j < n; j++, i++) {
    if (i === n) i = 0
    const inst = instances[i]!
    if (inst.outstanding < bestLoad && isRoutable(inst)) {
      best = i
      bestLoad = inst.outstanding
    }
  }
  return best
}
