/**
 * @module A pool's `autoscale:` block in the gateway config: which registered scaler decides, the
 * replica bounds, what one replica serves at once, how requests are held while none is ready,
 * and the actuator that starts and stops replicas (local processes or a Kubernetes Deployment).
 * Validated here with the rest of the config, so the loop only ever sees checked values.
 */
import { z } from 'zod'
import { scalerLabel, scalerSpecOf } from '../../policy/scaler/registry.js'
import { UsageError } from '../../util/errors.js'

const positive = z.number().positive()
const positiveInt = z.number().int().positive()
const port = z.number().int().min(1).max(65535)

/**
 * processActuatorSchema starts replicas as local processes: `command` plus `--port <p>`, replica
 * i on port_base + i (port_base 0: any free port the OS hands out, for tests and the demo).
 */
const processActuatorSchema = z
  .object({
    command: z.array(z.string().min(1)).min(1),
    port_base: z.number().int().min(0).max(65535),
    host: z.string().min(1).default('127.0.0.1'),
    /** Working directory of the replicas (default: the gateway's). */
    cwd: z.string().min(1).optional(),
    /** The path answering 200 once a replica serves (vLLM's and the emulator's /health). */
    health_path: z.string().startsWith('/').default('/health'),
    /** A replica not healthy this long after its start is killed and counted as a failed start. */
    ready_timeout_s: positive.default(600),
    /** SIGTERM, then SIGKILL after this long. */
    stop_timeout_s: positive.default(10),
  })
  .strict()

/**
 * kubernetesActuatorSchema scales a Deployment through its scale subresource and routes to the
 * ready endpoints of its Service (EndpointSlices labelled kubernetes.io/service-name).
 */
const kubernetesActuatorSchema = z
  .object({
    namespace: z.string().min(1).default('default'),
    deployment: z.string().min(1),
    /** The Service whose EndpointSlices list the replicas (default: named as the Deployment). */
    service: z.string().min(1).optional(),
    /** The replicas' serving port (default: the EndpointSlice's first port). */
    port: port.optional(),
    scheme: z.enum(['http', 'https']).default('http'),
    /** How often the EndpointSlices are listed. */
    poll_ms: positiveInt.default(1000),
    /** A kubeconfig file (default: in-cluster, then $KUBECONFIG, then ~/.kube/config). */
    kubeconfig: z.string().min(1).optional(),
  })
  .strict()

const actuatorSchema = z
  .object({ process: processActuatorSchema, kubernetes: kubernetesActuatorSchema })
  .partial()
  .strict()
  .superRefine((a, ctx) => {
    const n = (a.process ? 1 : 0) + (a.kubernetes ? 1 : 0)
    if (n !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `name exactly one actuator: process or kubernetes (got ${n === 0 ? 'none' : 'both'})`,
      })
    }
  })

/**
 * scalerSpec is a registered scaler as the config names it: a spec (`kpa`, `kpa:util=0.5`) or an
 * object naming one scaler and its options (`{ kpa: { util: 0.5, panic_window: 5 } }`), read to
 * its normalised spec; the registry's option table words the errors either way, as the CLI's
 * --scaler gets them.
 */
const scalerSpec = z
  .union([
    z.string(),
    z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .refine((o) => Object.keys(o).length === 1, {
        message: 'name one scaler: { name: { option: value } }',
      }),
  ])
  .transform((s, ctx) => {
    try {
      if (typeof s !== 'string') {
        const [name, raw] = Object.entries(s)[0]!
        return scalerSpecOf(name, raw)
      }
      return scalerLabel(s)
    } catch (err) {
      if (!(err instanceof UsageError)) throw err
      ctx.addIssue({ code: 'custom', message: err.message })
      return z.NEVER
    }
  })

/**
 * autoscaleSchema is one pool's `autoscale:` block. Defaults: KPA, Knative's default scaler;
 * min 0 (scale to zero, as Knative's min-scale default); the hold timeout is Knative's default
 * revision-timeout-seconds (300 s), which bounds how long its activator holds a request; at most
 * 1024 held, the gateway queue's own default size. `container_concurrency` defaults to the pool's
 * `max_in_flight`, else its `perf.max_num_seqs`, else vLLM's max-num-seqs (256); `cold_start_s`
 * to perf/cold-start.ts's estimate for the pool's declared hardware, else 30 s (that estimate for
 * an 8B model on one H100: 16 GB / 2 GB/s + 20 s init ≈ 28 s); measured cold starts replace it.
 */
export const autoscaleSchema = z
  .object({
    scaler: scalerSpec.default('kpa'),
    min: z.number().int().min(0).default(0),
    max: positiveInt,
    container_concurrency: positiveInt.optional(),
    cold_start_s: positive.optional(),
    hold: z
      .object({
        max_requests: z.number().int().min(0).default(1024),
        timeout_s: positive.default(300),
      })
      .strict()
      .default({ max_requests: 1024, timeout_s: 300 }),
    actuator: actuatorSchema,
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.min > a.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${a.min} exceeds max ${a.max}` })
    }
    const p = a.actuator.process
    if (p && p.port_base > 0 && p.port_base + a.max - 1 > 65535) {
      ctx.addIssue({
        code: 'custom',
        path: ['actuator', 'process', 'port_base'],
        message: `port_base ${p.port_base} + max ${a.max} replicas runs past port 65535`,
      })
    }
  })

/** AutoscaleConfig is a validated `autoscale:` block. */
export type AutoscaleConfig = z.infer<typeof autoscaleSchema>
/** ProcessActuatorConfig is a validated `actuator.process` block. */
export type ProcessActuatorConfig = z.infer<typeof processActuatorSchema>
/** KubernetesActuatorConfig is a validated `actuator.kubernetes` block. */
export type KubernetesActuatorConfig = z.infer<typeof kubernetesActuatorSchema>
