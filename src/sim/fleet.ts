/**
 * @module Fleet plans: instance groups (gpu × model × tp × count, engine settings, price) resolved
 * against the catalog into concrete instances with sized KV caches.
 */
import type { Dtype } from '../catalog/index.js'
import type { EngineConfig } from '../engine/config.js'
import { resolveDeployment, sizeInstance } from '../engine/sizing.js'
import { type Deployment, describeDeployment } from '../perf/deployment.js'
import type { KvLinkKind } from '../perf/kv-transfer.js'
import { UsageError } from '../util/errors.js'

/** GroupSpec is one homogeneous group of instances as the user writes it. */
export interface GroupSpec {
  readonly name: string
  readonly gpu: string
  readonly model: string
  readonly tp: number
  readonly count: number
  readonly dtype: Dtype
  readonly engine?: Partial<EngineConfig>
  /** Override of the catalog's list price, USD per GPU-hour. */
  readonly pricePerGpuHour?: number
  /**
   * What the group's instances do: `mixed` (default) serves whole requests with chunked prefill;
   * `prefill` and `decode` split them, DistServe-style (prefill makes the first token, then the
   * KV moves to a decode instance).
   */
  readonly role?: InstanceRole
  /** Bounds and cold-start settings used when a scaler runs (ignored otherwise). */
  readonly autoscale?: GroupAutoscale
}

/**
 * GroupAutoscale bounds an autoscaled group and says how its replicas start. Every field is
 * optional; the simulator's defaults (sim/autoscaler.ts) follow Knative: min-scale 0,
 * initial-scale 1, max-scale the group's `count`.
 */
export interface GroupAutoscale {
  readonly min?: number
  readonly max?: number
  /** Replicas ready when the trace starts. */
  readonly initial?: number
  /**
   * Requests one replica serves at once, the target scalers divide by (Knative's
   * containerConcurrency; default the engine's max_num_seqs). KServe users set it explicitly.
   */
  readonly containerConcurrency?: number
  /** Seconds to allocate a node and pull the image before the weights load. */
  readonly provisionSeconds?: number
  /** Storage read bandwidth per GPU, GB/s (1e9 bytes). */
  readonly storageGbps?: number
  /** LoRA adapters each replica loads at start. */
  readonly loras?: number
  /** Requests the activator holds while no replica is ready (arrival pool only). */
  readonly activatorCapacity?: number
}

/** InstanceRole is an instance's part in prefill/decode disaggregation. */
export type InstanceRole = 'mixed' | 'prefill' | 'decode'

/** KvTransferSpec is how KV moves from prefill to decode instances (and in migrations). */
export interface KvTransferSpec {
  readonly link: KvLinkKind
  /** Per-GPU bandwidth override, Gb/s. */
  readonly bandwidthGbps?: number
  /** Per-transfer setup latency override, seconds. */
  readonly latencyS?: number
}

/** FleetSpec is a fleet: named groups and an optional SLO. */
export interface FleetSpec {
  readonly name: string
  readonly groups: ReadonlyArray<GroupSpec>
  /** KV transfer link for P/D handoffs and migrations (default: RDMA across nodes). */
  readonly kvTransfer?: KvTransferSpec
  readonly slo?: { readonly ttft_s?: number | undefined; readonly tpot_s?: number | undefined }
}

/** InstancePlan is one concrete instance to simulate. */
export interface InstancePlan {
  readonly name: string
  readonly group: string
  readonly deployment: Deployment
  readonly engine: EngineConfig
  readonly numBlocks: number
  readonly pricePerGpuHour: number
  readonly role: InstanceRole
  /** The group's autoscaling block, when it has one. */
  readonly autoscale?: GroupAutoscale
}

/**
 * planFleet resolves every group (`where` names the flag or file for errors) and sizes each
 * instance's KV cache as vLLM would at start-up (engine/sizing.ts).
 */
export function planFleet(spec: FleetSpec, where = 'fleet'): InstancePlan[] {
  const out: InstancePlan[] = []
  for (const g of spec.groups) {
    const at = `${where}: group '${g.name}'`
    const deployment = resolveDeployment(g, at)
    if (!Number.isInteger(g.count) || g.count < 1) {
      throw new UsageError(`${at}: count must be a positive integer`)
    }
    if (g.autoscale) checkAutoscale(g.autoscale, g.count, `${at}: autoscale`)
    const sized = sizeInstance(deployment, g.engine, at)
    for (let i = 0; i < g.count; i++) {
      out.push({
        name: `${g.name}-${i}`,
        group: g.name,
        deployment,
        engine: sized.engine,
        numBlocks: sized.numBlocks,
        pricePerGpuHour: g.pricePerGpuHour ?? deployment.gpu.pricePerHour,
        role: g.role ?? 'mixed',
        ...(g.autoscale ? { autoscale: g.autoscale } : {}),
      })
    }
  }
  if (out.length === 0) throw new UsageError(`${where}: the fleet has no instances`)
  const prefill = out.filter((p) => p.role === 'prefill')
  const decode = out.filter((p) => p.role === 'decode')
  if (prefill.length > 0 && decode.length === 0) {
    throw new UsageError(`${where}: prefill instances need at least one decode instance`)
  }
  if (decode.length > 0 && prefill.length === 0) {
    throw new UsageError(`${where}: decode instances need at least one prefill instance`)
  }
  const models = new Set(out.map((p) => p.deployment.model.id))
  if (prefill.length > 0 && models.size > 1) {
    throw new UsageError(`${where}: prefill/decode fleets must serve one model`)
  }
  return out
}

/** checkAutoscale rejects bounds no replica count can meet (`count` is max's default). */
function checkAutoscale(a: GroupAutoscale, count: number, at: string): void {
  const int = (key: keyof GroupAutoscale, least: number): void => {
    const v = a[key]
    if (v !== undefined && (!Number.isInteger(v) || v < least)) {
      throw new UsageError(`${at}: ${key} must be an integer >= ${least}`)
    }
  }
  int('min', 0)
  int('max', 1)
  int('initial', 0)
  int('containerConcurrency', 1)
  int('loras', 0)
  int('activatorCapacity', 0)
  const max = a.max ?? count
  const min = a.min ?? 0
  if (min > max) throw new UsageError(`${at}: min ${min} exceeds max ${max}`)
  if (a.initial !== undefined && (a.initial < min || a.initial > max)) {
    throw new UsageError(`${at}: initial ${a.initial} is outside [${min}, ${max}]`)
  }
  if (a.provisionSeconds !== undefined && !(a.provisionSeconds >= 0)) {
    throw new UsageError(`${at}: provisionSeconds must be >= 0`)
  }
  if (a.storageGbps !== undefined && !(a.storageGbps > 0)) {
    throw new UsageError(`${at}: storageGbps must be > 0`)
  }
}

/** describeFleet is a one-line label, e.g. "4× llama-3.1-8b@h100-80g×1 bf16". */
export function describeFleet(plans: ReadonlyArray<InstancePlan>): string {
  const parts: string[] = []
  let i = 0
  while (i < plans.length) {
    const label = describeDeployment(plans[i]!.deployment)
    let j = i
    while (
      j < plans.length &&
      describeDeployment(plans[j]!.deployment) === label &&
      plans[j]!.role === plans[i]!.role
    )
      j++
    const role = plans[i]!.role === 'mixed' ? '' : ` (${plans[i]!.role})`
    parts.push(`${j - i}× ${label}${role}`)
    i = j
  }
  return parts.join(' + ')
}
