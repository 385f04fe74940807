/**
 * @module `flotilla sweep --scalers ...`: the scaling study. Each scaler runs across its knob
 * (SCALER_KNOBS) on one trace, on the sweep's worker threads; the output is each scaler's
 * GPU-hours/SLO trade-off curve and its cost at the SLO attainment Knative's defaults reach.
 */
import { performance } from 'node:perf_hooks'
import { sloText } from '../report/run-context.js'
import { type ScalingReport, writeScalingReport } from '../report/scaling-report.js'
import { formatScalingBoard } from '../report/scaling-table.js'
import type { FleetSpec } from '../sim/fleet.js'
import { planFleet } from '../sim/fleet.js'
import { DEFAULT_SLO_WAIT_SECONDS } from '../sim/functions/defaults.js'
import { planScaledFleet } from '../sim/scaled-fleet.js'
import type { StudySetup } from '../sweep/grid.js'
import { buildScalingBoard, type ScalingBoard, type ScalingRun } from '../sweep/scaling-board.js'
import { type ScalingJob, type ScalingResult, studyJobs } from '../sweep/scaling-study.js'
import { openTrace } from '../trace/open.js'
import { UsageError } from '../util/errors.js'
import { parseNonNegativeInt, parsePositive, parsePositiveInt } from './args.js'
import { type FleetFlags, resolveFleet } from './fleet-flags.js'
import { runPoolWithProgress } from './pool-progress.js'
import { type FunctionFlags, functionOptions, TOKEN_SCALERS } from './simulate-functions.js'
import { VERSION } from './version.js'

/** DEFAULT_STUDY_TRACE: the Alibaba serverless sample, 12 days with a daily cycle. */
export const DEFAULT_STUDY_TRACE = 'alibaba'

/** StudyFlags are the sweep flags the study reads. */
export interface StudyFlags extends FleetFlags, Omit<FunctionFlags, 'trace' | keyof FleetFlags> {
  scalers: string
  rateScales: string
  seeds: string
  requests: string
  workers?: string
  router: string
  admission: string
  kv: string
  json?: boolean
  report?: string
  quiet?: boolean
}

/** StudyGiven says which flags the user typed (the study has its own defaults for them). */
export interface StudyGiven {
  /** The --traces list when typed (already split, synthetic specs kept whole). */
  readonly traces?: ReadonlyArray<string>
  readonly rateScales: boolean
  readonly requests: boolean
  readonly shorthand: ReadonlyArray<string>
}

/** StudyAxes are the study's validated flags: one trace at one load level, the scalers, the seeds. */
interface StudyAxes {
  readonly trace: string
  readonly rateScale: number
  readonly seeds: number[]
  /** Replay only the first n requests; undefined: the whole trace. */
  readonly requests: number | undefined
  readonly workersWanted: number | undefined
  /** The --scalers items, as given. */
  readonly items: string[]
}

/** StudyTarget is what the workers run on (fleet, simulator setup) and the SLO in words. */
interface StudyTarget {
  readonly fleet: { spec: FleetSpec; where: string; slo: { ttft_s: number; tpot_s: number } }
  readonly study: StudySetup
  readonly slo: string
}

/** StudyOutcome is a finished study: its jobs and results in job order, and their board. */
interface StudyOutcome {
  readonly axes: StudyAxes
  readonly isFunction: boolean
  readonly slo: string
  readonly jobs: ReadonlyArray<ScalingJob>
  readonly results: ReadonlyArray<ScalingResult>
  readonly runs: ReadonlyArray<ScalingRun>
  readonly board: ScalingBoard
  readonly workers: number
  readonly wallS: number
  /** The deployment in words (the first run's). */
  readonly fleetText: string
  /** What the latency column measures: the wait to start for functions, TTFT for LLMs. */
  readonly latencyName: string
}

