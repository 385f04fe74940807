/**
 * @module What a set of runs was run against (trace, fleet, SLO, seed), stated once above the
 * table. Compared runs normally share these; when they differ, every distinct value is listed.
 */
import type { RunSummary } from '../sim/result.js'
import { formatInt, formatSeconds } from './format.js'

/** RunContext is the shared setting of a set of runs, as display strings. */
export interface RunContext {
  readonly trace: string
  readonly fleet: string
  readonly slo: string
  readonly seed: string
  readonly requests: string
}

/**
 * describeRuns summarises the setting of `runs`; `le` is the "at most" sign (ASCII "<=" for
 * terminals that may lack Unicode, "≤" in HTML).
 */
export function describeRuns(runs: ReadonlyArray<RunSummary>, le = '<='): RunContext {
  return {
    trace: distinct(runs.map((r) => r.trace)),
    fleet: distinct(
      runs.map((r) =>
        Number.isFinite(r.gpus) ? `${r.fleet} (${formatInt(r.gpus)} GPUs)` : r.fleet,
      ),
    ),
    slo: distinct(runs.map((r) => sloText(r.slo.ttft_s, r.slo.tpot_s, le))),
    seed: distinct(runs.map((r) => String(r.seed))),
    requests: distinct(runs.map((r) => formatInt(r.requests))),
  }
}

/** sloText states the two SLO thresholds: "TTFT <= 1 s, TPOT <= 50 ms". */
export function sloText(ttft: number, tpot: number, le = '<='): string {
  return `TTFT ${le} ${formatSeconds(ttft)}, TPOT ${le} ${formatSeconds(tpot)}`
}

function distinct(values: ReadonlyArray<string>): string {
  const unique = [...new Set(values)]
  return unique.length === 0 ? '-' : unique.join(' | ')
}
