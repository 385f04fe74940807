/**
 * @module The sweep leaderboard: per trace, policies ranked by goodput per GPU at a reference
 * load, with their capacity at the SLO. Pure: summaries in, plain data out.
 *
 * Definitions (seeds are averaged first; "attains" means mean SLO attainment ≥ the target):
 * - sustained level: the highest load level L such that the policy attains the target at L and
 *   at every lower level;
 * - capacity at SLO: the load where attainment crosses the target, interpolated between the
 *   sustained level and the next (geometrically, as load levels usually double); "at least" the
 *   top level when the policy never falls below the target; none when the lowest level misses;
 * - reference load: the highest sustained level over the trace's policies, i.e. the highest load
 *   level at which the best policy still attains the target. When no policy attains it even at
 *   the lowest level, the level at which the best goodput per GPU is highest stands in;
 * - rank: goodput per GPU at the reference load, higher first; ties go to the higher capacity,
 *   then the higher attainment, then the lower p99 TTFT, then the order the policies were given.
 */
import type { RunSummary } from '../sim/result.js'

/** SweepRun is one run's summary placed on the grid (the `sweep --json` `runs` items). */
export interface SweepRun extends RunSummary {
  readonly rate_scale: number
  /** Offered load: the trace's base request rate × rate_scale, req/s. */
  readonly rate_rps: number
}

/** Spread is a metric across seeds: finite values only; sd is the sample deviation (0 for one). */
export interface Spread {
  readonly mean: number
  readonly sd: number
  readonly n: number
}

/** LevelStats is one policy at one load level, across seeds. */
export interface LevelStats {
  readonly rate_scale: number
  readonly rate_rps: number
  /** Completed requests meeting both SLOs per second, per GPU. */
  readonly goodput_per_gpu: Spread
  readonly slo_attainment: Spread
  readonly ttft_p99_s: Spread
  readonly tpot_p99_s: Spread
  /** Fleet cost per 1,000 requests of the trace, USD. */
  readonly cost_per_1k_usd: Spread
  readonly preemptions: Spread
}

/** LoadLevel names a load level both ways. */
export interface LoadLevel {
  readonly rate_scale: number
  readonly rate_rps: number
}

/** Capacity is where a policy's attainment crosses the target. */
export interface Capacity extends LoadLevel {
  /** 'interpolated' between two levels, or 'at-least': the top level still attains the target. */
  readonly bound: 'interpolated' | 'at-least'
}

/** LeaderRow is one policy on one trace's leaderboard. */
export interface LeaderRow {
  readonly rank: number
  readonly policy: string
  readonly router: string
  readonly admission: string
  readonly kv: string
  /** The policy at the trace's reference load. */
  readonly at_reference: LevelStats
  /** Capacity at SLO; null when even the lowest level misses the target. */
  readonly capacity: Capacity | null
  /** Goodput per GPU averaged over every load level. */
  readonly mean_goodput_per_gpu: number
  /** Every load level, ascending. */
  readonly levels: ReadonlyArray<LevelStats>
}

/** TraceBoard is one trace's leaderboard. */
export interface TraceBoard {
  readonly trace: string
  /** Request rate of the replayed requests at rate scale 1, req/s. */
  readonly base_rps: number
  readonly fleet: string
  readonly gpus: number
  readonly slo: { readonly ttft_s: number; readonly tpot_s: number }
  readonly attainment_target: number
  readonly reference: LoadLevel & { readonly basis: 'target' | 'peak-goodput' }
  /** Ranked, best first. */
  readonly rows: ReadonlyArray<LeaderRow>
}

/** buildLeaderboard ranks the policies of each trace, traces in the order runs first name them. */
export function buildLeaderboard(runs: ReadonlyArray<SweepRun>, target: number): TraceBoard[] {
  return [...groupBy(runs, (r) => r.trace)].map(([trace, traceRuns]) =>
    traceBoard(trace, traceRuns, target),
  )
}