/** runScalingStudy executes the study; returns the process exit code. */
export async function runScalingStudy(
  f: StudyFlags,
  given: StudyGiven,
  argv: ReadonlyArray<string>,
): Promise<number> {
  const started = performance.now()
  const axes = parseStudyAxes(f, given)
  const opened = await openStudyTrace(axes)
  const isFunction = opened.workload === 'function'
  const target = isFunction ? functionTarget(f, given, axes) : await llmTarget(f, given)
  const { jobs, results, workers } = await runStudyJobs(axes, target, f.quiet)
  const runs = results.map((r) => r.run)
  const board = buildScalingBoard(runs)
  const done: StudyOutcome = {
    axes,
    isFunction,
    slo: target.slo,
    jobs,
    results,
    runs,
    board,
    workers,
    wallS: (performance.now() - started) / 1000,
    fleetText: results[0]?.fleet ?? '',
    latencyName: isFunction ? 'p99 wait' : 'p99 TTFT',
  }
  const output = studyJson(done)
  if (f.json) {
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`)
  } else {
    printStudy(done)
  }
  if (f.report) {
    const path = await writeScalingReport(f.report, scalingReport(done, argv), output)
    process.stderr.write(`report: ${path}\n`)
  }
  return 0
}

/**
 * parseStudyAxes validates the flags the study reads. A study compares scalers on one trace at
 * one load level, so it refuses lists there; untyped --traces, --rate-scales and --requests take
 * the study's defaults (alibaba, ×1, the whole trace) rather than the load sweep's.
 */
function parseStudyAxes(f: StudyFlags, given: StudyGiven): StudyAxes {
  const traces = given.traces ?? [DEFAULT_STUDY_TRACE]
  if (traces.length !== 1) {
    throw new UsageError(`--traces: a scaling study runs one trace, got ${traces.length}`)
  }
  const rateScales = given.rateScales ? splitList('--rate-scales', f.rateScales) : ['1']
  if (rateScales.length !== 1) {
    throw new UsageError('--rate-scales: a scaling study runs one load level; give one value')
  }
  const rateScale = parsePositive('--rate-scales', rateScales[0]!)
  const seeds = splitList('--seeds', f.seeds).map((s) => parseNonNegativeInt('--seeds', s))
  const requests = given.requests ? parsePositiveInt('--requests', f.requests) : undefined
  const workersWanted = f.workers ? parsePositiveInt('--workers', f.workers) : undefined
  const items = splitList('--scalers', f.scalers)
  return { trace: traces[0]!, rateScale, seeds, requests, workersWanted, items }
}

/** openStudyTrace opens the trace (which says whether it is a function trace), naming --traces. */
function openStudyTrace(axes: StudyAxes) {
  return openTrace(axes.trace, {
    rateScale: axes.rateScale,
    seed: axes.seeds[0] ?? 1,
    ...(axes.requests !== undefined ? { requests: axes.requests } : {}),
  }).catch((err: unknown) => {
    if (err instanceof UsageError) throw new UsageError(`--traces: ${err.message}`, err.code)
    throw err
  })
}

/**
 * functionTarget sets up a function-trace study: the function simulator's options from the
 * flags, and no LLM fleet. Token-rate scalers are refused: a function trace produces no tokens.
 */
function functionTarget(f: StudyFlags, given: StudyGiven, axes: StudyAxes): StudyTarget {
  const token = axes.items.find((i) => TOKEN_SCALERS.includes(i.split(':')[0] ?? ''))
  if (token !== undefined) {
    throw new UsageError(
      `--scalers: ${token} scales on decode tokens/s, which a function trace does not produce`,
    )
  }
  const { seed: _seed, ...functions } = functionOptions(
    { ...f, trace: axes.trace },
    {
      choices: [],
      compare: false,
      open: {},
      seed: axes.seeds[0] ?? 1,
      shorthand: given.shorthand,
    },
  )
  return {
    study: { functions, choice: { router: f.router, admission: f.admission, kv: f.kv } },
    fleet: {
      spec: { name: 'functions', groups: [] },
      where: 'functions',
      slo: { ttft_s: 0, tpot_s: 0 },
    },
    slo: `wait before a job starts ≤ ${functions.sloWaitSeconds ?? DEFAULT_SLO_WAIT_SECONDS} s`,
  }
}

/** llmTarget sets up an LLM-trace study on the flags' fleet, planned scaled so a bad one fails now. */
async function llmTarget(f: StudyFlags, given: StudyGiven): Promise<StudyTarget> {
  const resolved = await resolveFleet(f, given.shorthand)
  planScaledFleet(planFleet(resolved.spec, resolved.where))
  return {
    fleet: { spec: resolved.spec, where: resolved.where, slo: resolved.slo },
    study: { choice: { router: f.router, admission: f.admission, kv: f.kv } },
    slo: sloText(resolved.slo.ttft_s, resolved.slo.tpot_s, '≤'),
  }
}

/** runStudyJobs expands the scalers into jobs and runs them on the worker pool. */
async function runStudyJobs(axes: StudyAxes, target: StudyTarget, quiet: boolean | undefined) {
  const jobs = studyJobs(axes.trace, axes.items, axes.seeds, axes.rateScale, axes.requests)
  const { fleet, study } = target
  const { results, workers } = await runPoolWithProgress<ScalingJob, ScalingResult>({
    label: 'scaling study',
    jobs,
    setup: { fleet: fleet.spec, fleetWhere: fleet.where, slo: fleet.slo, study },
    workersWanted: axes.workersWanted,
    quiet,
    describe: (job) => `${job.trace} ${job.spec} seed ${job.seed}`,
  })
  return { jobs, results, workers }
}

/** studyJson is what `--json` prints and the report saves as results.json. */
function studyJson(done: StudyOutcome) {
  const { axes, runs } = done
  return {
    study: {
      trace: axes.trace,
      requests: runs[0]?.requests ?? 0,
      rate_scale: axes.rateScale,
      seeds: axes.seeds,
      scalers: axes.items,
      workload: done.isFunction ? 'function' : 'llm',
      fleet: done.fleetText,
      slo: done.slo,
    },
    runs,
    board: done.board,
  }
}

/** printStudy writes the board (bold on a terminal unless NO_COLOR) and the timing line. */
function printStudy(done: StudyOutcome): void {
  const { runs, workers } = done
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR
  const title = `scaling study: ${done.axes.trace} (${runs[0]?.requests ?? 0} requests) · ${done.fleetText} · SLO: ${done.slo}`
  const latencyName = done.latencyName
  process.stdout.write(`${formatScalingBoard(done.board, { title, latencyName, color })}\n\n`)
  process.stdout.write(
    `${runs.length} runs on ${workers} worker${workers === 1 ? '' : 's'} in ${done.wallS.toFixed(1)} s\n`,
  )
}

/**
 * scalingReport is the HTML report's content; its showcase is each scaler's default run, the
 * jobs that kept their replica series.
 */
function scalingReport(done: StudyOutcome, argv: ReadonlyArray<string>): ScalingReport {
  const { axes, jobs, results } = done
  const showcase = jobs.flatMap((job, i) => {
    const r = results[i]!
    return job.keepSeries && r.series ? [{ label: job.spec, series: r.series, end: r.end }] : []
  })
  return {
    title: `Flotilla scaling study: ${axes.trace}`,
    generatedBy: `flotilla ${VERSION}`,
    command: ['flotilla', ...argv].join(' '),
    trace: axes.trace,
    requests: done.runs[0]?.requests ?? 0,
    fleet: done.fleetText,
    sloText: done.slo,
    latencyName: done.latencyName,
    board: done.board,
    showcase,
    seeds: axes.seeds,
    runs: done.runs.length,
    wallS: done.wallS,
    workers: done.workers,
  }
}

/** splitList splits a comma-separated flag value, refusing an empty list. */
function splitList(flag: string, raw: string): string[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (items.length === 0) throw new UsageError(`${flag}: expected a comma-separated list`)
  return items
}
