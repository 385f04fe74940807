/**
 * @module A FleetView over a subset of the simulated instances (the prefill pool, the decode pool),
 * with ids local to the subset as routers expect (`instances[i].id === i`).
 */
import type { FleetView, InstanceView } from '../policy/types.js'
import type { SimInstance } from './sim-instance.js'

/** SubView is a FleetView over some instances plus the map back to the whole fleet. */
export interface SubView {
  readonly view: FleetView
  /** members[i] is the instance behind local id i. */
  readonly members: ReadonlyArray<SimInstance>
}

/**
 * subView builds a view over `members`. Each local entry is an object whose prototype is the
 * instance itself, with only `id` overridden: every field and getter (including ones added to
 * InstanceView later) reads the live instance, and nothing is copied per routing decision.
 */
export function subView(members: ReadonlyArray<SimInstance>): SubView {
  const instances: InstanceView[] = members.map(
    (inst, i) => Object.create(inst, { id: { value: i, enumerable: true } }) as InstanceView,
  )
  return {
    members,
    view: {
      instances,
      cachedPrefixBlocks: (i, hashes) => members[i]?.engine.cachedPrefixBlocks(hashes) ?? 0,
    },
  }
}
