/**
 * @module Outlier ejection over a backend's record, as Envoy's outlier detection does it:
 * consecutive failures eject a backend for a cool-off that doubles with each ejection in a row
 * (`cool_off_s`, 2×, 4×, … up to `max_cool_off_s`), and only a successful health probe after the
 * cool-off re-admits it. A re-admitted backend is on probation: its next request decides, and
 * one more failure ejects it again at once. This is what stops a backend whose `/health` answers
 * while its streams stall from taking a fresh batch of victims every cool-off: with the defaults
 * it sees 3 failures, then 1 after 10 s, 1 after 20 s, 40 s, … Pure: time is passed in.
 */
import type { BackendState } from './backend-state.js'

/** EjectionPolicy is the config's `ejection` block, in seconds. */
export interface EjectionPolicy {
  readonly consecutiveFailures: number
  readonly coolOff: number
  /** The longest cool-off; also the quiet spell after which the doubling starts over. */
  readonly maxCoolOff: number
}

/** ejectionPolicy reads the config's `ejection` block. */
export function ejectionPolicy(c: {
  readonly consecutive_failures: number
  readonly cool_off_s: number
  readonly max_cool_off_s: number
}): EjectionPolicy {
  return {
    consecutiveFailures: c.consecutive_failures,
    coolOff: c.cool_off_s,
    maxCoolOff: c.max_cool_off_s,
  }
}

/** inEjection says whether the backend is out (in its cool-off, or past it awaiting a probe). */
export function inEjection(b: BackendState): boolean {
  return b.ejected
}

/**
 * coolOffAfter is the cool-off of the `n`-th ejection in a row: e.g. 10 s base, 300 s cap →
 * 10, 20, 40, 80, 160, 300, 300 …
 */
export function coolOffAfter(n: number, p: EjectionPolicy): number {
  return Math.min(p.maxCoolOff, p.coolOff * 2 ** Math.max(0, n - 1))
}

/**
 * noteFailure counts a failed attempt; returns true when this failure ejected the backend: the
 * `consecutiveFailures`-th in a row, or the first on probation. An ejected backend is also
 * marked unhealthy, so that only a probe brings it back.
 */
export function noteFailure(b: BackendState, now: number, p: EjectionPolicy): boolean {
  b.consecutiveFailures++
  if (b.ejected) return false
  const threshold = b.probation ? 1 : p.consecutiveFailures
  if (b.consecutiveFailures < threshold) return false
  // A backend that stayed in a long while starts the doubling over.
  if (!b.probation && now - b.lastEjectedAt > p.maxCoolOff * 2) b.ejections = 0
  b.ejections++
  b.ejected = true
  b.healthy = false
  b.probation = false
  b.lastEjectedAt = now
  b.ejectedUntil = now + coolOffAfter(b.ejections, p)
  return true
}

/** noteSuccess clears the failure streak and ends probation (not for an ejected backend). */
export function noteSuccess(b: BackendState): void {
  if (b.ejected) return
  b.consecutiveFailures = 0
  b.probation = false
}

/**
 * probeDue says whether the health checker should probe now: always, except during an ejected
 * backend's cool-off (a backend that answers /health but fails requests must sit it out).
 */
export function probeDue(b: BackendState, now: number): boolean {
  return !(b.ejected && now < b.ejectedUntil)
}

/**
 * noteProbe applies a health probe's result; returns true when it re-admitted an ejected backend
 * (on probation). A failed probe after the cool-off starts another cool-off of the same length.
 */
export function noteProbe(b: BackendState, ok: boolean, now: number, p: EjectionPolicy): boolean {
  b.healthy = ok
  if (!b.ejected) return false
  if (!ok) {
    b.ejectedUntil = now + coolOffAfter(b.ejections, p)
    return false
  }
  b.ejected = false
  b.ejectedUntil = 0
  b.consecutiveFailures = 0
  b.probation = true
  return true
}
