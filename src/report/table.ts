/**
 * @module The plain-text summary table `flotilla simulate` prints to stdout: one row per run,
 * numbers right-aligned, a context line above and a timing footer below.
 */
import type { RunSummary } from '../sim/result.js'
import { bestRows, summaryColumns } from './columns.js'
import { formatCompact, formatDuration, formatInt } from './format.js'
import { describeRuns } from './run-context.js'

/** TableOptions control terminal styling. */
export interface TableOptions {
  /**
   * Use ANSI colour (bold header, best values in green). Default false: the caller decides from
   * `isTTY` and NO_COLOR, so piped output stays plain text.
   */
  readonly color?: boolean
  /** Widest a router name may print before it is cut with "…" (default 28). */
  readonly maxRouterWidth?: number
}

const GAP = '  '
const BOLD = '\x1b[1m'
const GREEN = '\x1b[32m'
const DIM = '\x1b[2m'
const RESET = '\x1b[0m'

/**
 * formatSummaryTable renders runs as an aligned text table (about 150 columns for typical
 * values), preceded by a line naming the trace, fleet, SLO and seed. Ends without a newline.
 */
export function formatSummaryTable(
  runs: ReadonlyArray<RunSummary>,
  options: TableOptions = {},
): string {
  const color = options.color ?? false
  const maxRouter = Math.max(8, options.maxRouterWidth ?? 28)
  const paint = (code: string, s: string): string => (color ? `${code}${s}${RESET}` : s)

  const ctx = describeRuns(runs)
  const title = `trace: ${ctx.trace}  ·  fleet: ${ctx.fleet}  ·  SLO: ${ctx.slo}  ·  seed: ${ctx.seed}`
  if (runs.length === 0) return `${paint(BOLD, title)}\n(no runs)`

  const columns = summaryColumns(runs)
  const cells = runs.map((run) =>
    columns.map((col, c) => {
      const text = col.format(run)
      return c === 0 ? truncate(text, maxRouter) : text
    }),
  )
  const widths = columns.map((col, c) =>
    Math.max(width(col.head[0]), width(col.head[1]), ...cells.map((row) => width(row[c] ?? ''))),
  )
  const pad = (text: string, c: number): string => {
    const w = widths[c] ?? 0
    const fill = ' '.repeat(Math.max(0, w - width(text)))
    return columns[c]?.align === 'left' ? text + fill : fill + text
  }
  const best = bestRows(columns, runs)

  const lines = [paint(BOLD, title)]
  const headTop = columns.map((col, c) => pad(col.head[0], c)).join(GAP)
  // Only print the upper header line when some column uses it.
  if (headTop.trim() !== '') lines.push(paint(BOLD, headTop.trimEnd()))
  lines.push(paint(BOLD, columns.map((col, c) => pad(col.head[1], c)).join(GAP)))
  lines.push(paint(DIM, widths.map((w) => '-'.repeat(w)).join(GAP)))
  cells.forEach((row, r) => {
    const parts = row.map((text, c) => {
      const padded = pad(text, c)
      return best[c]?.has(r) ? paint(GREEN, padded) : padded
    })
    lines.push(parts.join(GAP).trimEnd())
  })
  return lines.join('\n')
}

/**
 * formatRunFooter states how long the simulation itself took: wall time, events and events/s,
 * summed over the runs ("sim: 3 runs, 4.21 s wall, 1.23M events, 292k events/s").
 */
export function formatRunFooter(runs: ReadonlyArray<RunSummary>): string {
  const wall = runs.reduce((sum, r) => sum + (Number.isFinite(r.sim_wall_s) ? r.sim_wall_s : 0), 0)
  const events = runs.reduce(
    (sum, r) => sum + (Number.isFinite(r.sim_events) ? r.sim_events : 0),
    0,
  )
  const rate = wall > 0 ? `${formatCompact(events / wall)} events/s` : 'events/s n/a'
  const what = runs.length === 1 ? '1 run' : `${formatInt(runs.length)} runs`
  return `sim: ${what}, ${formatDuration(wall)} wall, ${formatCompact(events)} events, ${rate}`
}

/** width counts code points, so "…" and "·" count as one column. */
function width(text: string): number {
  return [...text].length
}

function truncate(text: string, max: number): string {
  const chars = [...text]
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`
}