function traceBoard(trace: string, runs: ReadonlyArray<SweepRun>, target: number): TraceBoard {
  const first = runs[0]!
  const scales = [...new Set(runs.map((r) => r.rate_scale))].sort((a, b) => a - b)
  const policies = [...groupBy(runs, (r) => r.policy)].map(([policy, own], order) => {
    const levels = scales.map((s) =>
      levelStats(
        s,
        own.filter((r) => r.rate_scale === s),
      ),
    )
    const sustained = capacityIndex(levels, target)
    return { policy, own, order, levels, sustained, capacity: capacity(levels, sustained, target) }
  })

  const best = Math.max(...policies.map((p) => p.sustained))
  let refIndex = best
  let basis: 'target' | 'peak-goodput' = 'target'
  if (best < 0) {
    basis = 'peak-goodput'
    const peak = scales.map((_, i) =>
      Math.max(...policies.map((p) => finiteOr(p.levels[i]!.goodput_per_gpu.mean, -1))),
    )
    refIndex = peak.indexOf(Math.max(...peak))
  }
  const ranked = [...policies].sort((a, b) => {
    const ra = a.levels[refIndex]!
    const rb = b.levels[refIndex]!
    return (
      desc(ra.goodput_per_gpu.mean, rb.goodput_per_gpu.mean) ||
      desc(a.capacity?.rate_scale ?? -1, b.capacity?.rate_scale ?? -1) ||
      desc(ra.slo_attainment.mean, rb.slo_attainment.mean) ||
      desc(-ra.ttft_p99_s.mean, -rb.ttft_p99_s.mean) ||
      a.order - b.order
    )
  })
  const ref = policies[0]!.levels[refIndex]!
  return {
    trace,
    base_rps: first.rate_scale > 0 ? first.rate_rps / first.rate_scale : Number.NaN,
    fleet: first.fleet,
    gpus: first.gpus,
    slo: { ttft_s: first.slo.ttft_s, tpot_s: first.slo.tpot_s },
    attainment_target: target,
    reference: { rate_scale: ref.rate_scale, rate_rps: ref.rate_rps, basis },
    rows: ranked.map((p, i) => {
      const run = p.own[0]!
      return {
        rank: i + 1,
        policy: p.policy,
        router: run.router,
        admission: run.admission,
        kv: run.kv,
        at_reference: p.levels[refIndex]!,
        capacity: p.capacity,
        mean_goodput_per_gpu: mean(p.levels.map((l) => l.goodput_per_gpu.mean)),
        levels: p.levels,
      }
    }),
  }
}

/**
 * capacityIndex is the last index of the leading run of levels that attain the target, −1 when
 * the first misses: attainment 99, 95, 80, 91 % with target 90 % → 1 (the recovery at the
 * fourth level is noise past a knee already crossed, not capacity).
 */
export function capacityIndex(levels: ReadonlyArray<LevelStats>, target: number): number {
  let k = -1
  for (const [i, l] of levels.entries()) {
    if (!(l.slo_attainment.mean >= target)) break
    k = i
  }
  return k
}

/**
 * capacity interpolates where attainment crosses the target past the sustained level k, in log
 * load: ×8 at 95 % and ×16 at 75 % with target 90 % → f = 5/20 → ×8 · 2^0.25 ≈ ×9.5.
 */
export function capacity(
  levels: ReadonlyArray<LevelStats>,
  k: number,
  target: number,
): Capacity | null {
  const at = levels[k]
  if (at === undefined) return null
  const next = levels[k + 1]
  if (next === undefined)
    return { rate_scale: at.rate_scale, rate_rps: at.rate_rps, bound: 'at-least' }
  const a0 = at.slo_attainment.mean
  const a1 = finiteOr(next.slo_attainment.mean, 0)
  const f = a0 > a1 ? Math.min(1, Math.max(0, (a0 - target) / (a0 - a1))) : 0
  const geo = (x0: number, x1: number): number =>
    x0 > 0 && x1 > 0 ? x0 * (x1 / x0) ** f : x0 + (x1 - x0) * f
  return {
    rate_scale: geo(at.rate_scale, next.rate_scale),
    rate_rps: geo(at.rate_rps, next.rate_rps),
    bound: 'interpolated',
  }
}

/** levelStats summarises one policy's runs (one per seed) at one load level. */
function levelStats(scale: number, runs: ReadonlyArray<SweepRun>): LevelStats {
  const of = (pick: (r: SweepRun) => number): Spread => spread(runs.map(pick))
  return {
    rate_scale: scale,
    rate_rps: mean(runs.map((r) => r.rate_rps)),
    goodput_per_gpu: of((r) => (r.gpus > 0 ? r.goodput_rps / r.gpus : Number.NaN)),
    slo_attainment: of((r) => r.slo.attainment),
    ttft_p99_s: of((r) => r.ttft_s.p99),
    tpot_p99_s: of((r) => r.tpot_s.p99),
    cost_per_1k_usd: of((r) => (r.requests > 0 ? (r.cost_usd / r.requests) * 1000 : Number.NaN)),
    preemptions: of((r) => r.preemptions),
  }
}

/** spread is mean and sample standard deviation over the finite values (JSON null is NaN here). */
export function spread(values: ReadonlyArray<number | null>): Spread {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  const m = mean(xs)
  if (xs.length < 2) return { mean: m, sd: xs.length === 1 ? 0 : Number.NaN, n: xs.length }
  const ss = xs.reduce((s, x) => s + (x - m) ** 2, 0)
  return { mean: m, sd: Math.sqrt(ss / (xs.length - 1)), n: xs.length }
}

function mean(values: ReadonlyArray<number>): number {
  const xs = values.filter(Number.isFinite)
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length
}

/** desc orders higher first, with NaN after every number. */
function desc(a: number, b: number): number {
  return finiteOr(b, Number.NEGATIVE_INFINITY) - finiteOr(a, Number.NEGATIVE_INFINITY) || 0
}

function finiteOr(v: number, fallback: number): number {
  return Number.isFinite(v) ? v : fallback
}

function groupBy<T>(items: ReadonlyArray<T>, key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = out.get(k)
    if (list) list.push(item)
    else out.set(k, [item])
  }
  return out
}
