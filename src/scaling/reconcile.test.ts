/**
 * @module Tests for reconcile: a desired count against a pool's ready and starting replicas, as a
 * ReplicaSet controller turns a scale into pods (clamp, round, start the difference, cancel the
 * starting ones before draining ready ones, never order a replica that is already coming).
 */
import { describe, expect, it } from 'vitest'
import { type PoolCounts, reconcile } from './reconcile.js'

/** pool is a pool of `ready` + `pending` replicas with bounds [0, 10] unless overridden. */
function pool(ready: number, pending: number, over: Partial<PoolCounts> = {}): PoolCounts {
  return { ready, pending, min: 0, max: 10, ...over }
}

describe('reconcile', () => {
  it('starts the difference from zero', () => {
    expect(reconcile(3, pool(0, 0))).toEqual({ target: 3, start: 3, cancel: 0, drain: 0 })
  })

  it('does nothing when the pool already has the target', () => {
    expect(reconcile(3, pool(2, 1))).toEqual({ target: 3, start: 0, cancel: 0, drain: 0 })
  })

  it('clamps to [min, max] before counting', () => {
    // 12 wanted, max 5, 1 ready + 1 starting → 3 more.
    expect(reconcile(12, pool(1, 1, { max: 5 }))).toEqual({
      target: 5,
      start: 3,
      cancel: 0,
      drain: 0,
    })
    // −3 wanted, min 2, 4 ready → drain 2.
    expect(reconcile(-3, pool(4, 0, { min: 2 }))).toEqual({
      target: 2,
      start: 0,
      cancel: 0,
      drain: 2,
    })
    // min = max pins the count whatever is asked.
    expect(reconcile(0, pool(0, 0, { min: 3, max: 3 })).target).toBe(3)
  })

  it('rounds a fractional desire to the nearest count (half up)', () => {
    expect(reconcile(2.49, pool(0, 0)).target).toBe(2)
    expect(reconcile(2.5, pool(0, 0)).target).toBe(3)
    expect(reconcile(0.4, pool(1, 0))).toEqual({ target: 0, start: 0, cancel: 0, drain: 1 })
  })

  it('counts starting replicas as coming: a burst never orders the same replica twice', () => {
    // 4 wanted, 1 ready and 2 starting: 1 more, not 3.
    expect(reconcile(4, pool(1, 2))).toEqual({ target: 4, start: 1, cancel: 0, drain: 0 })
    // The next tick asks for 4 again with 3 starting: nothing.
    expect(reconcile(4, pool(1, 3)).start).toBe(0)
  })

  it('cancels starting replicas before it drains ready ones', () => {
    // 3 ready + 2 starting, 4 wanted: cancel 1, drain none.
    expect(reconcile(4, pool(3, 2))).toEqual({ target: 4, start: 0, cancel: 1, drain: 0 })
    // 2 wanted: an excess of 3, both starting ones cancelled, then 1 ready drained.
    expect(reconcile(2, pool(3, 2))).toEqual({ target: 2, start: 0, cancel: 2, drain: 1 })
    // 0 wanted: every replica goes.
    expect(reconcile(0, pool(3, 2))).toEqual({ target: 0, start: 0, cancel: 2, drain: 3 })
  })
})
