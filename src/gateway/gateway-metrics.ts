/**
 * @module The gateway's own /metrics (prom-client, on a registry of its own so several gateways
 * and emulators can share a process). Latencies are measured at the gateway: TTFT is arrival →
 * first streamed body byte forwarded, ITL the gap between forwarded SSE chunks (one token each
 * from vLLM), E2E arrival → last byte. Gauges (queue depth, health, in-flight) are read from the
 * gateway's state when scraped. Every name starts with `flotilla_gateway_`, except the
 * autoscaler's own (`flotilla_autoscaler_`), registered only when some pool autoscales.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

const TTFT_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20,
  40, 80,
]
const ITL_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5, 5,
]
const E2E_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 60, 120, 240,
  480,
]
const QUEUE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60]
/** Cold starts run from under a second (a local emulator) to minutes (a 70B model, a new node). */
const COLD_START_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600]

/** RoutingReason labels a routing decision. */
export type RoutingReason = 'routed' | 'retry' | 'queued' | 'rejected'

/**
 * FailureKind labels a failed upstream attempt: `timeout` before the answer began (first byte or
 * whole request), `idle_timeout` when a started answer went silent for `timeouts.idle_s`.
 */
export type FailureKind = 'connect' | 'status_5xx' | 'timeout' | 'idle_timeout' | 'mid_stream'

/**
 * CutReason labels an answer the gateway ended itself after it had begun: the tenant's tokens
 * ran out, the backend went silent (idle timeout), or the shutdown drain timed out.
 */
export type CutReason = 'tokens_per_minute' | 'idle_timeout' | 'shutdown'

/** BackendGauge is one backend's live numbers, read at scrape time. */
export interface BackendGauge {
  readonly pool: string
  readonly backend: string
  readonly ready: boolean
  readonly inFlight: number
}

/** GaugeSource gives the gauges' values when /metrics is read. */
export interface GaugeSource {
  backends(): Iterable<BackendGauge>
  queues(): Iterable<{ readonly pool: string; readonly depth: number }>
}

/** BackendSeries are one backend's hot-path children, resolved once (no label hashing per token). */
export interface BackendSeries {
  readonly ttft: Histogram.Internal<string>
  readonly itl: Histogram.Internal<string>
  readonly e2e: Histogram.Internal<string>
}

/** GatewayMetrics owns the registry and the gateway's series. */
export class GatewayMetrics {
  readonly registry = new Registry()
  #requests: Counter<string>
  #ttft: Histogram<string>
  #itl: Histogram<string>
  #e2e: Histogram<string>
  #queueWait: Histogram<string>
  #ejections: Counter<string>
  #readmissions: Counter<string>
  #decisions: Counter<string>
  #promptBlocks: Counter<string>
  #matchedBlocks: Counter<string>
  #retries: Counter<string>
  #failures: Counter<string>
  #cuts: Counter<string>
  #tenantTokens: Counter<string>
  #series = new Map<string, BackendSeries>()

  constructor(source: GaugeSource) {
    const registers = [this.registry]
    this.#requests = new Counter({
      name: 'flotilla_gateway_requests_total',
      help: 'Requests answered, by pool, backend (none: answered by the gateway), HTTP status and tenant.',
      labelNames: ['pool', 'backend', 'status', 'tenant'],
      registers,
    })
    const h = latencyHistograms(registers)
    this.#ttft = h.ttft
    this.#itl = h.itl
    this.#e2e = h.e2e
    this.#queueWait = h.queueWait
    stateGauges(source, registers)
    const c = eventCounters(registers)
    this.#ejections = c.ejections
    this.#readmissions = c.readmissions
    this.#decisions = c.decisions
    this.#promptBlocks = c.promptBlocks
    this.#matchedBlocks = c.matchedBlocks
    this.#retries = c.retries
    this.#failures = c.failures
    this.#cuts = c.cuts
    this.#tenantTokens = c.tenantTokens
  }

  /** series returns a backend's cached histogram children. */
  series(pool: string, backend: string): BackendSeries {
    const key = `${pool}\u0000${backend}`
    let s = this.#series.get(key)
    if (!s) {
      const labels = { pool, backend }
      s = {
        ttft: this.#ttft.labels(labels),
        itl: this.#itl.labels(labels),
        e2e: this.#e2e.labels(labels),
      }
      this.#series.set(key, s)
    }
    return s
  }

  /** request counts one answered request. */
  request(pool: string, backend: string, status: number, tenant: string): void {
    this.#requests.inc({ pool, backend, status: String(status), tenant })
  }

  /** decision counts a routing decision. */
  decision(pool: string, router: string, reason: RoutingReason): void {
    this.#decisions.inc({ pool, router, reason })
  }

  /** prefix counts a routed prompt's blocks and the estimated cached ones. */
  prefix(pool: string, blocks: number, matched: number): void {
    if (blocks === 0) return
    this.#promptBlocks.inc({ pool }, blocks)
    this.#matchedBlocks.inc({ pool }, matched)
  }

  /** queueWait observes one request's time in the fair queue. */
  queueWait(pool: string, seconds: number): void {
    this.#queueWait.observe({ pool }, seconds)
  }

  /** failure counts a failed attempt; `retried` when another backend is tried next. */
  failure(pool: string, backend: string, kind: FailureKind, retried: boolean): void {
    this.#failures.inc({ pool, backend, kind })
    if (retried) this.#retries.inc({ pool, backend })
  }

  /** cut counts an answer the gateway ended after it had begun. */
  cut(pool: string, reason: CutReason): void {
    this.#cuts.inc({ pool, reason })
  }

  /** tenantTokens counts tokens charged to a tenant. */
  tenantTokens(tenant: string, tokens: number): void {
    if (tokens > 0) this.#tenantTokens.inc({ tenant }, tokens)
  }

  /** ejected counts an ejection. */
  ejected(pool: string, backend: string): void {
    this.#ejections.inc({ pool, backend })
  }

  /** readmitted counts a re-admission. */
  readmitted(pool: string, backend: string): void {
    this.#readmissions.inc({ pool, backend })
  }

  /** render is the exposition text. */
  render(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}

