/**
 * @module Outlier ejection over a backend's record: consecutive failures eject it for a cool-off,
 * after which only a successful health probe re-admits it (a request that happened to succeed
 * on an old connection does not). Pure: time is passed in.
 */
import { type BackendState, isEjected, recordFailure, recordSuccess } from './backend-state.js'

/** EjectionPolicy is the config's `ejection` block, in seconds. */
export interface EjectionPolicy {
  readonly consecutiveFailures: number
  readonly coolOff: number
}

/**
 * inEjection says whether the backend is out: in its cool-off, or past it but not yet re-admitted
 * by a probe (its failure streak still at or above the threshold).
 */
export function inEjection(b: BackendState, p: EjectionPolicy): boolean {
  return b.consecutiveFailures >= p.consecutiveFailures
}

/**
 * noteFailure counts a failed attempt; returns true when this failure ejected the backend. An
 * ejected backend is also marked unhealthy, so that it stays out after the cool-off until a
 * probe succeeds (`toFleetView` alone would re-admit it when `ejectedUntil` passes).
 */
export function noteFailure(b: BackendState, now: number, p: EjectionPolicy): boolean {
  const ejected = recordFailure(b, now, p.consecutiveFailures, p.coolOff)
  if (ejected) b.healthy = false
  return ejected
}

/** noteSuccess clears the failure streak of a backend that is not ejected. */
export function noteSuccess(b: BackendState, p: EjectionPolicy): void {
  if (!inEjection(b, p)) b.consecutiveFailures = 0
}

/**
 * probeDue says whether the health checker should probe now: always, except during an ejected
 * backend's cool-off (a backend that answers /health but fails requests must sit it out).
 */
export function probeDue(b: BackendState, now: number, p: EjectionPolicy): boolean {
  return !(inEjection(b, p) && isEjected(b, now))
}

/**
 * noteProbe applies a health probe's result; returns true when it re-admitted an ejected backend.
 * A failed probe after the cool-off starts another cool-off.
 */
export function noteProbe(b: BackendState, ok: boolean, now: number, p: EjectionPolicy): boolean {
  const ejected = inEjection(b, p)
  b.healthy = ok
  if (!ejected) return false
  if (ok) {
    recordSuccess(b)
    return true
  }
  b.ejectedUntil = now + p.coolOff
  return false
}
