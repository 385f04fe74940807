/**
 * @module What an autoscaled run reports: the scaling summary (in `simulate --json`) and the
 * replica series the HTML report draws. Owned here, with the ledger that produces them, so the
 * simulators and the gateway take them from the scaling layer, not from each other.
 */
import type { Quantiles } from '../util/stats.js'

/**
 * ScalingSummary describes an autoscaled run. GPU-hours (in RunSummary) bill every replica from
 * the moment it is asked for until it stops: provisioning, cold start and draining included.
 */
export interface ScalingSummary {
  /** The scaler with its options, e.g. "kpa" or "kpa:target=0.5". */
  readonly scaler: string
  /** Replicas started (each one is a cold start). */
  readonly cold_starts: number
  /** Seconds from asking for a replica to its being ready, over the cold starts that finished. */
  readonly cold_start_s: Quantiles
  /** Starting replicas cancelled before they were ready. */
  readonly cancelled: number
  /** Replicas drained and stopped. */
  readonly scale_downs: number
  /** Provisioned replicas (starting, ready or draining): time-weighted mean and peak. */
  readonly replicas_mean: number
  readonly replicas_max: number
  /** Requests that arrived while no replica was ready and waited in the activator. */
  readonly held: number
  /** Requests refused because the activator's queue was full. */
  readonly held_rejected: number
  /** Time the held requests waited for a replica, seconds. */
  readonly held_wait_s: Quantiles
  /** Decisions taken, and how many of them in Knative-style panic mode. */
  readonly decisions: number
  readonly panic_decisions: number
}

/** ScalingSeries is the replica count over time, for the report's step chart. */
export interface ScalingSeries {
  /** Change points, seconds; each count holds from its time until the next. */
  readonly t: ReadonlyArray<number>
  readonly ready: ReadonlyArray<number>
  /** Provisioned: starting + ready + draining (what is billed). */
  readonly provisioned: ReadonlyArray<number>
  /** The scaler's desired count (after clamping). */
  readonly desired: ReadonlyArray<number>
  /** Every finished cold start's duration, seconds (capped at 10,000 evenly thinned values). */
  readonly cold_start_s: ReadonlyArray<number>
}
