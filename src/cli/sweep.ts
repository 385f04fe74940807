/**
 * @module `flotilla sweep`: policies × traces × load levels × seeds, run in parallel on worker
 * threads, ranked into a leaderboard per trace (stdout table or JSON), optionally with an HTML
 * report of attainment, tail latency and goodput against request rate.
 */
import { performance } from 'node:perf_hooks'
import { Command } from 'commander'
import { admissionNames } from '../policy/admission/registry.js'
import {
  choiceLabel,
  type PolicyChoice,
  parseCompareItems,
  validateChoice,
} from '../policy/choice.js'
import { kvNames } from '../policy/kv/registry.js'
import { routerNames } from '../policy/registry.js'
import { type SweepReport, writeSweepReport } from '../report/sweep-report.js'
import { formatLeaderboard, formatSweepFooter } from '../report/sweep-table.js'
import type { RunSummary } from '../sim/result.js'
import { buildGrid, type SweepJob } from '../sweep/grid.js'
import { buildLeaderboard, type SweepRun, type TraceBoard } from '../sweep/leaderboard.js'
import { scanTrace, type TraceScan } from '../sweep/trace-scan.js'
import { BUNDLED_TRACE_NAMES } from '../trace/open.js'
import { UsageError } from '../util/errors.js'
import { parseFraction, parseNonNegativeInt, parsePositive, parsePositiveInt } from './args.js'
import {
  addFleetOptions,
  type FleetFlags,
  type ResolvedFleet,
  resolveFleet,
  shorthandGiven,
} from './fleet-flags.js'
import { runPoolWithProgress } from './pool-progress.js'
import { addFunctionOptions } from './simulate-functions.js'
import { runScalingStudy, type StudyFlags } from './sweep-scaling.js'
import { VERSION } from './version.js'

/** DEFAULT_TRACES: a short-prompt chat trace and a long-prompt, prefix-sharing one. */
const DEFAULT_TRACES = 'azure-conv,mooncake'
/**
 * DEFAULT_RATE_SCALES double from ×0.5 to ×32. On the default fleet (4× H100, Llama 3.1 8B) the
 * Azure conversation sample keeps ≥ 99% within SLO up to ×16 and drops to about 55% at ×32,
 * while Mooncake's long prompts fall from about 84% at ×0.5 to under 10% at ×2: one list spans
 * both knees.
 */
const DEFAULT_RATE_SCALES = '0.5,1,2,4,8,16,32'
/** DEFAULT_REQUESTS caps each run so the default sweep takes about a minute on two cores. */
const DEFAULT_REQUESTS = '1500'

interface SweepFlags extends FleetFlags, Omit<StudyFlags, 'scalers'> {
  traces: string
  scalers?: string
  policies?: string
  router: string
  admission: string
  kv: string
  rateScales: string
  seeds: string
  requests: string
  workers?: string
  attainmentTarget: string
  json?: boolean
  report?: string
  quiet?: boolean
}

/** parseList splits a comma-separated flag value, parses each item and rejects repeats. */
function parseList<T>(
  flag: string,
  raw: string,
  parse: (flag: string, item: string) => T,
  separator = ',',
): T[] {
  const items = raw
    .split(separator)
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (items.length === 0) throw new UsageError(`${flag}: expected a comma-separated list`)
  const out: T[] = []
  for (const item of items) {
    const v = parse(flag, item)
    if (out.includes(v)) throw new UsageError(`${flag}: '${item}' is listed twice`)
    out.push(v)
  }
  return out
}

/**
 * parseTraces splits `--traces` at commas, except those inside a synthetic spec, whose own
 * parameters are comma-separated: `synthetic:n=100,rate=5,mooncake` is two traces.
 */
export function parseTraces(raw: string): string[] {
  const pieces: string[] = []
  for (const piece of raw.split(',').map((s) => s.trim())) {
    const last = pieces.length - 1
    if (pieces[last]?.startsWith('synthetic:') && /^[\w.-]+=/.test(piece)) {
      pieces[last] = `${pieces[last]},${piece}`
    } else {
      pieces.push(piece)
    }
  }
  return parseList('--traces', pieces.join('\n'), (_flag, item) => item, '\n')
}

/** SweepPlan is the validated sweep: what runs, on which fleet, ranked at which attainment. */
interface SweepPlan {
  readonly policies: ReadonlyArray<{ readonly label: string; readonly choice: PolicyChoice }>
  readonly labels: ReadonlyArray<string>
  readonly traces: string[]
  readonly rateScales: number[]
  readonly seeds: number[]
  readonly requests: number
  readonly target: number
  readonly workersWanted: number | undefined
  readonly fleet: ResolvedFleet
  /** Each trace's scan: its base arrival rate and the requests it holds. */
  readonly scans: ReadonlyMap<string, TraceScan>
}

