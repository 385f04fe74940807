/**
 * @module The function-trace branch of `flotilla simulate`: a trace of serverless function
 * invocations (the Alibaba GenTD26 sample, or `synthetic:...,service=S`) runs through the function
 * simulator, once per scaler, and prints its own table or JSON. The scaling flags are the ones
 * the LLM fleet uses (`--scaler`, `--min/max/initial-replicas`, `--container-concurrency`,
 * `--activator-capacity`, `--provision-s`, `--storage-gbps`); this adds the function-only ones.
 */
import type { Command } from 'commander'
import { getGpu } from '../catalog/index.js'
import { DEFAULT_CHOICE, type PolicyChoice } from '../policy/choice.js'
import { createScaler, scalerLabel } from '../policy/scaler/registry.js'
import { writeFunctionReport } from '../report/function-report.js'
import { formatFunctionTable } from '../report/function-table.js'
import {
  DEFAULT_ACTIVATOR_CAPACITY,
  DEFAULT_FUNCTION_COLD_START,
  DEFAULT_FUNCTION_GPU,
  DEFAULT_SLO_WAIT_SECONDS,
} from '../sim/functions/defaults.js'
import type { FunctionRunDetail } from '../sim/functions/result.js'
import {
  FUNCTION_KEYS,
  type FunctionKey,
  type FunctionScaler,
  type FunctionSimOptions,
  simulateFunctions,
} from '../sim/functions/simulate.js'
import { type OpenOptions, openTrace } from '../trace/open.js'
import { UsageError } from '../util/errors.js'
import { parseNonNegative, parseNonNegativeInt, parsePositive, parsePositiveInt } from './args.js'
import { emitRuns, type OnProgress, withProgress } from './run-output.js'

/** FunctionFlags are the raw flag values the function branch reads (commander's camelCase). */
export interface FunctionFlags {
  trace: string
  gpu: string
  instances: string
  scaler?: string
  minReplicas?: string
  maxReplicas?: string
  initialReplicas?: string
  containerConcurrency?: string
  activatorCapacity?: string
  provisionS?: string
  storageGbps?: string
  sloWait?: string
  functionGb?: string
  functionKey?: string
  adapterGb?: string
  targetBurstCapacity?: string
  fleet?: string
  pd?: string
  priorityShare?: string
  json?: boolean
  report?: string
  quiet?: boolean
}

/** FunctionRunContext is what `simulate` has settled before it knows the trace's kind. */
export interface FunctionRunContext {
  /** The runs to make: one per --compare item. */
  readonly choices: ReadonlyArray<PolicyChoice>
  readonly compare: boolean
  readonly open: OpenOptions
  readonly seed: number
  /** Shorthand fleet flags typed on the command line (`--gpu`, `--instances`, ...). */
  readonly shorthand: ReadonlyArray<string>
  /** The command line after `flotilla`, shown in a report. */
  readonly argv?: ReadonlyArray<string>
}

/**
 * addFunctionOptions adds the function-only flags, and any scaling flag the shared fleet flags
 * do not already define (so the two can land in either order).
 */
export function addFunctionOptions(cmd: Command): Command {
  const once = (flags: string, help: string): void => {
    const long = flags.split(' ')[0]
    if (!cmd.options.some((o) => o.long === long)) cmd.option(flags, help)
  }
  once(
    '--slo-wait <s>',
    `function traces: SLO on the wait before a job starts, seconds (default ${DEFAULT_SLO_WAIT_SECONDS})`,
  )
  once(
    '--function-gb <gb>',
    `function traces: weights each replica loads at a cold start, GB (default ${DEFAULT_FUNCTION_COLD_START.weightBytes / 1e9}, SDXL fp16)`,
  )
  once(
    '--function-key <key>',
    'function traces: one service for the trace (none) or one per base model (model); default none',
  )
  once(
    '--adapter-gb <gb>',
    "function traces: per-LoRA load added to a request's work (default 0: in the trace's exec time)",
  )
  once(
    '--target-burst-capacity <n>',
    'function traces: Knative target-burst-capacity; 0 (default): activator only at zero, ' +
      'requests queue at replicas; -1: activator always in path (Knative default 200)',
  )
  once('--container-concurrency <n>', 'requests one replica serves at once (functions: 1)')
  once(
    '--activator-capacity <n>',
    `requests held while no replica is ready; more are refused (default ${DEFAULT_ACTIVATOR_CAPACITY})`,
  )
  cmd.addHelpText(
    'after',
    '\nFunction traces (--trace alibaba, synthetic:...,service=S) run the function simulator:\n' +
      `one GPU per replica (--gpu, default ${DEFAULT_FUNCTION_GPU}), --container-concurrency default 1,\n` +
      'a fixed --instances per service with --scaler none; compare with --compare scaler=a,scaler=b.',
  )
  return cmd
}

/**
 * runFunctionSimulate runs a function trace once per choice and prints the table or JSON;
 * returns the exit code. Flags that describe an LLM fleet are refused rather than ignored.
 */
