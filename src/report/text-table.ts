/**
 * @module The text and HTML summary tables, written once for every kind of run (LLM fleets,
 * serverless functions): columns defined as data, so the stdout table and the HTML report show
 * the same numbers in the same order and agree on which value in a column is the best.
 */
import { escapeHtml } from './escape.js'
import { formatCompact, formatDuration, formatInt, formatMoney, formatPercent } from './format.js'
import { seriesStyle } from './svg/palette.js'

/** Column is one summary column over rows of type R. */
export interface Column<R> {
  /** Header as two short lines (the text table stacks them; HTML joins them with a break). */
  readonly head: readonly [string, string]
  /** What the column means, for the HTML header's tooltip. */
  readonly help: string
  readonly align: 'left' | 'right'
  readonly format: (row: R) => string
  /** The number compared to find the best row; absent when no direction is better. */
  readonly value?: (row: R) => number
  readonly better?: 'lower' | 'higher'
}

/** RunCounts are the fields every run's summary has for the columns below. */
interface RunCounts {
  readonly requests: number
  readonly completed: number
  readonly rejected: number
  readonly gpu_hours: number
  readonly cost_usd: number
}

/** doneColumn is completed / total requests, more is better. */
export function doneColumn<R extends RunCounts>(): Column<R> {
  return {
    head: ['done/', 'total'],
    help: 'Completed requests / requests in the trace',
    align: 'right',
    format: (r) => `${r.completed}/${r.requests}`,
    value: (r) => (r.requests > 0 ? r.completed / r.requests : Number.NaN),
    better: 'higher',
  }
}

/**
 * metricColumn is a right-aligned number column: `pick` gives the value compared for the best row,
 * `format` prints it.
 */
export function metricColumn<R>(
  head: readonly [string, string],
  help: string,
  better: 'lower' | 'higher',
  pick: (r: R) => number,
  format: (x: number) => string,
): Column<R> {
  return { head, help, align: 'right', format: (r) => format(pick(r)), value: pick, better }
}

/** rejectedColumn counts refused requests (`help` says who refuses them), fewer is better. */
export function rejectedColumn<R extends RunCounts>(help: string): Column<R> {
  return metricColumn(['', 'rejected'], help, 'lower', (r) => r.rejected, formatInt)
}

/** costColumns are GPU-hours (`help` says how they are billed) and dollars, fewer is better. */
export function costColumns<R extends RunCounts>(help: string): Array<Column<R>> {
  return [
    metricColumn(['', 'GPU-h'], help, 'lower', (r) => r.gpu_hours, formatCompact),
    metricColumn(['', 'cost $'], 'Cost in US dollars', 'lower', (r) => r.cost_usd, formatMoney),
  ]
}

/** latencyColumn is a latency in seconds, shorter is better. */
export function latencyColumn<R>(
  head: readonly [string, string],
  help: string,
  pick: (r: R) => number,
): Column<R> {
  return metricColumn(head, help, 'lower', pick, formatDuration)
}

/** attainmentColumn is the share of requests within the SLO (`help` says which), more is better. */
export function attainmentColumn<R extends { readonly slo: { readonly attainment: number } }>(
  help: string,
): Column<R> {
  return metricColumn(['SLO', 'att %'], help, 'higher', (r) => r.slo.attainment, formatPercent)
}

/** TextTableOptions control terminal styling. */
export interface TextTableOptions {
  /**
   * Use ANSI colour (bold header, best values in green). Default false: the caller decides from
   * `isTTY` and NO_COLOR, so piped output stays plain text.
   */
  readonly color?: boolean
  /** Widest the first column may print before it is cut with "…" (default: no limit). */
  readonly maxFirstWidth?: number
}

const GAP = '  '
const BOLD = '\x1b[1m'
const GREEN = '\x1b[32m'
const DIM = '\x1b[2m'
const RESET = '\x1b[0m'

/**
 * bestRows returns, for each column, the set of row indices holding the best value. It is empty
 * when the column has no direction, there is only one row, or every row ties (highlighting a tie
 * says nothing). NaN never wins.
 */
