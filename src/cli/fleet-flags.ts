/**
 * @module The fleet and SLO flags `simulate` and `sweep` share: either `--fleet FILE.yaml` or the
 * shorthand of one homogeneous group (`--gpu/--model/--tp/--instances/--dtype` plus vLLM's engine
 * knobs), `--slo-ttft/--slo-tpot` over the fleet file's SLO over the default, and the autoscaling
 * flags (`--scaler` and the replica bounds and cold-start terms, over the file's `autoscale:`).
 */
import type { Command } from 'commander'
import { dtypes, getGpu, getModel, gpuIds, modelIds, parseDtype } from '../catalog/index.js'
import type { EngineConfig } from '../engine/config.js'
import { DEFAULT_COLD_START } from '../perf/cold-start.js'
import { KV_LINK_KINDS, type KvLinkKind } from '../perf/kv-transfer.js'
import { type FleetSpec, type GroupAutoscale, type InstancePlan, planFleet } from '../sim/fleet.js'
import { loadFleetFile } from '../sim/fleet-config.js'
import type { Slo } from '../sim/metrics.js'
import { DEFAULT_ACTIVATOR_CAPACITY } from '../sim/scaled-fleet.js'
import { UsageError } from '../util/errors.js'
import {
  parseFraction,
  parseNonNegative,
  parseNonNegativeInt,
  parsePositive,
  parsePositiveInt,
} from './args.js'

/** DEFAULT_SLO: 2 s TTFT and 100 ms TPOT, a common interactive-chat target. */
export const DEFAULT_SLO: Slo = { ttft_s: 2, tpot_s: 0.1 }

/** FleetFlags are the raw values of the shared flags, as commander hands them over. */
export interface FleetFlags {
  fleet?: string
  gpu: string
  model: string
  tp: string
  instances: string
  dtype: string
  maxNumSeqs?: string
  maxNumBatchedTokens?: string
  gpuMemoryUtilization?: string
  prefixCaching: boolean
  sloTtft?: string
  sloTpot?: string
  pd?: string
  kvLink?: string
  /** Scaler spec (`kpa`, `kpa:util=0.5`) or 'none' for a fixed fleet. */
  scaler: string
  minReplicas?: string
  maxReplicas?: string
  initialReplicas?: string
  containerConcurrency?: string
  provisionS?: string
  storageGbps?: string
  coldStartLoras?: string
  activatorCapacity?: string
}

/** SHORTHAND are the option names that describe the fleet without a file. */
const SHORTHAND = ['gpu', 'model', 'tp', 'instances', 'dtype'] as const

/** addFleetOptions adds the fleet, engine and SLO flags to `cmd` and returns it. */
export function addFleetOptions(cmd: Command): Command {
  return cmd
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
    .option('--max-num-seqs <n>', 'engine: max sequences per iteration (default 256)')
    .option('--max-num-batched-tokens <n>', 'engine: token budget per iteration (default 8192)')
    .option('--gpu-memory-utilization <f>', 'engine: share of GPU memory vLLM may use (0.9)')
    .option('--no-prefix-caching', 'engine: disable automatic prefix caching')
    .option(
      '--pd <P:D>',
      'prefill/decode disaggregation of the shorthand fleet: P prefill and D decode instances',
    )
    .option(
      '--kv-link <kind>',
      `link KV moves over between instances (${KV_LINK_KINDS.join(', ')}; default rdma)`,
    )
    .option('--slo-ttft <s>', `TTFT SLO in seconds (default ${DEFAULT_SLO.ttft_s})`)
    .option('--slo-tpot <s>', `TPOT SLO in seconds (default ${DEFAULT_SLO.tpot_s})`)
    .option(
      '--scaler <spec>',
      'autoscaler, options after colons (kpa, kpa:util=0.5, hpa, predictive, q-learning, ' +
        'heteroscale; see `flotilla policies`), or none for a fixed fleet',
      'none',
    )
    .option('--min-replicas <n>', 'autoscaling: fewest replicas per pool (default 0, min-scale)')
    .option('--max-replicas <n>', 'autoscaling: most replicas per pool (default: --instances)')
    .option(
      '--initial-replicas <n>',
      'autoscaling: replicas ready when the trace starts (default 1, initial-scale)',
    )
    .option(
      '--container-concurrency <n>',
      "autoscaling: requests one replica serves at once, the scaler's target (default: the " +
        "engine's --max-num-seqs, which saturates it; KServe users set the target explicitly)",
    )
    .option(
      '--provision-s <s>',
      'cold start: seconds to allocate a node and pull the image (default 0: node in the pool)',
    )
    .option(
      '--storage-gbps <x>',
      `cold start: weight read bandwidth per GPU, GB/s (default ${DEFAULT_COLD_START.storageBandwidth / 1e9}, one NVMe SSD)`,
    )
    .option('--cold-start-loras <n>', 'cold start: LoRA adapters each replica loads (default 0)')
    .option(
      '--activator-capacity <n>',
      `requests held while no replica is ready; more are refused (default ${DEFAULT_ACTIVATOR_CAPACITY})`,
    )
}

/** shorthandGiven lists the shorthand fleet flags typed on the command line (not defaults). */
export function shorthandGiven(cmd: Command): string[] {
  return SHORTHAND.filter((k) => cmd.getOptionValueSource(k) === 'cli').map((k) => `--${k}`)
}

