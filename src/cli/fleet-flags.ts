/**
 * @module The fleet and SLO flags `simulate` and `sweep` share: either `--fleet FILE.yaml` or the
 * shorthand of one homogeneous group (`--gpu/--model/--tp/--instances/--dtype` plus vLLM's engine
 * knobs), and `--slo-ttft/--slo-tpot` over the fleet file's SLO over the default.
 */
import type { Command } from 'commander'
import { dtypes, getGpu, getModel, gpuIds, modelIds, parseDtype } from '../catalog/index.js'
import type { EngineConfig } from '../engine/config.js'
import { KV_LINK_KINDS, type KvLinkKind } from '../perf/kv-transfer.js'
import { type FleetSpec, type InstancePlan, planFleet } from '../sim/fleet.js'
import { loadFleetFile } from '../sim/fleet-config.js'
import type { Slo } from '../sim/metrics.js'
import { UsageError } from '../util/errors.js'
import { parseFraction, parsePositive, parsePositiveInt } from './args.js'

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
  const loaded = f.fleet ? await loadFleetFile(f.fleet) : shorthandFleet(f)
  const spec: FleetSpec = f.kvLink
    ? { ...loaded, kvTransfer: { ...loaded.kvTransfer, link: f.kvLink as KvLinkKind } }
    : loaded
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
