/**
 * @module The summary columns of a function-trace run, and its text table: one row per scaler,
 * rendered by text-table.ts as the LLM table is (a context line, two-line headers, numbers
 * right-aligned, the best value of a column in green when runs are compared). The HTML report
 * shows the same columns.
 */
import type { FunctionRunSummary } from '../sim/functions/result.js'
import { formatCompact, formatDuration, formatInt, formatSeconds } from './format.js'
import {
  attainmentColumn,
  type Column,
  costColumns,
  doneColumn,
  latencyColumn,
  rejectedColumn,
  renderTextTable,
} from './text-table.js'

/** FUNCTION_COLUMNS are the columns of a function run's summary, policy first. */
export const FUNCTION_COLUMNS: ReadonlyArray<Column<FunctionRunSummary>> = [
  {
    head: ['', 'policy'],
    help: 'The scaler with its options, or fixed',
    align: 'left',
    format: (r) => r.policy,
  },
  doneColumn(),
  rejectedColumn("Requests refused: the activator's queue was full"),
  latencyColumn(
    ['wait', 'p50'],
    'Arrival to the start of execution (cold starts included), median',
    (r) => r.wait_s.p50,
  ),
  latencyColumn(
    ['wait', 'p99'],
    'Arrival to the start of execution, 99th percentile',
    (r) => r.wait_s.p99,
  ),
  latencyColumn(['E2E', 'p99'], 'Arrival to completion, 99th percentile', (r) => r.e2e_s.p99),
  attainmentColumn('Requests that started within the wait SLO, percent of all requests'),
  ...costColumns<FunctionRunSummary>(
    'GPU hours billed: every replica from the moment it is asked for until it stops',
  ),
  {
    head: ['cold', 'starts'],
    help: 'Replicas started (each a cold start)',
    align: 'right',
    format: (r) => (r.scaling ? formatInt(r.scaling.cold_starts) : '-'),
  },
  {
    head: ['replicas', 'mean'],
    help: 'Provisioned replicas (starting, ready or draining), time-weighted mean',
    align: 'right',
    format: (r) => (r.scaling ? formatCompact(r.scaling.replicas_mean) : '-'),
  },
  {
    head: ['replicas', 'max'],
    help: 'Provisioned replicas (starting, ready or draining), peak: draining ones can take it past the maximum',
    align: 'right',
    format: (r) => (r.scaling ? formatInt(r.scaling.replicas_max) : '-'),
  },
]

/**
 * formatFunctionTable renders function runs as an aligned table preceded by a line naming the
 * trace, deployment, wait SLO, cold start and seed. Ends without a newline.
 */
export function formatFunctionTable(
  runs: ReadonlyArray<FunctionRunSummary>,
  options: { readonly color?: boolean } = {},
): string {
  const distinct = (xs: string[]): string => [...new Set(xs)].join(' | ') || '-'
  const title =
    `trace: ${distinct(runs.map((r) => r.trace))}  ·  fleet: ${distinct(runs.map((r) => r.fleet))}` +
    `  ·  SLO: wait <= ${distinct(runs.map((r) => formatSeconds(r.slo.wait_s)))}` +
    `  ·  cold start: ${distinct(runs.map((r) => formatDuration(r.cold_start_s)))}` +
    `  ·  seed: ${distinct(runs.map((r) => String(r.seed)))}`
  return renderTextTable(title, FUNCTION_COLUMNS, runs, { color: options.color ?? false })
}
