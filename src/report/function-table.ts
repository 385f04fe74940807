/**
 * @module The text table `flotilla simulate` prints for a function trace: one row per scaler,
 * in the style of the LLM table (src/report/table.ts): a context line, two-line headers, numbers
 * right-aligned, the best value of a column in green when runs are compared.
 */

import type { FunctionRunSummary } from '../sim/functions/result.js'
import {
  formatCompact,
  formatDuration,
  formatInt,
  formatMoney,
  formatPercent,
  formatSeconds,
} from './format.js'

interface Column {
  readonly head: readonly [string, string]
  readonly left?: boolean
  readonly format: (r: FunctionRunSummary) => string
  readonly value?: (r: FunctionRunSummary) => number
  readonly better?: 'lower' | 'higher'
}

const COLUMNS: ReadonlyArray<Column> = [
  { head: ['', 'policy'], left: true, format: (r) => r.policy },
  {
    head: ['done/', 'total'],
    format: (r) => `${r.completed}/${r.requests}`,
    value: (r) => (r.requests > 0 ? r.completed / r.requests : Number.NaN),
    better: 'higher',
  },
  {
    head: ['', 'rejected'],
    format: (r) => formatInt(r.rejected),
    value: (r) => r.rejected,
    better: 'lower',
  },
  latency(['wait', 'p50'], (r) => r.wait_s.p50),
  latency(['wait', 'p99'], (r) => r.wait_s.p99),
  latency(['E2E', 'p99'], (r) => r.e2e_s.p99),
  {
    head: ['SLO', 'att %'],
    format: (r) => formatPercent(r.slo.attainment),
    value: (r) => r.slo.attainment,
    better: 'higher',
  },
  {
    head: ['', 'GPU-h'],
    format: (r) => formatCompact(r.gpu_hours),
    value: (r) => r.gpu_hours,
    better: 'lower',
  },
  {
    head: ['', 'cost $'],
    format: (r) => formatMoney(r.cost_usd),
    value: (r) => r.cost_usd,
    better: 'lower',
  },
  {
    head: ['cold', 'starts'],
    format: (r) => (r.scaling ? formatInt(r.scaling.cold_starts) : '-'),
  },
  {
    head: ['replicas', 'mean'],
    format: (r) => (r.scaling ? formatCompact(r.scaling.replicas_mean) : '-'),
  },
  {
    head: ['replicas', 'max'],
    format: (r) => (r.scaling ? formatInt(r.scaling.replicas_max) : '-'),
  },
]

const GAP = '  '
const BOLD = '\x1b[1m'
const GREEN = '\x1b[32m'
const DIM = '\x1b[2m'
const RESET = '\x1b[0m'

/**
 * formatFunctionTable renders function runs as an aligned table preceded by a line naming the
 * trace, deployment, wait SLO and seed. `color` adds ANSI styling. Ends without a newline.
 */
export function formatFunctionTable(
  runs: ReadonlyArray<FunctionRunSummary>,
  options: { readonly color?: boolean } = {},
): string {
  const paint = (code: string, s: string): string => (options.color ? `${code}${s}${RESET}` : s)
  const distinct = (xs: string[]): string => [...new Set(xs)].join(' | ') || '-'
  const title =
    `trace: ${distinct(runs.map((r) => r.trace))}  ·  fleet: ${distinct(runs.map((r) => r.fleet))}` +
    `  ·  SLO: wait <= ${distinct(runs.map((r) => formatSeconds(r.slo.wait_s)))}` +
    `  ·  cold start: ${distinct(runs.map((r) => formatDuration(r.cold_start_s)))}` +
    `  ·  seed: ${distinct(runs.map((r) => String(r.seed)))}`
  if (runs.length === 0) return `${paint(BOLD, title)}\n(no runs)`
  const cells = runs.map((r) => COLUMNS.map((c) => c.format(r)))
  const widths = COLUMNS.map((c, i) =>
    Math.max(width(c.head[0]), width(c.head[1]), ...cells.map((row) => width(row[i]!))),
  )
  const pad = (text: string, i: number): string => {
    const fill = ' '.repeat(Math.max(0, widths[i]! - width(text)))
    return COLUMNS[i]!.left ? text + fill : fill + text
  }
  const best = COLUMNS.map((c) => bestRows(c, runs))
  const lines = [paint(BOLD, title)]
  lines.push(
    paint(
      BOLD,
      COLUMNS.map((c, i) => pad(c.head[0], i))
        .join(GAP)
        .trimEnd(),
    ),
  )
  lines.push(paint(BOLD, COLUMNS.map((c, i) => pad(c.head[1], i)).join(GAP)))
  lines.push(paint(DIM, widths.map((w) => '-'.repeat(w)).join(GAP)))
  cells.forEach((row, r) => {
    const parts = row.map((text, i) =>
      best[i]!.has(r) ? paint(GREEN, pad(text, i)) : pad(text, i),
    )
    lines.push(parts.join(GAP).trimEnd())
  })
  return lines.join('\n')
}

/** formatFunctionFooter states the simulation's own cost, as formatRunFooter does for LLM runs. */
export function formatFunctionFooter(runs: ReadonlyArray<FunctionRunSummary>): string {
  const wall = runs.reduce((s, r) => s + r.sim_wall_s, 0)
  const events = runs.reduce((s, r) => s + r.sim_events, 0)
  const rate = wall > 0 ? `${formatCompact(events / wall)} events/s` : 'events/s n/a'
  const what = runs.length === 1 ? '1 run' : `${formatInt(runs.length)} runs`
  return `sim: ${what}, ${formatDuration(wall)} wall, ${formatCompact(events)} events, ${rate}`
}

function latency(head: readonly [string, string], pick: (r: FunctionRunSummary) => number): Column {
  return { head, format: (r) => formatDuration(pick(r)), value: pick, better: 'lower' }
}

/** bestRows is the rows holding a column's best value; none for one run or an all-way tie. */
function bestRows(c: Column, runs: ReadonlyArray<FunctionRunSummary>): Set<number> {
  const best = new Set<number>()
  if (runs.length < 2 || c.value === undefined) return best
  const values = runs.map(c.value)
  const finite = values.filter(Number.isFinite)
  if (finite.length === 0) return best
  const target = c.better === 'lower' ? Math.min(...finite) : Math.max(...finite)
  if (finite.length === values.length && finite.every((v) => v === target)) return best
  values.forEach((v, i) => {
    if (v === target) best.add(i)
  })
  return best
}

function width(text: string): number {
  return [...text].length
}
