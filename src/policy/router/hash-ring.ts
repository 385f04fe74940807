/**
 * @module A consistent-hash ring of instance names with virtual nodes: a sorted Float64Array of
 * points with O(log n) lookup.
 */
import { chainHash, ROOT_HASH } from '../../util/hash.js'

/** HashRing maps 52-bit keys onto instance indices; `points` is sorted ascending. */
export interface HashRing {
  readonly points: Float64Array
  /** owners[i] is the instance index (position in the names list) owning points[i]. */
  readonly owners: Int32Array
}

/** hashName folds a name's UTF-16 code units into a 52-bit hash (stable across runs and hosts). */
export function hashName(name: string): number {
  let h = ROOT_HASH
  for (let i = 0; i < name.length; i++) h = chainHash(h, name.charCodeAt(i))
  return h
}

/**
 * buildRing places `virtualNodes` points per name. Points hash the *name*, not the index, so an
 * instance keeps its points when others join or leave and only the leaver's keys move.
 */
export function buildRing(names: ReadonlyArray<string>, virtualNodes: number): HashRing {
  const total = names.length * virtualNodes
  const raw = new Float64Array(total)
  const rawOwners = new Int32Array(total)
  for (let i = 0; i < names.length; i++) {
    const h = hashName(names[i]!)
    for (let v = 0; v < virtualNodes; v++) {
      raw[i * virtualNodes + v] = chainHash(h, v)
      rawOwners[i * virtualNodes + v] = i
    }
  }
  // Sort positions, not points, to carry owners along; equal points (duplicate names, or a 2^-52
  // collision) order by owner so the ring is deterministic.
  const order = Array.from({ length: total }, (_, i) => i)
  order.sort((x, y) => raw[x]! - raw[y]! || rawOwners[x]! - rawOwners[y]!)
  const points = new Float64Array(total)
  const owners = new Int32Array(total)
  for (let i = 0; i < total; i++) {
    points[i] = raw[order[i]!]!
    owners[i] = rawOwners[order[i]!]!
  }
  return { points, owners }
}

/** lowerBound returns the first ring position whose point is ≥ key, or 0 (wrap) when none is. */
export function lowerBound(points: Float64Array, key: number): number {
  let lo = 0
  let hi = points.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (points[mid]! < key) lo = mid + 1
    else hi = mid
  }
  return lo === points.length ? 0 : lo
}