type Registers = Registry[]

/** latencyHistograms are the latencies measured at the gateway (see the module comment). */
function latencyHistograms(registers: Registers) {
  return {
    ttft: new Histogram({
      name: 'flotilla_gateway_ttft_seconds',
      help: 'Time to first token at the gateway: arrival to the first streamed body byte forwarded.',
      labelNames: ['pool', 'backend'],
      buckets: TTFT_BUCKETS,
      registers,
    }),
    itl: new Histogram({
      name: 'flotilla_gateway_itl_seconds',
      help: 'Inter-token latency at the gateway: the gap between forwarded SSE chunks.',
      labelNames: ['pool', 'backend'],
      buckets: ITL_BUCKETS,
      registers,
    }),
    e2e: new Histogram({
      name: 'flotilla_gateway_e2e_seconds',
      help: 'End-to-end latency of successful requests at the gateway, queueing included.',
      labelNames: ['pool', 'backend'],
      buckets: E2E_BUCKETS,
      registers,
    }),
    queueWait: new Histogram({
      name: 'flotilla_gateway_queue_wait_seconds',
      help: 'Time requests waited in the fair queue (dispatched or timed out).',
      labelNames: ['pool'],
      buckets: QUEUE_BUCKETS,
      registers,
    }),
  }
}

/** stateGauges read the queues and backends when /metrics is scraped. */
function stateGauges(source: GaugeSource, registers: Registers): void {
  new Gauge({
    name: 'flotilla_gateway_queue_depth',
    help: 'Requests waiting in the fair queue.',
    labelNames: ['pool'],
    registers,
    collect() {
      for (const q of source.queues()) this.set({ pool: q.pool }, q.depth)
    },
  })
  new Gauge({
    name: 'flotilla_gateway_backend_healthy',
    help: '1 when the backend takes new requests (health check passing, not ejected, not draining), else 0.',
    labelNames: ['pool', 'backend'],
    registers,
    collect() {
      // Backends come and go with autoscaling: a removed one must not linger at its last value.
      this.reset()
      for (const b of source.backends()) {
        this.set({ pool: b.pool, backend: b.backend }, b.ready ? 1 : 0)
      }
    },
  })
  new Gauge({
    name: 'flotilla_gateway_backend_in_flight',
    help: 'Requests this gateway has sent to the backend and not yet seen finish.',
    labelNames: ['pool', 'backend'],
    registers,
    collect() {
      this.reset()
      for (const b of source.backends()) {
        this.set({ pool: b.pool, backend: b.backend }, b.inFlight)
      }
    },
  })
}

/** eventCounters count what happened to backends, routing decisions and streams. */
function eventCounters(registers: Registers) {
  return {
    ejections: new Counter({
      name: 'flotilla_gateway_backend_ejections_total',
      help: 'Times a backend was ejected after consecutive failures.',
      labelNames: ['pool', 'backend'],
      registers,
    }),
    readmissions: new Counter({
      name: 'flotilla_gateway_backend_readmissions_total',
      help: 'Times an ejected backend was re-admitted by a successful probe after its cool-off.',
      labelNames: ['pool', 'backend'],
      registers,
    }),
    decisions: new Counter({
      name: 'flotilla_gateway_routing_decisions_total',
      help: 'Routing decisions: routed (first pick), retry (pick after a failed attempt), queued, rejected.',
      labelNames: ['pool', 'router', 'reason'],
      registers,
    }),
    promptBlocks: new Counter({
      name: 'flotilla_gateway_prefix_prompt_blocks_total',
      help: 'Full 16-token prompt blocks of routed requests (estimated tokenisation).',
      labelNames: ['pool'],
      registers,
    }),
    matchedBlocks: new Counter({
      name: 'flotilla_gateway_prefix_matched_blocks_total',
      help: 'Of those, blocks the prefix index believed cached on the chosen backend (estimated hit rate = matched / prompt).',
      labelNames: ['pool'],
      registers,
    }),
    retries: new Counter({
      name: 'flotilla_gateway_retries_total',
      help: 'Attempts retried on another backend, by the backend that failed.',
      labelNames: ['pool', 'backend'],
      registers,
    }),
    failures: new Counter({
      name: 'flotilla_gateway_upstream_failures_total',
      help: 'Failed upstream attempts by kind: connect, status_5xx, timeout, idle_timeout, mid_stream.',
      labelNames: ['pool', 'backend', 'kind'],
      registers,
    }),
    cuts: new Counter({
      name: 'flotilla_gateway_streams_cut_total',
      help: 'Answers the gateway ended with an error after they had begun, by reason: tokens_per_minute, idle_timeout, shutdown.',
      labelNames: ['pool', 'reason'],
      registers,
    }),
    tenantTokens: new Counter({
      name: 'flotilla_gateway_tenant_tokens_total',
      help: "Tokens charged to each tenant's budget: prompt plus output delivered (estimated tokenisation).",
      labelNames: ['tenant'],
      registers,
    }),
  }
}