/** ResolvedFleet is the fleet as data (for worker threads), its plans, and the SLO. */
export interface ResolvedFleet {
  readonly spec: FleetSpec
  /** Where the fleet came from, for planFleet's errors: the file or the shorthand flags. */
  readonly where: string
  readonly plans: InstancePlan[]
  readonly slo: Slo
}

/**
 * resolveFleet loads or builds the fleet, plans it (so a bad fleet fails before any run) and
 * settles the SLO. `shorthand` is `shorthandGiven(cmd)`: those flags and `--fleet` conflict.
 */
export async function resolveFleet(
  f: FleetFlags,
  shorthand: ReadonlyArray<string>,
): Promise<ResolvedFleet> {
  if (f.fleet && shorthand.length > 0) {
    throw new UsageError(
      `--fleet describes the fleet; drop ${shorthand.join(', ')} or drop --fleet`,
    )
  }
  if (f.fleet && f.pd) {
    throw new UsageError('--pd splits the shorthand fleet; give roles in the fleet file instead')
  }
  if (f.pd && shorthand.includes('--instances')) {
    throw new UsageError('--pd P:D sets the instance count (P + D); drop --instances')
  }
  if (f.kvLink !== undefined && !(KV_LINK_KINDS as ReadonlyArray<string>).includes(f.kvLink)) {
    throw new UsageError(
      `--kv-link: unknown link '${f.kvLink}'; valid: ${KV_LINK_KINDS.join(', ')}`,
    )
  }
  const autoscale = autoscaleFlags(f)
  const loaded = f.fleet ? await loadFleetFile(f.fleet) : shorthandFleet(f)
  const linked: FleetSpec = f.kvLink
    ? { ...loaded, kvTransfer: { ...loaded.kvTransfer, link: f.kvLink as KvLinkKind } }
    : loaded
  // The flags override the file's per-group `autoscale:` values, as --kv-link overrides its link.
  const spec: FleetSpec = autoscale
    ? {
        ...linked,
        groups: linked.groups.map((g) => ({ ...g, autoscale: { ...g.autoscale, ...autoscale } })),
      }
    : linked
  const where = f.fleet ?? '--gpu/--model/--tp'
  const plans = planFleet(spec, where)
  const slo = {
    ttft_s: f.sloTtft
      ? parsePositive('--slo-ttft', f.sloTtft)
      : (spec.slo?.ttft_s ?? DEFAULT_SLO.ttft_s),
    tpot_s: f.sloTpot
      ? parsePositive('--slo-tpot', f.sloTpot)
      : (spec.slo?.tpot_s ?? DEFAULT_SLO.tpot_s),
  }
  return { spec, where, plans, slo }
}

/** autoscaleFlags reads the autoscaling flags given; undefined when none is. */
function autoscaleFlags(f: FleetFlags): GroupAutoscale | undefined {
  const out: { -readonly [K in keyof GroupAutoscale]: GroupAutoscale[K] } = {}
  const int = (flag: string, raw: string | undefined, least: number): number | undefined => {
    if (raw === undefined) return undefined
    return least > 0 ? parsePositiveInt(flag, raw) : parseNonNegativeInt(flag, raw)
  }
  const min = int('--min-replicas', f.minReplicas, 0)
  const max = int('--max-replicas', f.maxReplicas, 1)
  const initial = int('--initial-replicas', f.initialReplicas, 0)
  if (min !== undefined) out.min = min
  if (max !== undefined) out.max = max
  if (initial !== undefined) out.initial = initial
  if (min !== undefined && max !== undefined && min > max) {
    throw new UsageError(`--min-replicas ${min} exceeds --max-replicas ${max}`)
  }
  if (initial !== undefined && ((min ?? 0) > initial || (max ?? initial) < initial)) {
    throw new UsageError(
      `--initial-replicas ${initial} is outside --min-replicas..--max-replicas (${min ?? 0}..${max ?? '--instances'})`,
    )
  }
  const cc = int('--container-concurrency', f.containerConcurrency, 1)
  if (cc !== undefined) out.containerConcurrency = cc
  if (f.provisionS !== undefined)
    out.provisionSeconds = parseNonNegative('--provision-s', f.provisionS)
  if (f.storageGbps !== undefined) out.storageGbps = parsePositive('--storage-gbps', f.storageGbps)
  const loras = int('--cold-start-loras', f.coldStartLoras, 0)
  if (loras !== undefined) out.loras = loras
  const cap = int('--activator-capacity', f.activatorCapacity, 0)
  if (cap !== undefined) out.activatorCapacity = cap
  return Object.keys(out).length > 0 ? out : undefined
}

function shorthandFleet(f: FleetFlags): FleetSpec {
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
  const group = {
    name: gpu.id,
    gpu: gpu.id,
    model: model.id,
    tp,
    count: parsePositiveInt('--instances', f.instances),
    dtype: parseDtype(f.dtype),
    engine,
  }
  if (f.pd === undefined) return { name: 'cli', groups: [group] }
  const m = /^(\d+):(\d+)$/.exec(f.pd)
  const p = m ? Number(m[1]) : 0
  const d = m ? Number(m[2]) : 0
  if (p < 1 || d < 1)
    throw new UsageError(`--pd: expected P:D with P, D >= 1 (e.g. 2:6), got '${f.pd}'`)
  return {
    name: 'cli',
    groups: [
      { ...group, name: 'prefill', count: p, role: 'prefill' },
      { ...group, name: 'decode', count: d, role: 'decode' },
    ],
  }
}
