/**
 * @module The gateway's YAML config (`flotilla serve --config FILE.yaml`): DESIGN.md's minimal
 * form plus the knobs a production gateway needs, every one defaulted and validated here, at the
 * edge, so the gateway and its policies only ever see checked values.
 */
import { readFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { z } from 'zod'
import { dtypes, gpuIds, modelIds, models } from '../catalog/index.js'
import { DEFAULT_ENGINE } from '../engine/config.js'
import { GATEWAY_ADMISSIONS, isAdmissionName } from '../policy/admission/registry.js'
import { createRouterFromSpec, createRouterWith } from '../policy/registry.js'
import type { RoutingPolicy } from '../policy/types.js'
import { UsageError } from '../util/errors.js'
import { parseYamlWithSchema } from '../util/yaml-schema.js'
import { autoscaleSchema } from './autoscale/config.js'
import { BackendUrlError, parseBackendUrl } from './backend-url.js'

const positive = z.number().positive()
const positiveInt = z.number().int().positive()

/**
 * routerSchema is a router as the config names it: a spec (`least-outstanding`,
 * `weighted:prefix=1:queue=3`) or an object naming one router and its options
 * (`{ weighted: { prefix: 1, queue: 3 } }`, `{ llm-d: { kv_threshold: 0.9 } }`), checked by the
 * router registry's own option table (policy/router-options.ts), as the CLI's --router is.
 */
const routerSchema = z
  .union([
    z.string(),
    z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .refine((o) => Object.keys(o).length === 1, {
        message: 'name one router: { name: { option: value } }',
      }),
  ])
  .superRefine((r, ctx) => {
    try {
      routerFromConfig(r)
    } catch (err) {
      if (!(err instanceof UsageError)) throw err
      ctx.addIssue({ code: 'custom', message: err.message })
    }
  })

/** routerFromConfig builds the router a (validated) config names. */
export function routerFromConfig(r: RouterConfig): RoutingPolicy {
  if (typeof r === 'string') return createRouterFromSpec(r)
  const [name, options] = Object.entries(r)[0]!
  return createRouterWith(name, options)
}

/**
 * perfSchema declares a pool's hardware, so routers that predict latency (predicted-latency,
 * dualmap) see each backend's latency model (`InstanceView.perf`) instead of a queue-proportional
 * guess. Ids are the catalog's, as `flotilla simulate --gpu/--model/--tp/--dtype` take them; the
 * model defaults to the pool's, and the engine limits to vLLM's defaults.
 */
const perfSchema = z
  .object({
    gpu: z.string().refine((id) => gpuIds.includes(id), {
      message: `unknown GPU (valid: ${gpuIds.join(', ')})`,
    }),
    model: z
      .string()
      .refine((id) => modelIds.includes(id), {
        message: `unknown model (valid: ${modelIds.join(', ')})`,
      })
      .optional(),
    tp: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]).default(1),
    dtype: z.enum(dtypes).default('bf16'),
    max_num_batched_tokens: positiveInt.default(DEFAULT_ENGINE.maxNumBatchedTokens),
    max_num_seqs: positiveInt.default(DEFAULT_ENGINE.maxNumSeqs),
    block_size: positiveInt.default(DEFAULT_ENGINE.blockSize),
  })
  .strict()

/**
 * admissionSchema names the policy that orders each pool's queue. The in-engine policies
 * (past-future, laps, flowprefill) decide on KV blocks and prefill chunks that only an engine
 * sees, so the gateway refuses them rather than silently queueing FCFS.
 */
const admissionSchema = z.enum(GATEWAY_ADMISSIONS, {
  error: (iss) => {
    const name = String(iss.input)
    const valid = GATEWAY_ADMISSIONS.join(', ')
    return isAdmissionName(name)
      ? `admission '${name}' schedules inside an engine (KV blocks, prefill chunks) and cannot ` +
          `order the gateway queue; use ${valid}, or run it in the engines themselves`
      : `unknown admission policy '${name}' (valid in the gateway: ${valid})`
  },
})

/** backendUrl is checked by parseBackendUrl, whose error says why a URL cannot be used. */
const backendUrl = z.string().superRefine((raw, ctx) => {
  try {
    parseBackendUrl(raw)
  } catch (err) {
    if (!(err instanceof BackendUrlError)) throw err
    ctx.addIssue({ code: 'custom', message: err.message })
  }
})

