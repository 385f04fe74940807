/**
 * @module `flotilla simulate`: replay a trace through a simulated fleet, once per policy, and
 * print a table (or JSON), optionally writing an HTML report.
 */
import { performance } from 'node:perf_hooks'
import { Command, Option } from 'commander'
import { dtypes, getGpu, getModel, gpuIds, modelIds, parseDtype } from '../catalog/index.js'
import type { EngineConfig } from '../engine/config.js'
import { admissionNames } from '../policy/admission/registry.js'
import {
  choiceLabel,
  type PolicyChoice,
  parseCompareItems,
  resolveChoice,
  validateChoice,
} from '../policy/choice.js'
import { kvNames } from '../policy/kv/registry.js'
import { routerNames } from '../policy/registry.js'
import { createProgress } from '../report/progress.js'
import { formatRunFooter, formatSummaryTable } from '../report/table.js'
import { writeReport } from '../report/write.js'
import { type FleetSpec, planFleet } from '../sim/fleet.js'
import { loadFleetFile } from '../sim/fleet-config.js'
import type { RunDetail } from '../sim/result.js'
import { simulate } from '../sim/simulator.js'
import { BUNDLED_TRACE_NAMES, openTrace } from '../trace/open.js'
import type { TraceFormat } from '../trace/types.js'
import { UsageError } from '../util/errors.js'
import { parseFraction, parseNonNegativeInt, parsePositive, parsePositiveInt } from './args.js'
import { VERSION } from './version.js'

/** DEFAULT_TRACE is the bundled sample `simulate` replays with no --trace. */
export const DEFAULT_TRACE = 'azure-conv'
/** DEFAULT_SLO: 2 s TTFT and 100 ms TPOT, a common interactive-chat target. */
const DEFAULT_SLO = { ttft_s: 2, tpot_s: 0.1 }

interface SimulateFlags {
  trace: string
  format?: string
  fleet?: string
  gpu: string
  model: string
  tp: string
  instances: string
  dtype: string
  router: string
  admission: string
  kv: string
  compare?: string
  sloTtft?: string
  sloTpot?: string
  requests?: string
  rateScale: string
  seed: string
  json?: boolean
  report?: string
  quiet?: boolean
  maxNumSeqs?: string
  maxNumBatchedTokens?: string
  gpuMemoryUtilization?: string
  prefixCaching: boolean
}

function shorthandFleet(f: SimulateFlags): FleetSpec {
  const engine: Partial<EngineConfig> = {
    ...(f.maxNumSeqs ? { maxNumSeqs: parsePositiveInt('--max-num-seqs', f.maxNumSeqs) } : {}),
    ...(f.maxNumBatchedTokens
      ? {
          maxNumBatchedTokens: parsePositiveInt('--max-num-batched-tokens', f.maxNumBatchedTokens),
        }
      : {}),
    ...(f.gpuMemoryUtilization
      ? {
          gpuMemoryUtilization: parseFraction('--gpu-memory-utilization', f.gpuMemoryUtilization),
        }
      : {}),
    enablePrefixCaching: f.prefixCaching,
  }
  const gpu = getGpu(f.gpu, '--gpu')
  const model = getModel(f.model, '--model')
  const tp = parsePositiveInt('--tp', f.tp)
  if (![1, 2, 4, 8].includes(tp)) throw new UsageError(`--tp: expected 1, 2, 4 or 8, got ${tp}`)
  if (model.heads % tp !== 0) {
    throw new UsageError(`--tp: ${tp} does not divide ${model.id}'s ${model.heads} attention heads`)
  }
  return {
    name: 'cli',
    groups: [
      {
        name: gpu.id,
        gpu: gpu.id,
        model: model.id,
        tp,
        count: parsePositiveInt('--instances', f.instances),
        dtype: parseDtype(f.dtype),
        engine,
      },
    ],
  }
}

const FORMATS: ReadonlyArray<TraceFormat> = ['azure', 'mooncake', 'burstgpt', 'synthetic']

