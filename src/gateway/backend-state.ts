/**
 * @module One backend as the gateway knows it: health, ejection, the last scrape, and its own
 * in-flight accounting. Mutated only by the gateway's edges (health checker, scraper, proxy);
 * policies see it through `toFleetView`.
 */
import type { BackendMetrics } from './backend-metrics.js'

/** BackendState is the gateway's record of one backend. Times are seconds on the gateway clock. */
export interface BackendState {
  readonly url: string
  readonly model: string
  /** Last health check passed. */
  healthy: boolean
  /** Ejected after consecutive failures until this time (0 = not ejected). */
  ejectedUntil: number
  consecutiveFailures: number
  /** Draining: finish in-flight work, take none. */
  draining: boolean
  /** The last successful scrape and when it arrived (−∞ = never). */
  metrics: BackendMetrics | undefined
  scrapedAt: number
  /** Requests this gateway has sent and not yet seen finish. */
  inFlight: number
  /** Prompt tokens of those requests (the gateway's estimate of queued prefill work). */
  inFlightPromptTokens: number
}

/** createBackendState returns a fresh record, healthy until a check says otherwise. */
export function createBackendState(url: string, model: string): BackendState {
  return {
    url,
    model,
    healthy: true,
    ejectedUntil: 0,
    consecutiveFailures: 0,
    draining: false,
    metrics: undefined,
    scrapedAt: Number.NEGATIVE_INFINITY,
    inFlight: 0,
    inFlightPromptTokens: 0,
  }
}

/**
 * recordFailure counts a failed attempt and ejects the backend after `threshold` in a row:
 * e.g. threshold 3, cool-off 10 s → the third consecutive failure at t=100 ejects it until t=110.
 * Returns true when this failure ejected it.
 */
export function recordFailure(
  b: BackendState,
  now: number,
  threshold: number,
  coolOff: number,
): boolean {
  b.consecutiveFailures++
  if (b.consecutiveFailures >= threshold && b.ejectedUntil <= now) {
    b.ejectedUntil = now + coolOff
    return true
  }
  return false
}

/** recordSuccess clears the failure streak (a successful probe re-admits an ejected backend). */
export function recordSuccess(b: BackendState): void {
  b.consecutiveFailures = 0
  b.ejectedUntil = 0
}

/** isEjected says whether the backend is in its cool-off at `now`. */
export function isEjected(b: BackendState, now: number): boolean {
  return b.ejectedUntil > now
}
