/**
 * @module The plain-text summary table `flotilla simulate` prints to stdout: one row per run,
 * numbers right-aligned, a context line above and a timing footer below.
 */
import type { RunSummary } from '../sim/result.js'
import { summaryColumns } from './columns.js'
import { describeRuns } from './run-context.js'
import { renderTextTable } from './text-table.js'

/** TableOptions control terminal styling. */
export interface TableOptions {
  /** ANSI colour (see TextTableOptions). */
  readonly color?: boolean
  /** Widest a router name may print before it is cut with "…" (default 28). */
  readonly maxRouterWidth?: number
}

/**
 * formatSummaryTable renders runs as an aligned text table (about 150 columns for typical
 * values), preceded by a line naming the trace, fleet, SLO and seed. Ends without a newline.
 */
export function formatSummaryTable(
  runs: ReadonlyArray<RunSummary>,
  options: TableOptions = {},
): string {
  const ctx = describeRuns(runs)
  const title = `trace: ${ctx.trace}  ·  fleet: ${ctx.fleet}  ·  SLO: ${ctx.slo}  ·  seed: ${ctx.seed}`
  return renderTextTable(title, summaryColumns(runs), runs, {
    color: options.color ?? false,
    maxFirstWidth: Math.max(8, options.maxRouterWidth ?? 28),
  })
}

export { formatRunFooter } from './text-table.js'
