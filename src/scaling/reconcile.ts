/**
 * @module Turning a desired replica count into actions, as a ReplicaSet controller would: clamp to
 * the pool's bounds, count replicas already coming, cancel those still starting before draining
 * ready ones (Kubernetes deletes unready pods first), and never order the same replica twice.
 */

/** PoolCounts is a pool's replicas by state. */
export interface PoolCounts {
  readonly ready: number
  /** Asked for, not ready yet. */
  readonly pending: number
  readonly min: number
  readonly max: number
}

/** ScaleActions says what to do to reach the desired count. */
export interface ScaleActions {
  /** The desired count after clamping to [min, max]. */
  readonly target: number
  /** New replicas to start. */
  readonly start: number
  /** Starting replicas to cancel (newest first). */
  readonly cancel: number
  /** Ready replicas to drain and stop. */
  readonly drain: number
}

/** reconcile compares a desired count with the pool and returns the actions to take. */
export function reconcile(desired: number, pool: PoolCounts): ScaleActions {
  const target = Math.max(pool.min, Math.min(pool.max, Math.round(desired)))
  const have = pool.ready + pool.pending
  if (target >= have) return { target, start: target - have, cancel: 0, drain: 0 }
  const excess = have - target
  const cancel = Math.min(excess, pool.pending)
  return { target, start: 0, cancel, drain: excess - cancel }
}
