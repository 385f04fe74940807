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
  /** Out of routing after failures (outlier.ts); only a successful probe ends it. */
  ejected: boolean
  /** End of the current cool-off (0 = none); the probe that may re-admit is due then. */
  ejectedUntil: number
  consecutiveFailures: number
  /** Ejections in a row without a quiet spell: the cool-off doubles with each (outlier.ts). */
  ejections: number
  lastEjectedAt: number
  /** Re-admitted by a probe and not yet proven by a served request: one failure ejects it. */
  probation: boolean
  /** Draining: finish in-flight work, take none. */
  draining: boolean
  /** The last successful scrape and when it arrived (−∞ = never). */
  metrics: BackendMetrics | undefined
  scrapedAt: number
  /** Requests this gateway has sent and not yet seen finish. */
  inFlight: number
  /** Prompt tokens of those requests (the gateway's estimate of queued prefill work). */
  inFlightPromptTokens: number
  /** The context window its GET /v1/models reported (vLLM's `max_model_len`), if it did. */
  maxModelLen: number | undefined
}

/** createBackendState returns a fresh record, healthy until a check says otherwise. */
export function createBackendState(url: string, model: string): BackendState {
  return {
    url,
    model,
    healthy: true,
    ejected: false,
    ejectedUntil: 0,
    consecutiveFailures: 0,
    ejections: 0,
    lastEjectedAt: Number.NEGATIVE_INFINITY,
    probation: false,
    draining: false,
    metrics: undefined,
    scrapedAt: Number.NEGATIVE_INFINITY,
    inFlight: 0,
    inFlightPromptTokens: 0,
    maxModelLen: undefined,
  }
}

/** isEjected says whether the backend is out of routing after failures. */
export function isEjected(b: BackendState): boolean {
  return b.ejected
}

/** isReady says whether the backend takes new requests: healthy, not ejected, not draining. */
export function isReady(b: BackendState): boolean {
  return b.healthy && !b.ejected && !b.draining
}