/** runSimulate executes the command; returns the process exit code. */
async function runSimulate(f: SimulateFlags, argv: ReadonlyArray<string>): Promise<number> {
  const base: PolicyChoice = { router: f.router, admission: f.admission, kv: f.kv }
  validateChoice(base) // every name is checked before any work
  const choices = f.compare ? parseCompareItems(f.compare, base) : [base]
  if (f.format !== undefined && !FORMATS.includes(f.format as TraceFormat)) {
    throw new UsageError(`--format: unknown format '${f.format}'; valid: ${FORMATS.join(', ')}`)
  }
  const seed = parseNonNegativeInt('--seed', f.seed)
  const rateScale = parsePositive('--rate-scale', f.rateScale)
  const requests = f.requests ? parsePositiveInt('--requests', f.requests) : undefined
  const spec = f.fleet ? await loadFleetFile(f.fleet) : shorthandFleet(f)
  const plans = planFleet(spec, f.fleet ?? '--gpu/--model/--tp')
  const slo = {
    ttft_s: f.sloTtft
      ? parsePositive('--slo-ttft', f.sloTtft)
      : (spec.slo?.ttft_s ?? DEFAULT_SLO.ttft_s),
    tpot_s: f.sloTpot
      ? parsePositive('--slo-tpot', f.sloTpot)
      : (spec.slo?.tpot_s ?? DEFAULT_SLO.tpot_s),
  }
  const openOpts = {
    rateScale,
    seed,
    ...(f.format ? { format: f.format as TraceFormat } : {}),
    ...(requests !== undefined ? { requests } : {}),
  }
  // Open once up front so a bad path or format fails before any run starts.
  await openTrace(f.trace, openOpts)

  const runs: RunDetail[] = []
  for (const choice of choices) {
    const label = choiceLabel(choice)
    const source = await openTrace(f.trace, openOpts)
    const total = source.size ?? requests
    const progress = createProgress({
      label: choices.length > 1 ? `simulate ${label}` : 'simulate',
      stream: process.stderr,
      enabled: Boolean(process.stderr.isTTY) && !f.quiet,
      clock: () => performance.now(),
      ...(total !== undefined ? { total } : {}),
    })
    try {
      const { router, hooks } = resolveChoice(choice)
      runs.push(
        await simulate(plans, source, {
          seed,
          slo,
          router,
          hooks,
          label: { policy: label, admission: choice.admission, kv: choice.kv },
          onProgress: (n, t) => progress.update(n, `t=${Math.round(t)}s`),
        }),
      )
    } finally {
      progress.finish()
    }
  }

  const summaries = runs.map((r) => r.summary)
  if (f.json) {
    const out = f.compare ? summaries : summaries[0]
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
  } else {
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR
    process.stdout.write(`${formatSummaryTable(summaries, { color })}\n`)
    process.stdout.write(`${formatRunFooter(summaries)}\n`)
  }
  if (f.report) {
    const path = await writeReport(f.report, runs, {
      title: `Flotilla simulation: ${summaries[0]?.trace ?? ''}`,
      generatedBy: `flotilla ${VERSION}`,
      command: ['flotilla', ...argv].join(' '),
    })
    process.stderr.write(`report: ${path}\n`)
  }
  return 0
}

/** simulateCommand builds the commander command; `done` receives the exit code. */
export function simulateCommand(done: (run: () => Promise<number>) => void): Command {
  return new Command('simulate')
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
    .option('--fleet <file.yaml>', 'fleet file (instance groups, engine settings, SLO, prices)')
    .option('--gpu <id>', `GPU for a homogeneous fleet (${gpuIds.join(', ')})`, 'h100-80g')
    .option('--model <id>', `model (${modelIds.join(', ')})`, 'llama-3.1-8b')
    .option('--tp <n>', 'tensor-parallel GPUs per instance', '1')
    .option('--instances <n>', 'number of instances', '4')
    .option(
      '--dtype <dtype>',
      `weights, activations and KV precision (${dtypes.join(', ')})`,
      'bf16',
    )
    .option('--router <name>', `routing policy (${routerNames.join(', ')})`, 'least-outstanding')
    .option(
      '--admission <name>',
      `admission and in-engine scheduling (${admissionNames.join(', ')})`,
      'fcfs',
    )
    .option('--kv <name>', `KV-cache retention (${kvNames.join(', ')})`, 'lru')
    .option(
      '--compare <a,b,...>',
      'run several policies on identical arrivals: router names, or kind=name (admission=, kv=)',
    )
    .option('--slo-ttft <s>', `TTFT SLO in seconds (default ${DEFAULT_SLO.ttft_s})`)
    .option('--slo-tpot <s>', `TPOT SLO in seconds (default ${DEFAULT_SLO.tpot_s})`)
    .option('--requests <n>', 'replay only the first n requests')
    .option('--rate-scale <x>', 'multiply the arrival rate by x (2 = twice as fast)', '1')
    .option('--seed <n>', 'random seed (routing, synthetic traces)', '1')
    .option('--max-num-seqs <n>', 'engine: max sequences per iteration (default 256)')
    .option('--max-num-batched-tokens <n>', 'engine: token budget per iteration (default 8192)')
    .option('--gpu-memory-utilization <f>', 'engine: share of GPU memory vLLM may use (0.9)')
    .option('--no-prefix-caching', 'engine: disable automatic prefix caching')
    .option('--json', 'print results as JSON (an array with --compare)')
    .option('--report <dir>', 'write a self-contained HTML report to dir/index.html')
    .option('--quiet', 'no progress bar')
    .action(function simulateAction(this: Command) {
      const flags = this.opts<SimulateFlags>()
      const shorthand = ['gpu', 'model', 'tp', 'instances', 'dtype'].filter(
        (k) => this.getOptionValueSource(k) === 'cli',
      )
      done(() => {
        if (flags.fleet && shorthand.length > 0) {
          const names = shorthand.map((k) => `--${k}`).join(', ')
          throw new UsageError(`--fleet describes the fleet; drop ${names} or drop --fleet`)
        }
        return runSimulate(flags, process.argv.slice(2))
      })
    })
}
