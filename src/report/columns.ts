/**
 * @module The summary columns of an LLM run, defined once for the stdout table and the HTML
 * table (text-table.ts renders both).
 */
import type { RunSummary } from '../sim/result.js'
import { formatCompact, formatInt, formatPercent } from './format.js'
import {
  attainmentColumn,
  costColumns,
  doneColumn,
  type Column as GenericColumn,
  latencyColumn,
  metricColumn,
  rejectedColumn,
} from './text-table.js'

/** Column is one summary column of an LLM run. */
export type Column = GenericColumn<RunSummary>

/** SUMMARY_COLUMNS are the columns of the summary table, router first. */
export const SUMMARY_COLUMNS: ReadonlyArray<Column> = [
  {
    head: ['', 'policy'],
    help: 'Policies run: the router, plus any non-default admission or KV policy (router+admission+kv)',
    align: 'left',
    format: (r) => r.policy,
  },
  doneColumn(),
  rejectedColumn('Requests rejected by admission control'),
  latencyColumn(['TTFT', 'p50'], 'Time to first token, median', (r) => r.ttft_s.p50),
  latencyColumn(['TTFT', 'p99'], 'Time to first token, 99th percentile', (r) => r.ttft_s.p99),
  latencyColumn(['TPOT', 'p50'], 'Time per output token, median', (r) => r.tpot_s.p50),
  latencyColumn(['TPOT', 'p99'], 'Time per output token, 99th percentile', (r) => r.tpot_s.p99),
  latencyColumn(['E2E', 'p99'], 'End-to-end request latency, 99th percentile', (r) => r.e2e_s.p99),
  latencyColumn(['queue', 'p99'], 'Time waiting in a queue, 99th percentile', (r) => r.queue_s.p99),
  attainmentColumn('Requests meeting both the TTFT and the TPOT SLO, percent'),
  metricColumn(
    ['goodput', 'req/s'],
    'Completed requests meeting both SLOs, per second of simulated span',
    'higher',
    (r) => r.goodput_rps,
    formatCompact,
  ),
  metricColumn(
    ['out', 'tok/s'],
    'Output (generated) tokens per second',
    'higher',
    (r) => r.throughput_tok_s.output,
    formatCompact,
  ),
  metricColumn(
    ['prefix', 'hit %'],
    'Prompt tokens served from the prefix cache, percent of prompt tokens looked up',
    'higher',
    (r) => r.prefix_hit_rate,
    formatPercent,
  ),
  metricColumn(
    ['', 'preempt'],
    'Preemptions (requests evicted from KV cache and recomputed)',
    'lower',
    (r) => r.preemptions,
    formatInt,
  ),
  ...costColumns<RunSummary>('GPU hours provisioned'),
]

/**
 * HOST_HIT_COLUMN splits out the prefix hits a host-memory KV tier served (they are included in
 * the prefix hit column); shown only when some run has any.
 */
const HOST_HIT_COLUMN: Column = metricColumn(
  ['host', 'hit %'],
  'Prompt tokens reloaded from the host-memory KV tier over PCIe, percent of prompt tokens looked up (part of prefix hit %)',
  'higher',
  (r) => r.kv_tiers?.host_hit_rate ?? 0,
  formatPercent,
)

/**
 * summaryColumns are the columns for `runs`: SUMMARY_COLUMNS, plus the host hit column after the
 * prefix hit column when any run served hits from host memory.
 */
export function summaryColumns(runs: ReadonlyArray<RunSummary>): ReadonlyArray<Column> {
  if (!runs.some((r) => (r.kv_tiers?.host_hit_rate ?? 0) > 0)) return SUMMARY_COLUMNS
  const at = SUMMARY_COLUMNS.findIndex((c) => c.head[0] === 'prefix') + 1
  return [...SUMMARY_COLUMNS.slice(0, at), HOST_HIT_COLUMN, ...SUMMARY_COLUMNS.slice(at)]
}