/** canonicalUrl is a valid backend URL's canonical form, undefined for an invalid one. */
function canonicalUrl(raw: string): string | undefined {
  try {
    return parseBackendUrl(raw).url
  } catch {
    return undefined
  }
}

/**
 * noDuplicateBackends rejects a backend listed twice in one pool, compared by canonical URL
 * (`http://h:80/v1/` and `http://h` are one backend): it would get two records and be counted as
 * two. The same backend in two pools is allowed: one multi-model server (Ollama, say) may serve
 * several pools' models.
 */
function noDuplicateBackends(backends: ReadonlyArray<string>, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>()
  backends.forEach((raw, j) => {
    const url = canonicalUrl(raw)
    if (url === undefined) return
    const first = seen.get(url)
    if (first === undefined) {
      seen.set(url, j)
      return
    }
    ctx.addIssue({
      code: 'custom',
      path: ['backends', j],
      message: `duplicate backend ${url} (also backends.${first})`,
    })
  })
}

const poolSchema = z
  .object({
    model: z.string().min(1),
    /** May be empty (or left out) when `autoscale:` provides the backends. */
    backends: z.array(backendUrl).default([]),
    router: routerSchema.optional(),
    /** LoRA adapters served by this pool's backends: a request's `model` may name one. */
    adapters: z.array(z.string().min(1)).default([]),
    /**
     * Requests in flight per backend beyond which it counts as saturated (new work waits in the
     * gateway's fair queue). Unset: learned from scrapes (see gateway/saturation.ts).
     */
    max_in_flight: positiveInt.optional(),
    /**
     * The backends' context window in tokens (vLLM's max_model_len). Unset: learned from each
     * backend's GET /v1/models (vLLM and SGLang report it); unknown, the gateway neither refuses
     * requests for their length nor writes a max_tokens cap near the window.
     */
    max_model_len: positiveInt.optional(),
    perf: perfSchema.optional(),
    /** Replicas started and stopped by a scaler (gateway/autoscale/). */
    autoscale: autoscaleSchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    noDuplicateBackends(p.backends, ctx)
    if (p.backends.length === 0 && !p.autoscale) {
      ctx.addIssue({
        code: 'custom',
        path: ['backends'],
        message: 'list at least one backend, or add an autoscale: block that starts them',
      })
    }
    if (!p.perf) return
    const id = p.perf.model ?? p.model
    const m = (models as Record<string, { heads: number } | undefined>)[id]
    if (!m) {
      ctx.addIssue({
        code: 'custom',
        path: ['perf', 'model'],
        message: `pool model '${p.model}' is not in the catalog: name one (${modelIds.join(', ')})`,
      })
    } else if (m.heads % p.perf.tp !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['perf', 'tp'],
        message: `tp ${p.perf.tp} does not divide ${id}'s ${m.heads} attention heads`,
      })
    }
  })

/** HOSTNAME_LABEL is one RFC 1123 label: letters, digits and inner hyphens, 1–63 characters. */
const HOSTNAME_LABEL = /^[a-z\d]([a-z\d-]{0,61}[a-z\d])?$/i

/**
 * isListenHost accepts what the listener can bind: an IP address, or a hostname made of RFC 1123
 * labels (a trailing dot allowed). Checked here so that a typo reads as a config error naming the
 * key, rather than as a DNS failure at start-up. A dotted all-digit name is a mistyped IPv4
 * address, not a hostname.
 */
function isListenHost(host: string): boolean {
  if (isIP(host) !== 0) return true
  const name = host.endsWith('.') ? host.slice(0, -1) : host
  if (name.length === 0 || name.length > 253 || /^[\d.]+$/.test(name)) return false
  return name.split('.').every((label) => HOSTNAME_LABEL.test(label))
}

const tenantSchema = z
  .object({
    name: z.string().min(1),
    api_keys: z.array(z.string().min(1)).min(1),
    tokens_per_minute: positiveInt.optional(),
    max_concurrency: positiveInt.optional(),
    /** Share of the fair queue (virtual-token weight), default 1. */
    weight: positive.default(1),
    /** Priority class for `admission: priority-edf` (0 interactive; default 1, standard). */
    priority: z.number().int().min(0).optional(),
  })
  .strict()

