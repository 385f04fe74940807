/**
 * @module The one SLO verdict: did a finished request meet the latency objective? Used by the
 * simulator's attainment and goodput, by the scalers' samples in every driver, and by the
 * gateway. A request meets the SLO when its time to first token is within `ttft_s` and its time
 * per output token, (e2e − TTFT) / (output − 1) as vLLM's benchmarks define it, within `tpot_s`;
 * a request with one output token has no TPOT and is judged on TTFT alone. When the first token's
 * time is unknown (a non-streamed answer at the gateway) the end-to-end time is judged against
 * the budget both targets give it: e2e ≤ ttft_s + tpot_s × (output − 1). A serverless function
 * has no tokens: its "first token" is the start of execution, so its wait SLO is a TTFT target.
 */
import type { SloTarget } from './types.js'

/** Timing is a finished request's latencies, seconds. */
export interface Timing {
  /** Arrival to first token (or to the start of execution); undefined when unknown. */
  readonly ttft: number | undefined
  /**
   * Time per output token after the first, undefined with fewer than two (each driver computes it
   * from its own timestamps, e.g. (finish − first token) / (output − 1), so that the figures it
   * reports and the verdict agree to the last bit).
   */
  readonly tpot: number | undefined
  /** Arrival to the last byte. */
  readonly e2e: number
  readonly outputTokens: number
}

/**
 * meetsSlo is the verdict (module comment). E.g. targets 2 s and 0.1 s: TTFT 1.5 s and TPOT 0.09 s
 * → met; a non-streamed answer of 11 tokens in 2.9 s → met (budget 2 + 0.1 × 10 = 3 s).
 */
export function meetsSlo(t: Timing, slo: SloTarget): boolean {
  if (t.ttft === undefined)
    return t.e2e <= slo.ttft_s + slo.tpot_s * Math.max(0, t.outputTokens - 1)
  return t.ttft <= slo.ttft_s && (t.tpot === undefined || t.tpot <= slo.tpot_s)
}
