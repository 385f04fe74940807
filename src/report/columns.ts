/**
 * @module The summary columns of an LLM run, defined once for the stdout table and the HTML
 * table (text-table.ts renders both).
 */
import type { RunSummary } from '../sim/result.js'
import { formatCompact, formatDuration, formatInt, formatMoney, formatPercent } from './format.js'
import type { Column as GenericColumn } from './text-table.js'

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
  {
    head: ['done/', 'total'],
    help: 'Completed requests / requests in the trace',
    align: 'right',
    format: (r) => `${r.completed}/${r.requests}`,
    value: (r) => (r.requests > 0 ? r.completed / r.requests : Number.NaN),
    better: 'higher',
  },
  {
    head: ['', 'rejected'],
    help: 'Requests rejected by admission control',
    align: 'right',
    format: (r) => formatInt(r.rejected),
    value: (r) => r.rejected,
    better: 'lower',
  },
  latency(['TTFT', 'p50'], 'Time to first token, median', (r) => r.ttft_s.p50),
  latency(['TTFT', 'p99'], 'Time to first token, 99th percentile', (r) => r.ttft_s.p99),
  latency(['TPOT', 'p50'], 'Time per output token, median', (r) => r.tpot_s.p50),
  latency(['TPOT', 'p99'], 'Time per output token, 99th percentile', (r) => r.tpot_s.p99),
  latency(['E2E', 'p99'], 'End-to-end request latency, 99th percentile', (r) => r.e2e_s.p99),
  latency(['queue', 'p99'], 'Time waiting in a queue, 99th percentile', (r) => r.queue_s.p99),
  {
    head: ['SLO', 'att %'],
    help: 'Requests meeting both the TTFT and the TPOT SLO, percent',
    align: 'right',
    format: (r) => formatPercent(r.slo.attainment),
    value: (r) => r.slo.attainment,
    better: 'higher',
  },
  {
    head: ['goodput', 'req/s'],
    help: 'Completed requests meeting both SLOs, per second of simulated span',
    align: 'right',
    format: (r) => formatCompact(r.goodput_rps),
    value: (r) => r.goodput_rps,
    better: 'higher',
  },
  {
    head: ['out', 'tok/s'],
    help: 'Output (generated) tokens per second',
    align: 'right',
    format: (r) => formatCompact(r.throughput_tok_s.output),
    value: (r) => r.throughput_tok_s.output,
    better: 'higher',
  },
  {
    head: ['prefix', 'hit %'],
    help: 'Prompt tokens served from the prefix cache, percent of prompt tokens looked up',
    align: 'right',
    format: (r) => formatPercent(r.prefix_hit_rate),
    value: (r) => r.prefix_hit_rate,
    better: 'higher',
  },
  {
    head: ['', 'preempt'],
    help: 'Preemptions (requests evicted from KV cache and recomputed)',
    align: 'right',
    format: (r) => formatInt(r.preemptions),
    value: (r) => r.preemptions,
    better: 'lower',
  },
  {
    head: ['', 'GPU-h'],
    help: 'GPU hours provisioned',
    align: 'right',
    format: (r) => formatCompact(r.gpu_hours),
    value: (r) => r.gpu_hours,
    better: 'lower',
  },
  {
    head: ['', 'cost $'],
    help: 'Fleet cost in US dollars',
    align: 'right',
    format: (r) => formatMoney(r.cost_usd),
    value: (r) => r.cost_usd,
    better: 'lower',
  },
]

/**
 * HOST_HIT_COLUMN splits out the prefix hits a host-memory KV tier served (they are included in
 * the prefix hit column); shown only when some run has any.
 */
const HOST_HIT_COLUMN: Column = {
  head: ['host', 'hit %'],
  help: 'Prompt tokens reloaded from the host-memory KV tier over PCIe, percent of prompt tokens looked up (part of prefix hit %)',
  align: 'right',
  format: (r) => formatPercent(r.kv_tiers?.host_hit_rate ?? 0),
  value: (r) => r.kv_tiers?.host_hit_rate ?? 0,
  better: 'higher',
}

/**
 * summaryColumns are the columns for `runs`: SUMMARY_COLUMNS, plus the host hit column after the
 * prefix hit column when any run served hits from host memory.
 */
export function summaryColumns(runs: ReadonlyArray<RunSummary>): ReadonlyArray<Column> {
  if (!runs.some((r) => (r.kv_tiers?.host_hit_rate ?? 0) > 0)) return SUMMARY_COLUMNS
  const at = SUMMARY_COLUMNS.findIndex((c) => c.head[0] === 'prefix') + 1
  return [...SUMMARY_COLUMNS.slice(0, at), HOST_HIT_COLUMN, ...SUMMARY_COLUMNS.slice(at)]
}

function latency(
  head: readonly [string, string],
  help: string,
  pick: (r: RunSummary) => number,
): Column {
  return {
    head,
    help,
    align: 'right',
    format: (r) => formatDuration(pick(r)),
    value: pick,
    better: 'lower',
  }
}