/** SweepOutcome is a finished sweep: its runs, ranked, and how long it took on how many workers. */
interface SweepOutcome {
  readonly plan: SweepPlan
  readonly runs: ReadonlyArray<SweepRun>
  readonly boards: ReadonlyArray<TraceBoard>
  readonly workers: number
  readonly wallS: number
  /** Requests replayed per run, by trace (fewer than --requests where a trace holds fewer). */
  readonly requests: ReadonlyMap<string, number>
}

/** runSweep executes the command; returns the process exit code. */
async function runSweep(
  f: SweepFlags,
  shorthand: ReadonlyArray<string>,
  argv: ReadonlyArray<string>,
): Promise<number> {
  const started = performance.now()
  const plan = await planSweep(f, shorthand)
  const { runs, workers } = await runGrid(plan, f.quiet)
  const boards = buildLeaderboard(runs, plan.target)
  const done: SweepOutcome = {
    plan,
    runs,
    boards,
    workers,
    wallS: (performance.now() - started) / 1000,
    requests: new Map(plan.traces.map((t) => [t, plan.scans.get(t)?.requests ?? plan.requests])),
  }
  const output = sweepJson(done)
  if (f.json) {
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`)
  } else {
    process.stdout.write(leaderboardText(done))
  }
  if (f.report) {
    const path = await writeSweepReport(f.report, sweepReport(done, argv), output)
    process.stderr.write(`report: ${path}\n`)
  }
  return 0
}

/** sweepJson is what `--json` prints and the report saves as results.json. */
function sweepJson(done: SweepOutcome) {
  const { plan } = done
  return {
    sweep: {
      traces: plan.traces,
      policies: plan.labels,
      rate_scales: plan.rateScales,
      seeds: plan.seeds,
      requests: plan.requests,
      attainment_target: plan.target,
      slo: plan.fleet.slo,
    },
    runs: done.runs,
    leaderboard: done.boards,
  }
}

/** leaderboardText is the stdout table, bold on a terminal unless NO_COLOR, then the timing footer. */
function leaderboardText(done: SweepOutcome): string {
  const { runs } = done
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR
  const text = formatLeaderboard(done.boards, {
    color,
    requests: done.requests,
    seeds: done.plan.seeds,
  })
  const footer = formatSweepFooter({
    runs: runs.length,
    workers: done.workers,
    wallS: done.wallS,
    simS: runs.reduce((s, r) => s + r.sim_wall_s, 0),
    events: runs.reduce((s, r) => s + r.sim_events, 0),
  })
  return `${text}\n\n${footer}\n`
}

/** sweepReport is the HTML report's content; `argv` is the command line it records. */
function sweepReport(done: SweepOutcome, argv: ReadonlyArray<string>): SweepReport {
  const { plan } = done
  return {
    title: `Flotilla sweep: ${plan.traces.join(', ')}`,
    generatedBy: `flotilla ${VERSION}`,
    command: ['flotilla', ...argv].join(' '),
    boards: done.boards,
    runs: done.runs,
    policies: plan.labels,
    rateScales: plan.rateScales,
    seeds: plan.seeds,
    requests: done.requests,
    wallS: done.wallS,
    workers: done.workers,
  }
}

/**
 * planSweep validates every flag, resolves the fleet and scans the traces, in that order (which
 * decides the error a user with several mistakes sees first), all before a worker thread exists.
 */
async function planSweep(f: SweepFlags, shorthand: ReadonlyArray<string>): Promise<SweepPlan> {
  const policies = parsePolicies(f)
  const rateScales = parseList('--rate-scales', f.rateScales, parsePositive).sort((a, b) => a - b)
  const seeds = parseList('--seeds', f.seeds, parseNonNegativeInt)
  const requests = parsePositiveInt('--requests', f.requests)
  const target = parseFraction('--attainment-target', f.attainmentTarget)
  const workersWanted = f.workers ? parsePositiveInt('--workers', f.workers) : undefined
  const traces = parseTraces(f.traces)
  const fleet = await resolveFleet(f, shorthand)
  const scans = await scanTraces(traces, requests, seeds[0] ?? 1)
  const labels = policies.map((p) => p.label)
  return {
    policies,
    labels,
    traces,
    rateScales,
    seeds,
    requests,
    target,
    workersWanted,
    fleet,
    scans,
  }
}

/**
 * parsePolicies reads `--policies` over the base choice (default: every router on it), each
 * labelled; two items that come to the same label are one policy listed twice.
 */
function parsePolicies(f: SweepFlags): Array<{ label: string; choice: PolicyChoice }> {
  const base: PolicyChoice = {
    router: f.router,
    admission: f.admission,
    kv: f.kv,
    scaler: f.scaler,
  }
  validateChoice(base)
  const choices = f.policies
    ? parseCompareItems(f.policies, base, '--policies')
    : routerNames.map((router) => ({ ...base, router }))
  const policies = choices.map((choice) => ({ label: choiceLabel(choice), choice }))
  const labels = policies.map((p) => p.label)
  const repeated = labels.find((l, i) => labels.indexOf(l) !== i)
  if (repeated !== undefined) throw new UsageError(`--policies: '${repeated}' is listed twice`)
  return policies
}

/** scanTraces scans each trace once, up front, naming --traces in a bad trace's error. */
async function scanTraces(
  traces: ReadonlyArray<string>,
  requests: number,
  seed: number,
): Promise<Map<string, TraceScan>> {
  const scans = new Map<string, TraceScan>()
  for (const trace of traces) {
    try {
      scans.set(trace, await scanTrace(trace, requests, seed))
    } catch (err) {
      if (err instanceof UsageError) throw new UsageError(`--traces: ${err.message}`, err.code)
      throw err
    }
  }
  return scans
}

/**
 * runGrid runs every policy × trace × load level × seed on the worker pool and tags each run with
 * its load level, as a multiplier and in requests per second of its trace.
 */
async function runGrid(
  plan: SweepPlan,
  quiet: boolean | undefined,
): Promise<{ runs: SweepRun[]; workers: number }> {
  const { traces, policies, rateScales, seeds, requests, fleet } = plan
  const jobs = buildGrid({ traces, policies, rateScales, seeds, requests })
  const { results: summaries, workers } = await runPoolWithProgress<SweepJob, RunSummary>({
    label: 'sweep',
    jobs,
    setup: { fleet: fleet.spec, fleetWhere: fleet.where, slo: fleet.slo },
    workersWanted: plan.workersWanted,
    quiet,
  })
  const runs: SweepRun[] = summaries.map((s, i) => {
    const job = jobs[i]!
    const base = plan.scans.get(job.trace)?.base_rps ?? Number.NaN
    return { ...s, rate_scale: job.rateScale, rate_rps: base * job.rateScale }
  })
  return { runs, workers }
}

/** sweepCommand builds the commander command; `done` receives the run. */
export function sweepCommand(done: (run: () => Promise<number>) => void): Command {
  const cmd = new Command('sweep')
    .description(
      'Run policies × traces × load levels × seeds on worker threads and rank the policies per ' +
        'trace by goodput per GPU at SLO, with their capacity at the SLO attainment target.',
    )
    .option(
      '--traces <a,b,...>',
      `traces: files, bundled samples (${BUNDLED_TRACE_NAMES.join(', ')}) or synthetic:... specs`,
      DEFAULT_TRACES,
    )
    .option(
      '--policies <a,b,...>',
      'policies to compare: router names, kind=name (admission=, kv=), + to combine kinds ' +
        '(router=x+admission=y); default: every registered router',
    )
    .option(
      '--router <name>',
      `base router for items naming other kinds (${routerNames.join(', ')})`,
      'least-outstanding',
    )
    .option('--admission <name>', `base admission policy (${admissionNames.join(', ')})`, 'fcfs')
    .option('--kv <name>', `base KV-retention policy (${kvNames.join(', ')})`, 'lru')
    .option(
      '--rate-scales <x,y,...>',
      'load levels: arrival-rate multipliers of each trace (2 = twice as fast)',
      DEFAULT_RATE_SCALES,
    )
    .option(
      '--seeds <n,m,...>',
      'random seeds (routing, synthetic traces); ± spread over them',
      '1',
    )
    .option('--requests <n>', 'replay the first n requests of each trace per run', DEFAULT_REQUESTS)
    .option('--workers <n>', 'worker threads (default: available cores, at most one per run)')
    .option(
      '--scalers <a,b,...>',
      'scaling study instead of a load sweep: each scaler (kpa, hpa, predictive, q-learning, ' +
        'heteroscale; options after colons) across its knob on one trace (default alibaba); ' +
        'prints GPU-hours against SLO attainment and the saving over KPA at equal attainment',
    )
    .option(
      '--attainment-target <f>',
      'share of requests within SLO that counts as meeting it, for capacity and ranking',
      '0.9',
    )
  return addFunctionOptions(addFleetOptions(cmd))
    .option('--json', 'print { sweep, runs, leaderboard } as JSON')
    .option('--report <dir>', 'write a self-contained HTML report to dir/index.html')
    .option('--quiet', 'no progress bar')
    .action(function sweepAction(this: Command) {
      const flags = this.opts<SweepFlags>()
      const shorthand = shorthandGiven(this)
      const typed = (name: string): boolean => this.getOptionValueSource(name) === 'cli'
      if (flags.scalers !== undefined) {
        const scalers = flags.scalers
        const given = {
          ...(typed('traces') ? { traces: parseTraces(flags.traces) } : {}),
          rateScales: typed('rateScales'),
          requests: typed('requests'),
          shorthand,
        }
        done(() => runScalingStudy({ ...flags, scalers }, given, process.argv.slice(2)))
        return
      }
      done(() => runSweep(flags, shorthand, process.argv.slice(2)))
    })
}
