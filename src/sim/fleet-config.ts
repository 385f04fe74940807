/**
 * @module Fleet files: YAML validated with a schema at the edge; every error names the file, the
 * line and the key.
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { dtypes } from '../catalog/index.js'
import { KV_LINK_KINDS } from '../perf/kv-transfer.js'
import { UsageError } from '../util/errors.js'
import { parseYamlWithSchema } from '../util/yaml-schema.js'
import type { FleetSpec, GroupAutoscale, GroupSpec, KvTransferSpec } from './fleet.js'

const positiveInt = z.number().int().positive()

const engineSchema = z
  .object({
    max_num_seqs: positiveInt,
    max_num_batched_tokens: positiveInt,
    block_size: z.union([z.literal(8), z.literal(16), z.literal(32)]),
    enable_prefix_caching: z.boolean(),
    max_model_len: positiveInt,
    long_prefill_token_threshold: z.number().int().nonnegative(),
    gpu_memory_utilization: z.number().gt(0).max(1),
  })
  .partial()
  .strict()

/** autoscaleSchema is a group's `autoscale:` block (used when a scaler runs). */
const autoscaleSchema = z
  .object({
    min: z.number().int().nonnegative(),
    max: positiveInt,
    initial: z.number().int().nonnegative(),
    container_concurrency: positiveInt,
    provision_s: z.number().nonnegative(),
    storage_gbps: z.number().positive(),
    loras: z.number().int().nonnegative(),
    activator_capacity: z.number().int().nonnegative(),
  })
  .partial()
  .strict()

const groupSchema = z
  .object({
    name: z.string().min(1).optional(),
    gpu: z.string(),
    model: z.string(),
    tp: positiveInt.default(1),
    count: positiveInt.default(1),
    dtype: z.enum(dtypes as [string, ...string[]]).default('bf16'),
    price_per_gpu_hour: z.number().nonnegative().optional(),
    engine: engineSchema.optional(),
    role: z.enum(['mixed', 'prefill', 'decode']).optional(),
    autoscale: autoscaleSchema.optional(),
  })
  .strict()
  .superRefine((g, ctx) => {
    const a = g.autoscale
    if (!a) return
    // max defaults to the group's count, as --max-replicas defaults to --instances.
    const max = a.max ?? g.count
    const min = a.min ?? 0
    if (min > max) {
      ctx.addIssue({ code: 'custom', path: ['autoscale', 'min'], message: `exceeds max ${max}` })
    } else if (a.initial !== undefined && (a.initial < min || a.initial > max)) {
      ctx.addIssue({
        code: 'custom',
        path: ['autoscale', 'initial'],
        message: `must be within [min, max] = [${min}, ${max}]`,
      })
    }
  })

const fleetSchema = z
  .object({
    name: z.string().min(1).optional(),
    slo: z
      .object({ ttft_s: z.number().positive(), tpot_s: z.number().positive() })
      .partial()
      .strict()
      .optional(),
    groups: z.array(groupSchema).min(1),
    kv_transfer: z
      .object({
        link: z.enum(KV_LINK_KINDS as [string, ...string[]]),
        bandwidth_gbps: z.number().positive().optional(),
        latency_ms: z.number().nonnegative().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()

type EngineYaml = z.infer<typeof engineSchema>
type AutoscaleYaml = z.infer<typeof autoscaleSchema>

function autoscaleFromYaml(a: AutoscaleYaml | undefined): GroupAutoscale | undefined {
  if (!a) return undefined
  return {
    ...(a.min !== undefined ? { min: a.min } : {}),
    ...(a.max !== undefined ? { max: a.max } : {}),
    ...(a.initial !== undefined ? { initial: a.initial } : {}),
    ...(a.container_concurrency !== undefined
      ? { containerConcurrency: a.container_concurrency }
      : {}),
    ...(a.provision_s !== undefined ? { provisionSeconds: a.provision_s } : {}),
    ...(a.storage_gbps !== undefined ? { storageGbps: a.storage_gbps } : {}),
    ...(a.loras !== undefined ? { loras: a.loras } : {}),
    ...(a.activator_capacity !== undefined ? { activatorCapacity: a.activator_capacity } : {}),
  }
}

function engineFromYaml(e: EngineYaml | undefined): GroupSpec['engine'] {
  if (!e) return undefined
  const out: Record<string, unknown> = {}
  if (e.max_num_seqs !== undefined) out.maxNumSeqs = e.max_num_seqs
  if (e.max_num_batched_tokens !== undefined) out.maxNumBatchedTokens = e.max_num_batched_tokens
  if (e.block_size !== undefined) out.blockSize = e.block_size
  if (e.enable_prefix_caching !== undefined) out.enablePrefixCaching = e.enable_prefix_caching
  if (e.max_model_len !== undefined) out.maxModelLen = e.max_model_len
  if (e.long_prefill_token_threshold !== undefined) {
    out.longPrefillTokenThreshold = e.long_prefill_token_threshold
  }
  if (e.gpu_memory_utilization !== undefined) out.gpuMemoryUtilization = e.gpu_memory_utilization
  return out as GroupSpec['engine']
}

/** parseFleetYaml validates fleet YAML text; `file` names the source in errors. */
export function parseFleetYaml(text: string, file: string): FleetSpec {
  const f = parseYamlWithSchema(fleetSchema, text, file)
  const groups: GroupSpec[] = f.groups.map((g, i) => {
    const engine = engineFromYaml(g.engine)
    const autoscale = autoscaleFromYaml(g.autoscale)
    return {
      name: g.name ?? `group${i}`,
      gpu: g.gpu,
      model: g.model,
      tp: g.tp,
      count: g.count,
      dtype: g.dtype as GroupSpec['dtype'],
      ...(engine ? { engine } : {}),
      ...(g.price_per_gpu_hour !== undefined ? { pricePerGpuHour: g.price_per_gpu_hour } : {}),
      ...(g.role ? { role: g.role } : {}),
      ...(autoscale ? { autoscale } : {}),
    }
  })
  const name = f.name ?? file.replace(/^.*\//, '').replace(/\.ya?ml$/, '')
  const t = f.kv_transfer
  const kvTransfer: KvTransferSpec | undefined = t
    ? {
        link: t.link as KvTransferSpec['link'],
        ...(t.bandwidth_gbps !== undefined ? { bandwidthGbps: t.bandwidth_gbps } : {}),
        ...(t.latency_ms !== undefined ? { latencyS: t.latency_ms / 1000 } : {}),
      }
    : undefined
  return { name, groups, ...(f.slo ? { slo: f.slo } : {}), ...(kvTransfer ? { kvTransfer } : {}) }
}

/** loadFleetFile reads and validates a fleet YAML file. */
export async function loadFleetFile(file: string): Promise<FleetSpec> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new UsageError(`--fleet: cannot read ${file} (${code ?? 'error'})`)
  }
  return parseFleetYaml(text, file)
}
