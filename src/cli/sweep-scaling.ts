/**
 * @module `flotilla sweep --scalers ...`: the scaling study. Each scaler runs across its knob
 * (SCALER_KNOBS) on one trace, on the sweep's worker threads; the output is each scaler's
 * GPU-hours/SLO trade-off curve and its cost at the SLO attainment Knative's defaults reach.
 */
import { performance } from 'node:perf_hooks'
import { sloText } from '../report/run-context.js'
import { writeScalingReport } from '../report/scaling-report.js'
import { formatScalingBoard } from '../report/scaling-table.js'
import type { FleetSpec } from '../sim/fleet.js'
import { planFleet } from '../sim/fleet.js'
import { DEFAULT_SLO_WAIT_SECONDS } from '../sim/functions/defaults.js'
import { planScaledFleet } from '../sim/scaled-fleet.js'
import type { StudySetup } from '../sweep/grid.js'
import { buildScalingBoard } from '../sweep/scaling-board.js'
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

/** runScalingStudy executes the study; returns the process exit code. */
export async function runScalingStudy(
  f: StudyFlags,
  given: StudyGiven,
  argv: ReadonlyArray<string>,
): Promise<number> {
  const started = performance.now()
  const traces = given.traces ?? [DEFAULT_STUDY_TRACE]
  if (traces.length !== 1) {
    throw new UsageError(`--traces: a scaling study runs one trace, got ${traces.length}`)
  }
  const trace = traces[0]!
  const rateScales = given.rateScales ? splitList('--rate-scales', f.rateScales) : ['1']
  if (rateScales.length !== 1) {
    throw new UsageError('--rate-scales: a scaling study runs one load level; give one value')
  }
  const rateScale = parsePositive('--rate-scales', rateScales[0]!)
  const seeds = splitList('--seeds', f.seeds).map((s) => parseNonNegativeInt('--seeds', s))
  const requests = given.requests ? parsePositiveInt('--requests', f.requests) : undefined
  const workersWanted = f.workers ? parsePositiveInt('--workers', f.workers) : undefined
  const items = splitList('--scalers', f.scalers)

  const opened = await openTrace(trace, {
    rateScale,
    seed: seeds[0] ?? 1,
    ...(requests !== undefined ? { requests } : {}),
  }).catch((err: unknown) => {
    if (err instanceof UsageError) throw new UsageError(`--traces: ${err.message}`, err.code)
    throw err
  })
  const isFunction = opened.workload === 'function'
  let fleet: { spec: FleetSpec; where: string; slo: { ttft_s: number; tpot_s: number } }
  let study: StudySetup
  let slo: string
  if (isFunction) {
    const token = items.find((i) => TOKEN_SCALERS.includes(i.split(':')[0] ?? ''))
    if (token !== undefined) {
      throw new UsageError(
        `--scalers: ${token} scales on decode tokens/s, which a function trace does not produce`,
      )
    }
    const { seed: _seed, ...functions } = functionOptions(
      { ...f, trace },
      { choices: [], compare: false, open: {}, seed: seeds[0] ?? 1, shorthand: given.shorthand },
    )
    study = { functions, choice: { router: f.router, admission: f.admission, kv: f.kv } }
    fleet = {
      spec: { name: 'functions', groups: [] },
      where: 'functions',
      slo: { ttft_s: 0, tpot_s: 0 },
    }
    slo = `wait before a job starts ≤ ${functions.sloWaitSeconds ?? DEFAULT_SLO_WAIT_SECONDS} s`
  } else {
    const resolved = await resolveFleet(f, given.shorthand)
    planScaledFleet(planFleet(resolved.spec, resolved.where))
    fleet = { spec: resolved.spec, where: resolved.where, slo: resolved.slo }
    study = { choice: { router: f.router, admission: f.admission, kv: f.kv } }
    slo = sloText(resolved.slo.ttft_s, resolved.slo.tpot_s, '≤')
  }

  const jobs = studyJobs(trace, items, seeds, rateScale, requests)
  const { results, workers } = await runPoolWithProgress<ScalingJob, ScalingResult>({
    label: 'scaling study',
    jobs,
    setup: { fleet: fleet.spec, fleetWhere: fleet.where, slo: fleet.slo, study },
    workersWanted,
    quiet: f.quiet,
    describe: (job) => `${job.trace} ${job.spec} seed ${job.seed}`,
  })
  const runs = results.map((r) => r.run)
  const board = buildScalingBoard(runs)
  const wallS = (performance.now() - started) / 1000
  const latencyName = isFunction ? 'p99 wait' : 'p99 TTFT'
  const fleetText = results[0]?.fleet ?? ''
  const output = {
    study: {
      trace,
      requests: runs[0]?.requests ?? 0,
      rate_scale: rateScale,
      seeds,
      scalers: items,
      workload: isFunction ? 'function' : 'llm',
      fleet: fleetText,
      slo,
    },
    runs,
    board,
  }
  if (f.json) {
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`)
  } else {
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR
    const title = `scaling study: ${trace} (${runs[0]?.requests ?? 0} requests) · ${fleetText} · SLO: ${slo}`
    process.stdout.write(`${formatScalingBoard(board, { title, latencyName, color })}\n\n`)
    process.stdout.write(
      `${runs.length} runs on ${workers} worker${workers === 1 ? '' : 's'} in ${wallS.toFixed(1)} s\n`,
    )
  }
  if (f.report) {
    const showcase = jobs.flatMap((job, i) => {
      const r = results[i]!
      return job.keepSeries && r.series ? [{ label: job.spec, series: r.series, end: r.end }] : []
    })
    const path = await writeScalingReport(
      f.report,
      {
        title: `Flotilla scaling study: ${trace}`,
        generatedBy: `flotilla ${VERSION}`,
        command: ['flotilla', ...argv].join(' '),
        trace,
        requests: runs[0]?.requests ?? 0,
        fleet: fleetText,
        sloText: slo,
        latencyName,
        board,
        showcase,
        seeds,
        runs: runs.length,
        wallS,
        workers,
      },
      output,
    )
    process.stderr.write(`report: ${path}\n`)
  }
  return 0
}

function splitList(flag: string, raw: string): string[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (items.length === 0) throw new UsageError(`${flag}: expected a comma-separated list`)
  return items
}