export async function runFunctionSimulate(
  f: FunctionFlags,
  ctx: FunctionRunContext,
): Promise<number> {
  if (f.fleet !== undefined || f.pd !== undefined) {
    throw new UsageError(
      `${f.fleet !== undefined ? '--fleet' : '--pd'} describes an LLM fleet; a function trace ` +
        'takes --gpu, --instances and the --scaler flags',
    )
  }
  if (f.priorityShare !== undefined) {
    throw new UsageError('--priority-share applies to LLM traces, not to a function trace')
  }
  for (const c of ctx.choices) {
    if (c.router !== DEFAULT_CHOICE.router || c.admission !== 'fcfs' || c.kv !== 'lru') {
      throw new UsageError(
        'a function trace runs the least-outstanding router with no admission or KV policy; ' +
          '--compare scalers instead (scaler=kpa,scaler=hpa)',
      )
    }
  }
  const base = functionOptions(f, ctx)
  const runs: FunctionRunDetail[] = []
  for (const choice of ctx.choices) {
    const scaler = functionScaler(choice.scaler ?? f.scaler)
    const source = await openTrace(f.trace, ctx.open)
    const label = ctx.choices.length > 1 ? `simulate ${scaler?.label ?? 'fixed'}` : 'simulate'
    const run = (onProgress: OnProgress) =>
      simulateFunctions(source, { ...base, ...(scaler ? { scaler } : {}), onProgress })
    runs.push(await withProgress(label, source.size, f.quiet, run))
  }
  await emitRuns(runs, {
    json: f.json,
    compare: ctx.compare,
    report: f.report,
    argv: ctx.argv ?? [],
    table: (summaries, color) => formatFunctionTable(summaries, { color }),
    writeReport: writeFunctionReport,
  })
  return 0
}

/** TOKEN_SCALERS scale on output tokens/s (ScaleSample.outputTokens, always 0 for functions). */
export const TOKEN_SCALERS: ReadonlyArray<string> = ['heteroscale']

/** functionScaler turns a scaler spec into a per-service factory; undefined for 'none'. */
function functionScaler(spec: string | undefined): FunctionScaler | undefined {
  if (spec === undefined || spec === 'none') return undefined
  const scaler = createScaler(spec) // a bad spec fails before any run
  if (TOKEN_SCALERS.includes(scaler.name)) {
    throw new UsageError(
      `--scaler ${spec}: ${scaler.name} scales on decode tokens/s, which a function trace does not produce`,
    )
  }
  return { label: scalerLabel(spec), create: () => createScaler(spec) }
}

/**
 * functionOptions reads the flags into simulator options (simulate and sweep); bad values name
 * their flag.
 */
export function functionOptions(f: FunctionFlags, ctx: FunctionRunContext): FunctionSimOptions {
  const gpuGiven = ctx.shorthand.includes('--gpu')
  const gpu = getGpu(gpuGiven ? f.gpu : DEFAULT_FUNCTION_GPU, '--gpu')
  const instances = parsePositiveInt('--instances', f.instances)
  const key = f.functionKey ?? 'none'
  if (!(FUNCTION_KEYS as ReadonlyArray<string>).includes(key)) {
    throw new UsageError(`--function-key: expected ${FUNCTION_KEYS.join('|')}, got '${key}'`)
  }
  const min = opt(f.minReplicas, (v) => parseNonNegativeInt('--min-replicas', v))
  // Knative's max-scale has no default bound; here it defaults to --instances, as for LLM fleets.
  const max = opt(f.maxReplicas, (v) => parsePositiveInt('--max-replicas', v)) ?? instances
  const initial = opt(f.initialReplicas, (v) => parseNonNegativeInt('--initial-replicas', v))
  if (min !== undefined && min > max) {
    throw new UsageError(`--min-replicas ${min} exceeds --max-replicas ${max}`)
  }
  if (initial !== undefined && (initial < (min ?? 0) || initial > max)) {
    throw new UsageError(
      `--initial-replicas ${initial} is outside --min-replicas..--max-replicas (${min ?? 0}..${max})`,
    )
  }
  const cc = opt(f.containerConcurrency, (v) => parsePositiveInt('--container-concurrency', v))
  const capacity = opt(f.activatorCapacity, (v) => parseNonNegativeInt('--activator-capacity', v))
  const slo = opt(f.sloWait, (v) => parseNonNegative('--slo-wait', v))
  const weightGb = opt(f.functionGb, (v) => parsePositive('--function-gb', v))
  const adapterGb = opt(f.adapterGb, (v) => parseNonNegative('--adapter-gb', v))
  const provision = opt(f.provisionS, (v) => parseNonNegative('--provision-s', v))
  const storageGbps = opt(f.storageGbps, (v) => parsePositive('--storage-gbps', v))
  const tbc = opt(f.targetBurstCapacity, (v) => {
    const x = Number(v)
    if (v.trim() === '' || !(x === -1 || (Number.isFinite(x) && x >= 0))) {
      throw new UsageError(`--target-burst-capacity: expected -1 or a number >= 0, got '${v}'`)
    }
    return x
  })
  return {
    seed: ctx.seed,
    gpu,
    instances,
    maxReplicas: max,
    functionKey: key as FunctionKey,
    coldStart: {
      ...(weightGb !== undefined ? { weightBytes: weightGb * 1e9 } : {}),
      ...(provision !== undefined ? { provisionSeconds: provision } : {}),
      ...(storageGbps !== undefined ? { storageBandwidth: storageGbps * 1e9 } : {}),
    },
    ...(min !== undefined ? { minReplicas: min } : {}),
    ...(initial !== undefined ? { initialReplicas: initial } : {}),
    ...(cc !== undefined ? { containerConcurrency: cc } : {}),
    ...(capacity !== undefined ? { activatorCapacity: capacity } : {}),
    ...(tbc !== undefined ? { targetBurstCapacity: tbc } : {}),
    ...(slo !== undefined ? { sloWaitSeconds: slo } : {}),
    ...(adapterGb !== undefined ? { adapterBytes: adapterGb * 1e9 } : {}),
  }
}

function opt<T>(raw: string | undefined, parse: (v: string) => T): T | undefined {
  return raw === undefined ? undefined : parse(raw)
}
