/**
 * @module The summary columns, defined once so the stdout table and the HTML table show the same
 * numbers in the same order, and agree on which value in a column is the best.
 */
import type { RunSummary } from '../sim/result.js'
import { formatCompact, formatDuration, formatInt, formatMoney, formatPercent } from './format.js'

/** Column is one summary column. */
export interface Column {
  /** Header as two short lines (the text table stacks them; HTML joins them with a space). */
  readonly head: readonly [string, string]
  /** What the column means, for the HTML header's tooltip. */
  readonly help: string
  readonly align: 'left' | 'right'
  readonly format: (run: RunSummary) => string
  /** The number compared to find the best run; absent when no direction is better. */
  readonly value?: (run: RunSummary) => number
  readonly better?: 'lower' | 'higher'
}

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

/**
 * bestRows returns, for each column, the set of row indices holding the best value. It is empty
 * when the column has no direction, there is only one run, or every run ties (highlighting a
 * tie says nothing). NaN never wins.
 */
export function bestRows(
  columns: ReadonlyArray<Column>,
  runs: ReadonlyArray<RunSummary>,
): Array<Set<number>> {
  return columns.map((col) => {
    const best = new Set<number>()
    if (runs.length < 2 || col.value === undefined || col.better === undefined) return best
    const values = runs.map(col.value)
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