const configSchema = z
  .object({
    listen: z
      .object({
        host: z
          .string()
          .refine(isListenHost, {
            error: (iss) =>
              `'${String(iss.input)}' is not an IP address (127.0.0.1, 0.0.0.0, ::) or a ` +
              'hostname (localhost, gw.example.com)',
          })
          .default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080 }),
    router: routerSchema.default('least-outstanding'),
    /**
     * The latency objective SLO-aware routers aim for (dualmap, predicted-latency). Unset, they
     * use their default of 2 s TTFT and 0.1 s TPOT.
     */
    slo: z.object({ ttft_s: positive, tpot_s: positive }).strict().optional(),
    /** How each pool's queue orders waiting requests; fair-share is the VTC fair queue. */
    admission: admissionSchema.default('fair-share'),
    pools: z.array(poolSchema).min(1),
    tenants: z.array(tenantSchema).optional(),
    scrape: z
      .object({
        /** How often each backend's /metrics is read. */
        interval_ms: positiveInt.default(100),
        /** Metrics older than interval + this are stale: the backend is treated as saturated. */
        staleness_ms: positiveInt.default(200),
        timeout_ms: positiveInt.default(1000),
      })
      .strict()
      .default({ interval_ms: 100, staleness_ms: 200, timeout_ms: 1000 }),
    health: z
      .object({ interval_ms: positiveInt.default(1000), path: z.string().default('/health') })
      .strict()
      .default({ interval_ms: 1000, path: '/health' }),
    timeouts: z
      .object({
        /** Connect + first byte. */
        first_byte_s: positive.default(30),
        /** Whole request. */
        request_s: positive.default(600),
        /**
         * Longest silence between two chunks of an answer that has begun, as nginx's
         * proxy_read_timeout (default 60 s): a decode step takes milliseconds, so a minute of
         * silence is a stalled backend, not a slow one.
         */
        idle_s: positive.default(60),
      })
      .strict()
      .default({ first_byte_s: 30, request_s: 600, idle_s: 60 }),
    retries: z
      .object({ max: z.number().int().min(0).max(10).default(2) })
      .strict()
      .default({ max: 2 }),
    ejection: z
      .object({
        consecutive_failures: positiveInt.default(3),
        cool_off_s: positive.default(10),
        /** The cool-off doubles with each ejection in a row, up to this (Envoy: 300 s). */
        max_cool_off_s: positive.default(300),
      })
      .strict()
      .default({ consecutive_failures: 3, cool_off_s: 10, max_cool_off_s: 300 }),
    queue: z
      .object({ max_size: z.number().int().min(0).default(1024), max_wait_s: positive.default(30) })
      .strict()
      .default({ max_size: 1024, max_wait_s: 30 }),
    max_body_bytes: positiveInt.default(4 * 1024 * 1024),
  })
  .strict()
  .superRefine((c, ctx) => {
    const models = new Set<string>()
    c.pools.forEach((p, i) => {
      if (models.has(p.model)) {
        ctx.addIssue({
          code: 'custom',
          path: ['pools', i, 'model'],
          message: 'duplicate pool model',
        })
      }
      models.add(p.model)
    })
    const names = new Set<string>()
    c.tenants?.forEach((t, i) => {
      if (names.has(t.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', i, 'name'],
          message: `duplicate tenant name '${t.name}'`,
        })
      }
      names.add(t.name)
    })
    const keys = new Set<string>()
    c.tenants?.forEach((t, i) => {
      t.api_keys.forEach((k, j) => {
        if (keys.has(k)) {
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', i, 'api_keys', j],
            message: 'API key used by two tenants',
          })
        }
        keys.add(k)
      })
    })
  })

/** GatewayConfig is a validated config with every default filled in. */
export type GatewayConfig = z.infer<typeof configSchema>
/** RouterConfig is a router name or a weighted combination. */
export type RouterConfig = z.infer<typeof routerSchema>

/** parseGatewayConfig validates YAML text; errors name `file:line: key`. */
export function parseGatewayConfig(text: string, file: string): GatewayConfig {
  return parseYamlWithSchema(configSchema, text, file)
}

/** loadGatewayConfig reads and validates a config file. */
export async function loadGatewayConfig(file: string): Promise<GatewayConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new UsageError(`--config: cannot read ${file} (${code ?? 'error'})`)
  }
  return parseGatewayConfig(text, file)
}
