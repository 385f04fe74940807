/**
 * @module `flotilla simulate`: replay a trace through a simulated fleet, once per policy, and
 * print a table (or JSON), optionally writing an HTML report.
 */
import { Command, Option } from 'commander'
import { admissionNames } from '../policy/admission/registry.js'
import {
  choiceLabel,
  NO_SCALER,
  type PolicyChoice,
  parseCompareItems,
  resolveChoice,
  validateChoice,
} from '../policy/choice.js'
import { kvNames } from '../policy/kv/registry.js'
import { routerNames } from '../policy/registry.js'
import { formatSummaryTable } from '../report/table.js'
import { writeReport } from '../report/write.js'
import type { RunDetail } from '../sim/result.js'
import { planScaledFleet } from '../sim/scaled-fleet.js'
import { simulate } from '../sim/simulator.js'
import { BUNDLED_TRACE_NAMES, openTrace } from '../trace/open.js'
import { withPriorityShare } from '../trace/priority.js'
import type { TraceFormat } from '../trace/types.js'
import { UsageError } from '../util/errors.js'
import { parseFraction, parseNonNegativeInt, parsePositive, parsePositiveInt } from './args.js'
import { addFleetOptions, type FleetFlags, resolveFleet, shorthandGiven } from './fleet-flags.js'
import { emitRuns, type OnProgress, withProgress } from './run-output.js'
import { addFunctionOptions, runFunctionSimulate } from './simulate-functions.js'

/** DEFAULT_TRACE is the bundled sample `simulate` replays with no --trace. */
export const DEFAULT_TRACE = 'azure-conv'

interface SimulateFlags extends FleetFlags {
  trace: string
  format?: string
  router: string
  admission: string
  kv: string
  compare?: string
  requests?: string
  rateScale: string
  seed: string
  priorityShare?: string
  json?: boolean
  report?: string
  quiet?: boolean
}

const FORMATS: ReadonlyArray<TraceFormat> = [
  'azure',
  'mooncake',
  'burstgpt',
  'alibaba',
  'synthetic',
]

/** runSimulate executes the command; returns the process exit code. */
async function runSimulate(
  f: SimulateFlags,
  shorthand: ReadonlyArray<string>,
  argv: ReadonlyArray<string>,
): Promise<number> {
  const base: PolicyChoice = {
    router: f.router,
    admission: f.admission,
    kv: f.kv,
    scaler: f.scaler,
  }
  validateChoice(base) // every name is checked before any work
  const choices = f.compare ? parseCompareItems(f.compare, base) : [base]
  if (f.format !== undefined && !FORMATS.includes(f.format as TraceFormat)) {
    throw new UsageError(`--format: unknown format '${f.format}'; valid: ${FORMATS.join(', ')}`)
  }
  const seed = parseNonNegativeInt('--seed', f.seed)
  const rateScale = parsePositive('--rate-scale', f.rateScale)
  const requests = f.requests ? parsePositiveInt('--requests', f.requests) : undefined
  const openOpts = {
    rateScale,
    seed,
    ...(f.format ? { format: f.format as TraceFormat } : {}),
    ...(requests !== undefined ? { requests } : {}),
  }
  // Opened once up front, so a bad path or format fails before any run starts; a function trace
  // (alibaba, synthetic:...,service=S) runs the function simulator instead.
  if ((await openTrace(f.trace, openOpts)).workload === 'function') {
    const ctx = { choices, compare: Boolean(f.compare), open: openOpts, seed, shorthand, argv }
    return runFunctionSimulate(f, ctx)
  }
  const { plans, slo, spec } = await resolveFleet(f, shorthand)
  // A fleet shape no scaler can drive fails before any run, not after the fixed-fleet ones.
  if (choices.some((c) => c.scaler !== undefined && c.scaler !== NO_SCALER)) planScaledFleet(plans)
  const share =
    f.priorityShare === undefined ? undefined : parseFraction('--priority-share', f.priorityShare)

  const runs: RunDetail[] = []
  for (const choice of choices) {
    const label = choices.length > 1 ? `simulate ${choiceLabel(choice)}` : 'simulate'
    const opened = await openTrace(f.trace, openOpts)
    const source = share === undefined ? opened : withPriorityShare(opened, share, seed)
    const run = (onProgress: OnProgress) =>
      simulate(plans, source, {
        seed,
        slo,
        ...resolveChoice(choice),
        ...(spec.kvTransfer ? { kvTransfer: spec.kvTransfer } : {}),
        onProgress,
      })
    runs.push(await withProgress(label, source.size ?? requests, f.quiet, run))
  }
  await emitRuns(runs, {
    json: f.json,
    compare: Boolean(f.compare),
    report: f.report,
    argv,
    table: (summaries, color) => formatSummaryTable(summaries, { color }),
    writeReport,
  })
  return 0
}

/** simulateCommand builds the commander command; `done` receives the exit code. */
export function simulateCommand(done: (run: () => Promise<number>) => void): Command {
  const cmd = new Command('simulate')
    .description(
      'Replay a workload trace through a simulated fleet and report TTFT, TPOT, SLO attainment, ' +
        'goodput and cost per policy (routing, admission, KV retention).',
    )
    .option(
      '--trace <path|name>',
      `trace file, bundled sample (${BUNDLED_TRACE_NAMES.join(', ')}) or synthetic:key=value,...`,
      DEFAULT_TRACE,
    )
    .addOption(new Option('--format <format>', 'trace format (auto-detected)').choices(FORMATS))
  return addFunctionOptions(addFleetOptions(cmd))
    .option('--router <name>', `routing policy (${routerNames.join(', ')})`, 'least-outstanding')
    .option(
      '--admission <name>',
      `admission and in-engine scheduling (${admissionNames.join(', ')})`,
      'fcfs',
    )
    .option(
      '--kv <name>',
      `KV-cache retention (${kvNames.join(', ')}); options follow colons: ttl-pin:ttl=30, host-offload:gb=64`,
      'lru',
    )
    .option(
      '--compare <a,b,...>',
      'run several policies on identical arrivals: router names, or kind=name (admission=, kv=, ' +
        'scaler=); + combines kinds in one item (router=x+kv=y)',
    )
    .option('--requests <n>', 'replay only the first n requests')
    .option('--rate-scale <x>', 'multiply the arrival rate by x (2 = twice as fast)', '1')
    .option('--seed <n>', 'random seed (routing, synthetic traces)', '1')
    .option(
      '--priority-share <f>',
      'priority classes for priority-edf/flowprefill: a share f of requests without a class ' +
        '(real traces; synthetic ones take classes=f) become class 0 (interactive), the rest ' +
        'class 1; which ones is a hash of --seed and the request id, the same in every run',
    )
    .option('--json', 'print results as JSON (an array with --compare)')
    .option('--report <dir>', 'write a self-contained HTML report to dir/index.html')
    .option('--quiet', 'no progress bar')
    .action(function simulateAction(this: Command) {
      const flags = this.opts<SimulateFlags>()
      const shorthand = shorthandGiven(this)
      done(() => runSimulate(flags, shorthand, process.argv.slice(2)))
    })
}
