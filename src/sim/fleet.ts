/**
 * @module Fleet plans: instance groups (gpu × model × tp × count, engine settings, price) resolved
 * against the catalog into concrete instances with sized KV caches.
 */
import { type Dtype, getGpu, getModel } from '../catalog/index.js'
import { DEFAULT_ENGINE, type EngineConfig } from '../engine/config.js'
import { type Deployment, describeDeployment } from '../perf/deployment.js'
import { kvBudget } from '../perf/memory.js'
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
}

/** FleetSpec is a fleet: named groups and an optional SLO. */
export interface FleetSpec {
  readonly name: string
  readonly groups: ReadonlyArray<GroupSpec>
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
}

/**
 * planFleet resolves every group (`where` names the flag or file for errors) and sizes each
 * instance's KV cache as vLLM would at start-up.
 */
export function planFleet(spec: FleetSpec, where = 'fleet'): InstancePlan[] {
  const out: InstancePlan[] = []
  for (const g of spec.groups) {
    const at = `${where}: group '${g.name}'`
    const gpu = getGpu(g.gpu, `${at}: gpu`)
    const model = getModel(g.model, `${at}: model`)
    if (![1, 2, 4, 8].includes(g.tp)) throw new UsageError(`${at}: tp must be 1, 2, 4 or 8`)
    if (model.heads % g.tp !== 0) {
      throw new UsageError(`${at}: tp ${g.tp} does not divide ${model.id}'s ${model.heads} heads`)
    }
    if (!Number.isInteger(g.count) || g.count < 1) {
      throw new UsageError(`${at}: count must be a positive integer`)
    }
    const engine: EngineConfig = {
      ...DEFAULT_ENGINE,
      ...g.engine,
      maxModelLen: g.engine?.maxModelLen || model.maxContext,
    }
    const deployment: Deployment = { gpu, model, tp: g.tp, dtype: g.dtype }
    const kv = kvBudget(deployment, engine)
    if (kv.blocks < 1) {
      throw new UsageError(
        `${at}: ${describeDeployment(deployment)} leaves no memory for KV cache ` +
          `(weights ${(kv.weightBytesPerGpu / 1e9).toFixed(1)} GB per GPU); raise tp or use fp8`,
      )
    }
    // vLLM refuses to start when one max-length request cannot fit; we cap max_model_len instead
    // and let longer requests be rejected, so a too-long trace row is counted, not fatal.
    const capacityTokens = kv.blocks * engine.blockSize
    const resolved: EngineConfig = {
      ...engine,
      maxModelLen: Math.min(engine.maxModelLen, capacityTokens),
    }
    for (let i = 0; i < g.count; i++) {
      out.push({
        name: `${g.name}-${i}`,
        group: g.name,
        deployment,
        engine: resolved,
        numBlocks: kv.blocks,
        pricePerGpuHour: g.pricePerGpuHour ?? gpu.pricePerHour,
      })
    }
  }
  if (out.length === 0) throw new UsageError(`${where}: the fleet has no instances`)
  return out
}

/** describeFleet is a one-line label, e.g. "4× llama-3.1-8b@h100-80g×1 bf16". */
export function describeFleet(plans: ReadonlyArray<InstancePlan>): string {
  const parts: string[] = []
  let i = 0
  while (i < plans.length) {
    const label = describeDeployment(plans[i]!.deployment)
    let j = i
    while (j < plans.length && describeDeployment(plans[j]!.deployment) === label) j++
    parts.push(`${j - i}× ${label}`)
    i = j
  }
  return parts.join(' + ')
}