export function bestRows<R>(
  columns: ReadonlyArray<Column<R>>,
  rows: ReadonlyArray<R>,
): Array<Set<number>> {
  return columns.map((col) => {
    const best = new Set<number>()
    if (rows.length < 2 || col.value === undefined || col.better === undefined) return best
    const values = rows.map(col.value)
    const finite = values.filter(Number.isFinite)
    if (finite.length === 0) return best
    const target = col.better === 'lower' ? Math.min(...finite) : Math.max(...finite)
    if (finite.length === values.length && finite.every((v) => v === target)) return best
    values.forEach((v, i) => {
      if (v === target) best.add(i)
    })
    return best
  })
}

/**
 * renderTextTable renders rows as an aligned text table under a bold `title` line: two header
 * lines (the upper one only when some column uses it), a rule, one line per row with numbers
 * right-aligned and the best value of each column in green. Ends without a newline.
 */
export function renderTextTable<R>(
  title: string,
  columns: ReadonlyArray<Column<R>>,
  rows: ReadonlyArray<R>,
  options: TextTableOptions = {},
): string {
  const paint = (code: string, s: string): string => (options.color ? `${code}${s}${RESET}` : s)
  if (rows.length === 0) return `${paint(BOLD, title)}\n(no runs)`
  const maxFirst = options.maxFirstWidth ?? Number.POSITIVE_INFINITY
  const cells = rows.map((row) =>
    columns.map((col, c) => (c === 0 ? truncate(col.format(row), maxFirst) : col.format(row))),
  )
  const widths = columns.map((col, c) =>
    Math.max(width(col.head[0]), width(col.head[1]), ...cells.map((r) => width(r[c] ?? ''))),
  )
  const pad = (text: string, c: number): string => {
    const fill = ' '.repeat(Math.max(0, (widths[c] ?? 0) - width(text)))
    return columns[c]?.align === 'left' ? text + fill : fill + text
  }
  const best = bestRows(columns, rows)
  const lines = [paint(BOLD, title)]
  const headTop = columns.map((col, c) => pad(col.head[0], c)).join(GAP)
  if (headTop.trim() !== '') lines.push(paint(BOLD, headTop.trimEnd()))
  lines.push(paint(BOLD, columns.map((col, c) => pad(col.head[1], c)).join(GAP)))
  lines.push(paint(DIM, widths.map((w) => '-'.repeat(w)).join(GAP)))
  cells.forEach((row, r) => {
    const parts = row.map((text, c) =>
      best[c]?.has(r) ? paint(GREEN, pad(text, c)) : pad(text, c),
    )
    lines.push(parts.join(GAP).trimEnd())
  })
  return lines.join('\n')
}

/**
 * renderHtmlTable renders rows as the report's summary table: headers with their definitions as
 * tooltips, each row's colour swatch (its series colour in the charts), best values marked.
 */
export function renderHtmlTable<R>(
  columns: ReadonlyArray<Column<R>>,
  rows: ReadonlyArray<R>,
): string {
  const best = bestRows(columns, rows)
  const head = columns
    .map((col) => {
      // Two header lines keep the numeric columns narrow enough for 16 columns in 1300 px.
      const text = col.head
        .filter((s) => s !== '')
        .map(escapeHtml)
        .join('<br>')
      const cls = col.align === 'left' ? ' class="left"' : ''
      return `<th${cls} title="${escapeHtml(col.help)}">${text}</th>`
    })
    .join('')
  const body = rows.map((row, r) => {
    const cells = columns
      .map((col, c) => {
        const classes = [col.align === 'left' ? 'left' : '', best[c]?.has(r) ? 'best' : '']
          .filter((s) => s !== '')
          .join(' ')
        const cls = classes === '' ? '' : ` class="${classes}"`
        const swatch =
          c === 0 ? `<span class="swatch" style="background:${seriesStyle(r).color}"></span>` : ''
        return `<td${cls}>${swatch}${escapeHtml(col.format(row))}</td>`
      })
      .join('')
    return `<tr>${cells}</tr>`
  })
  return `<table class="summary"><thead><tr>${head}</tr></thead><tbody>${body.join('')}</tbody></table>`
}

/**
 * formatRunFooter states how long the simulation itself took: wall time, events and events/s,
 * summed over the runs ("sim: 3 runs, 4.21 s wall, 1.23M events, 292k events/s").
 */
export function formatRunFooter(
  runs: ReadonlyArray<{ readonly sim_wall_s: number; readonly sim_events: number }>,
): string {
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
