/**
 * @module The scaling study's jobs: every scaler at every value of its knob (SCALER_KNOBS) and
 * seed, on one trace — a function trace through the function simulator, an LLM trace through the
 * fleet simulator — each reduced to a `ScalingRun`, plus the series of each scaler's default run
 * for the report. Jobs are plain data, so they run on the sweep's worker threads.
 */
import { DEFAULT_CHOICE, resolveChoice } from '../policy/choice.js'
import { createScaler, SCALER_KNOBS, type ScalerName } from '../policy/scaler/registry.js'
import type { ScalingSeries, ScalingSummary } from '../scaling/summary.js'
import { planFleet } from '../sim/fleet.js'
import { simulateFunctions } from '../sim/functions/simulate.js'
import { simulate } from '../sim/simulator.js'
import { openTrace } from '../trace/open.js'
import { UsageError } from '../util/errors.js'
import type { SweepSetup } from './grid.js'
import type { ScalingRun } from './scaling-board.js'

/** ScalingJob is one run of the study, as structured-cloneable data. */
export interface ScalingJob {
  readonly kind: 'scaling'
  readonly index: number
  readonly trace: string
  /** The registered scaler, the knob it varies and the value here. */
  readonly scaler: string
  readonly knob: string
  readonly value: number
  readonly isDefault: boolean
  /** The full spec run, e.g. "kpa:window=60:util=0.5". */
  readonly spec: string
  readonly seed: number
  readonly rateScale: number
  /** Replay only the first n requests; undefined: the whole trace. */
  readonly requests?: number
  /** Return the replica series (each scaler's default run, for the report). */
  readonly keepSeries: boolean
}

/** ScalingResult is a job's answer. */
export interface ScalingResult {
  readonly run: ScalingRun
  readonly series?: ScalingSeries
  /** The run's last event, seconds (where its step lines end). */
  readonly end: number
  /** The deployment in words (the summary's `fleet`). */
  readonly fleet: string
}

/**
 * studyJobs expands scaler items into jobs: a bare name runs its knob's grid; an item with options
 * keeps them and varies the knob unless the item sets the knob itself (then that value only).
 */
export function studyJobs(
  trace: string,
  items: ReadonlyArray<string>,
  seeds: ReadonlyArray<number>,
  rateScale: number,
  requests: number | undefined,
): ScalingJob[] {
  const jobs: ScalingJob[] = []
  for (const item of items) {
    const [name = '', ...opts] = item.split(':')
    createScaler(item) // validates the name and options before any worker starts
    const knob = SCALER_KNOBS[name as ScalerName]
    const fixed = opts.find((o) => o.split('=')[0] === knob.key)
    const values = fixed !== undefined ? [Number(fixed.split('=')[1])] : knob.grid
    const rest = opts.filter((o) => o !== fixed)
    for (const value of values) {
      const spec = [name, ...rest, `${knob.key}=${value}`].join(':')
      createScaler(spec)
      for (const [s, seed] of seeds.entries()) {
        jobs.push({
          kind: 'scaling',
          index: jobs.length,
          trace,
          scaler: name,
          knob: knob.key,
          value,
          isDefault: value === knob.default && rest.length === 0,
          spec,
          seed,
          rateScale,
          ...(requests !== undefined ? { requests } : {}),
          keepSeries: value === knob.default && s === 0,
        })
      }
    }
  }
  const names = items.map((i) => i.split(':')[0])
  const twice = names.find((n, i) => names.indexOf(n) !== i)
  if (twice !== undefined) throw new UsageError(`--scalers: '${twice}' is listed twice`)
  return jobs
}

/** runScalingJob runs one job and reduces it to a ScalingRun (and its series when asked). */
export async function runScalingJob(setup: SweepSetup, job: ScalingJob): Promise<ScalingResult> {
  const study = setup.study ?? { choice: DEFAULT_CHOICE }
  const source = await openTrace(job.trace, {
    rateScale: job.rateScale,
    seed: job.seed,
    ...(job.requests !== undefined ? { requests: job.requests } : {}),
  })
  if (study.functions) {
    const d = await simulateFunctions(source, {
      ...study.functions,
      seed: job.seed,
      scaler: { label: job.spec, create: () => createScaler(job.spec) },
    })
    return resultOf(job, d, d.summary.wait_s.p99)
  }
  const plans = planFleet(setup.fleet, setup.fleetWhere)
  const d = await simulate(plans, source, {
    seed: job.seed,
    slo: setup.slo,
    ...resolveChoice({ ...study.choice, scaler: job.spec }),
    ...(setup.fleet.kvTransfer ? { kvTransfer: setup.fleet.kvTransfer } : {}),
  })
  return resultOf(job, d, d.summary.ttft_s.p99)
}

/** RunOutcome is what both simulators return that a study run reads. */
interface RunOutcome {
  readonly summary: {
    readonly requests: number
    readonly completed: number
    readonly rejected: number
    readonly gpu_hours: number
    readonly cost_usd: number
    readonly slo: { readonly attainment: number }
    readonly scaling?: ScalingSummary
    readonly sim_wall_s: number
    readonly makespan_s: number
    readonly fleet: string
  }
  readonly scaling?: ScalingSeries
  readonly timeline: { readonly t: ReadonlyArray<number>; readonly step_s: number }
}

/** resultOf reduces a run to the study's row; `latencyP99` is the latency its SLO is on. */
function resultOf(job: ScalingJob, d: RunOutcome, latencyP99: number): ScalingResult {
  const s = d.summary
  return {
    run: {
      scaler: job.scaler,
      spec: job.spec,
      knob: job.knob,
      value: job.value,
      is_default: job.isDefault,
      seed: job.seed,
      requests: s.requests,
      completed: s.completed,
      rejected: s.rejected,
      gpu_hours: s.gpu_hours,
      cost_usd: s.cost_usd,
      attainment: s.slo.attainment,
      cold_starts: s.scaling?.cold_starts ?? 0,
      replicas_mean: s.scaling?.replicas_mean ?? 0,
      replicas_max: s.scaling?.replicas_max ?? 0,
      latency_p99_s: latencyP99,
      sim_wall_s: s.sim_wall_s,
    },
    ...(job.keepSeries && d.scaling ? { series: d.scaling } : {}),
    end: seriesEnd(d.timeline.t, d.timeline.step_s, s.makespan_s),
    fleet: s.fleet,
  }
}

function seriesEnd(t: ReadonlyArray<number>, step: number, makespan: number): number {
  const last = t[t.length - 1]
  if (last === undefined) return makespan
  return Math.max(makespan, last + (Number.isFinite(step) ? step : 0))
}