/** ScalerGauge is one autoscaled pool's live numbers, read at scrape time. */
export interface ScalerGauge {
  readonly pool: string
  readonly scaler: string
  /** The last decision, clamped to the pool's bounds. */
  readonly desired: number
  readonly ready: number
  readonly pending: number
  readonly draining: number
  /** Requests waiting because no replica is ready. */
  readonly held: number
}

/** ReplicaStop says why a replica stopped. */
export type ReplicaStop = 'drained' | 'cancelled' | 'exited' | 'failed_start'

/** AutoscalerMetrics are the autoscaler's series, on the gateway's registry. */
export class AutoscalerMetrics {
  #coldStart: Histogram<string>
  #decisions: Counter<string>
  #starts: Counter<string>
  #stops: Counter<string>
  #refused: Counter<string>

  constructor(registry: Registry, source: () => Iterable<ScalerGauge>) {
    const registers = [registry]
    const gauge = (name: string, help: string, read: (g: ScalerGauge) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['pool'],
        registers,
        collect() {
          for (const g of source()) this.set({ pool: g.pool }, read(g))
        },
      })
    }
    new Gauge({
      name: 'flotilla_autoscaler_desired_replicas',
      help: "The scaler's last decision, clamped to the pool's min and max.",
      labelNames: ['pool', 'scaler'],
      registers,
      collect() {
        for (const g of source()) this.set({ pool: g.pool, scaler: g.scaler }, g.desired)
      },
    })
    gauge('flotilla_autoscaler_ready_replicas', 'Replicas serving requests.', (g) => g.ready)
    gauge(
      'flotilla_autoscaler_pending_replicas',
      'Replicas asked for and not ready yet (cold start in progress).',
      (g) => g.pending,
    )
    gauge(
      'flotilla_autoscaler_draining_replicas',
      'Replicas finishing their requests before they stop.',
      (g) => g.draining,
    )
    gauge(
      'flotilla_autoscaler_held_requests',
      'Requests held at the gateway because no replica is ready.',
      (g) => g.held,
    )
    this.#coldStart = new Histogram({
      name: 'flotilla_autoscaler_cold_start_seconds',
      help: 'Time from the decision that asked for a replica to its first passing health check.',
      labelNames: ['pool'],
      buckets: COLD_START_BUCKETS,
      registers,
    })
    this.#decisions = new Counter({
      name: 'flotilla_autoscaler_decisions_total',
      help: 'Scaler decisions: tick (every tickSeconds) or poke (a request reached a pool with no replica).',
      labelNames: ['pool', 'scaler', 'trigger'],
      registers,
    })
    this.#starts = new Counter({
      name: 'flotilla_autoscaler_replica_starts_total',
      help: 'Replicas asked for.',
      labelNames: ['pool'],
      registers,
    })
    this.#stops = new Counter({
      name: 'flotilla_autoscaler_replica_stops_total',
      help: 'Replicas gone, by reason: drained, cancelled (before ready), exited (unexpectedly), failed_start.',
      labelNames: ['pool', 'reason'],
      registers,
    })
    this.#refused = new Counter({
      name: 'flotilla_autoscaler_held_refused_total',
      help: 'Requests refused while no replica was ready: full (hold.max_requests; 429) or timeout (hold.timeout_s; 503).',
      labelNames: ['pool', 'reason'],
      registers,
    })
  }

  /** coldStart observes one replica's cold start. */
  coldStart(pool: string, seconds: number): void {
    this.#coldStart.observe({ pool }, seconds)
  }

  /** decision counts one scaler decision. */
  decision(pool: string, scaler: string, trigger: 'tick' | 'poke'): void {
    this.#decisions.inc({ pool, scaler, trigger })
  }

  /** started counts replicas asked for. */
  started(pool: string, n: number): void {
    if (n > 0) this.#starts.inc({ pool }, n)
  }

  /** stopped counts a replica gone. */
  stopped(pool: string, reason: ReplicaStop): void {
    this.#stops.inc({ pool, reason })
  }

  /** refused counts a held request refused. */
  refused(pool: string, reason: 'full' | 'timeout'): void {
    this.#refused.inc({ pool, reason })
  }
}
