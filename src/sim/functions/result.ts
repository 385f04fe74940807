/**
 * @module Results of a function-workload run: `FunctionRunSummary` is the `simulate --json` object
 * for a function trace (snake_case like RunSummary), `FunctionRunDetail` adds the series a report
 * draws. Plain data, built after the run returns.
 */
import type { ScalingSeries, ScalingSummary } from '../../scaling/summary.js'
import type { Quantiles } from '../../util/stats.js'
import type { Timeline } from '../result.js'

/** FunctionRunSummary is one run of a function trace under one scaler (or a fixed fleet). */
export interface FunctionRunSummary {
  /** The router that spreads requests over a service's replicas. */
  readonly router: string
  /** The scaler with its options (e.g. "kpa:util=0.5"), or "fixed" for a fixed replica count. */
  readonly policy: string
  readonly trace: string
  readonly requests: number
  readonly completed: number
  /** Requests refused: the activator's queue was full. */
  readonly rejected: number
  /**
   * Arrival to the start of execution: activator hold (a cold start included), queue-proxy
   * queue. Completed requests only.
   */
  readonly wait_s: Quantiles
  /** Start of execution to completion (the job's work, stretched by processor sharing). */
  readonly service_s: Quantiles
  readonly e2e_s: Quantiles
  /** The wait objective and the share of all requests (rejected ones fail) that met it. */
  readonly slo: { readonly wait_s: number; readonly attainment: number }
  /** Completed requests that met the wait SLO, per second of makespan. */
  readonly goodput_rps: number
  /** GPU time billed: every replica from the moment it is asked for until it stops. */
  readonly gpu_hours: number
  readonly cost_usd: number
  readonly sim_wall_s: number
  readonly sim_events: number
  // Extras beyond the contract.
  readonly seed: number
  /** The deployment in words, e.g. "l40s-48g function, cc=1, 0-4 replicas". */
  readonly fleet: string
  /** Services simulated: 1, or one per function with --function-key model. */
  readonly services: number
  /** Seconds from asking for a replica to its being ready (the configured cold start). */
  readonly cold_start_s: number
  /** Simulated seconds from the first arrival to the last completion. */
  readonly makespan_s: number
  /** Autoscaling (present only when a scaler runs). */
  readonly scaling?: ScalingSummary
}

/** FunctionRunDetail is everything a report needs about one function run. */
export interface FunctionRunDetail {
  readonly summary: FunctionRunSummary
  /** Present for an autoscaled run. */
  readonly scaling?: ScalingSeries
  /**
   * Arrivals, and requests running and waiting (held by the activator or queued at a replica),
   * on a grid of simulated time; token rates are 0 and there is no KV usage for functions.
   */
  readonly timeline: Timeline
  /** Empirical CDFs as values at evenly spaced quantiles (n ≈ 201), completed requests. */
  readonly cdf: { readonly wait_s: ReadonlyArray<number>; readonly e2e_s: ReadonlyArray<number> }
}
