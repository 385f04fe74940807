/**
 * @module The leaderboard's columns, defined once for the stdout table and the HTML report, and
 * the sentences that define its terms (shown under both).
 */

import type { Capacity, LeaderRow, Spread, TraceBoard } from '../sweep/leaderboard.js'
import { formatCompact, formatDuration, formatPercent, trimNumber } from './format.js'
import { formatTick } from './svg/axes.js'

/** LeaderColumn is one leaderboard column. */
export interface LeaderColumn {
  /** Header as two short lines. */
  readonly head: readonly [string, string]
  readonly help: string
  readonly align: 'left' | 'right'
  /** `ge` is the "at least" sign: ">=" for terminals, "≥" in HTML. */
  readonly format: (row: LeaderRow, board: TraceBoard, ge: string) => string
}

/** LEADER_COLUMNS are the leaderboard's columns, rank first. */
export const LEADER_COLUMNS: ReadonlyArray<LeaderColumn> = [
  {
    head: ['', 'rank'],
    help: 'Rank by goodput per GPU at the ranking load',
    align: 'right',
    format: (r) => String(r.rank),
  },
  {
    head: ['', 'policy'],
    help: 'Policies run: the router, plus any non-default admission or KV policy',
    align: 'left',
    format: (r) => r.policy,
  },
  {
    head: ['goodput/GPU', 'req/s'],
    help: 'Requests completed within both SLOs per second, per GPU, at the ranking load',
    align: 'right',
    format: (r) => withSpread(r.at_reference.goodput_per_gpu, formatGoodput),
  },
  {
    head: ['capacity', 'scale'],
    help: 'Capacity at SLO as a rate scale: where attainment falls below the target, interpolated between load levels',
    align: 'right',
    format: (r, b, ge) => capacityScale(r.capacity, b, ge),
  },
  {
    head: ['capacity', 'req/s'],
    help: 'Capacity at SLO as a request rate: the trace base rate × the rate scale',
    align: 'right',
    format: (r, _b, ge) =>
      r.capacity === null || !Number.isFinite(r.capacity.rate_rps)
        ? '-'
        : `${r.capacity.bound === 'at-least' ? ge : ''}${formatRate(r.capacity.rate_rps)}`,
  },
  {
    head: ['SLO', 'att %'],
    help: 'Requests meeting both the TTFT and the TPOT SLO at the ranking load, percent',
    align: 'right',
    format: (r) =>
      withSpread(
        r.at_reference.slo_attainment,
        (v) => formatPercent(v),
        (v) => formatPercent(v),
      ),
  },
  {
    head: ['TTFT', 'p99'],
    help: 'Time to first token, 99th percentile, at the ranking load',
    align: 'right',
    format: (r) => withSpread(r.at_reference.ttft_p99_s, formatDuration, formatDuration),
  },
  {
    head: ['TPOT', 'p99'],
    help: 'Time per output token, 99th percentile, at the ranking load',
    align: 'right',
    format: (r) => withSpread(r.at_reference.tpot_p99_s, formatDuration, formatDuration),
  },
  {
    head: ['cost $', '/1k req'],
    help: 'Fleet cost per 1,000 requests at the ranking load, US dollars',
    align: 'right',
    format: (r) => withSpread(r.at_reference.cost_per_1k_usd, formatCost),
  },
  {
    head: ['', 'preempt'],
    help: 'Preemptions (requests evicted from the KV cache and recomputed) at the ranking load',
    align: 'right',
    format: (r) => withSpread(r.at_reference.preemptions, formatCompact),
  },
]

/**
 * withSpread prints "mean ± sd" when seeds disagree and just the mean otherwise. The deviation
 * takes the value's unit (durations) or two significant digits: 0.0087, not "8.7e-3".
 */
export function withSpread(
  s: Spread,
  format: (v: number) => string,
  formatSd: (v: number) => string = twoDigits,
): string {
  const m = format(s.mean)
  return s.n > 1 && Number.isFinite(s.sd) && s.sd > 0 ? `${m} ± ${formatSd(s.sd)}` : m
}

function twoDigits(v: number): string {
  return String(Number(v.toPrecision(2)))
}

/** formatScale prints a rate scale to 3 significant digits: 0.5 → "×0.5", 19.47 → "×19.5". */
export function formatScale(scale: number): string {
  return Number.isFinite(scale) ? `×${Number(scale.toPrecision(3))}` : '-'
}

/** formatRate prints a request rate with 3 significant digits: 4.687 → "4.69", 75.01 → "75". */
export function formatRate(rps: number): string {
  if (!Number.isFinite(rps)) return '-'
  return rps >= 1000 ? formatTick(Math.round(rps), 1) : String(Number(rps.toPrecision(3)))
}

/** formatGoodput keeps two decimals below 100 req/s so the column lines up: 2 → "2.00". */
function formatGoodput(rps: number): string {
  return Number.isFinite(rps) && Math.abs(rps) < 100 ? rps.toFixed(2) : formatCompact(rps)
}

/** formatCost prints dollars with 3 significant digits, so cheap runs do not read as "0.00". */
function formatCost(usd: number): string {
  if (!Number.isFinite(usd)) return '-'
  return usd >= 100 ? usd.toFixed(0) : String(Number(usd.toPrecision(3)))
}

function capacityScale(cap: Capacity | null, board: TraceBoard, ge: string): string {
  if (cap !== null) return `${cap.bound === 'at-least' ? ge : ''}${formatScale(cap.rate_scale)}`
  const lowest = board.rows[0]?.levels[0]?.rate_scale
  return lowest === undefined ? '-' : `<${formatScale(lowest)}`
}

/** referenceText says at which load a trace is ranked and why, for the line above its table. */
export function referenceText(board: TraceBoard, ge = '>='): string {
  const target = `${trimNumber(board.attainment_target * 100)}%`
  const rps = board.reference.rate_rps
  const at = `${formatScale(board.reference.rate_scale)}${Number.isFinite(rps) ? ` (${formatRate(rps)} req/s)` : ''}`
  return board.reference.basis === 'target'
    ? `ranked at ${at}: the highest load at which the best policy keeps ${ge} ${target} of requests within SLO`
    : `no policy keeps ${ge} ${target} of requests within SLO at any load; ranked at ${at}, the load of the highest goodput`
}

/** DEFINITIONS explain the ranking, for the notes under the tables. */
export function definitions(target: number, ge = '>='): string[] {
  const t = `${trimNumber(target * 100)}%`
  return [
    `Goodput: requests completed within both SLOs per second of simulated time; per GPU, divided by the fleet's GPUs.`,
    `Capacity at SLO: the load at which a policy's SLO attainment first falls below ${t}, interpolated between load levels (${ge} the top level when it never does).`,
    `Rank: goodput per GPU at the ranking load (the best policy's capacity); ties go to higher capacity, then higher attainment, then lower p99 TTFT.`,
  ]
}
