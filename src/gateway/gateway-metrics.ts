/**
 * @module The gateway's own /metrics (prom-client, on a registry of its own so several gateways
 * and emulators can share a process). Latencies are measured at the gateway: TTFT is arrival →
 * first streamed body byte forwarded, ITL the gap between forwarded SSE chunks (one token each
 * from vLLM), E2E arrival → last byte. Gauges (queue depth, health, in-flight) are read from the
 * gateway's state when scraped. Every name starts with `flotilla_gateway_`.
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

/** RoutingReason labels a routing decision. */
export type RoutingReason = 'routed' | 'retry' | 'queued' | 'rejected'

/** FailureKind labels a failed upstream attempt. */
export type FailureKind = 'connect' | 'status_5xx' | 'timeout' | 'mid_stream'

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
  #series = new Map<string, BackendSeries>()

  constructor(source: GaugeSource) {
    const registers = [this.registry]
    this.#requests = new Counter({
      name: 'flotilla_gateway_requests_total',
      help: 'Requests answered, by pool, backend (none: answered by the gateway), HTTP status and tenant.',
      labelNames: ['pool', 'backend', 'status', 'tenant'],
      registers,
    })
    this.#ttft = new Histogram({
      name: 'flotilla_gateway_ttft_seconds',
      help: 'Time to first token at the gateway: arrival to the first streamed body byte forwarded.',
      labelNames: ['pool', 'backend'],
      buckets: TTFT_BUCKETS,
      registers,
    })
    this.#itl = new Histogram({
      name: 'flotilla_gateway_itl_seconds',
      help: 'Inter-token latency at the gateway: the gap between forwarded SSE chunks.',
      labelNames: ['pool', 'backend'],
      buckets: ITL_BUCKETS,
      registers,
    })
    this.#e2e = new Histogram({
      name: 'flotilla_gateway_e2e_seconds',
      help: 'End-to-end latency of successful requests at the gateway, queueing included.',
      labelNames: ['pool', 'backend'],
      buckets: E2E_BUCKETS,
      registers,
    })
    this.#queueWait = new Histogram({
      name: 'flotilla_gateway_queue_wait_seconds',
      help: 'Time requests waited in the fair queue (dispatched or timed out).',
      labelNames: ['pool'],
      buckets: QUEUE_BUCKETS,
      registers,
    })
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
      help: '1 when the backend takes new requests (health check passing, not ejected), else 0.',
      labelNames: ['pool', 'backend'],
      registers,
      collect() {
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
        for (const b of source.backends()) {
          this.set({ pool: b.pool, backend: b.backend }, b.inFlight)
        }
      },
    })
    this.#ejections = new Counter({
      name: 'flotilla_gateway_backend_ejections_total',
      help: 'Times a backend was ejected after consecutive failures.',
      labelNames: ['pool', 'backend'],
      registers,
    })
    this.#readmissions = new Counter({
      name: 'flotilla_gateway_backend_readmissions_total',
      help: 'Times an ejected backend was re-admitted by a successful probe after its cool-off.',
      labelNames: ['pool', 'backend'],
      registers,
    })
    this.#decisions = new Counter({
      name: 'flotilla_gateway_routing_decisions_total',
      help: 'Routing decisions: routed (first pick), retry (pick after a failed attempt), queued, rejected.',
      labelNames: ['pool', 'router', 'reason'],
      registers,
    })
    this.#promptBlocks = new Counter({
      name: 'flotilla_gateway_prefix_prompt_blocks_total',
      help: 'Full 16-token prompt blocks of routed requests (estimated tokenisation).',
      labelNames: ['pool'],
      registers,
    })
    this.#matchedBlocks = new Counter({
      name: 'flotilla_gateway_prefix_matched_blocks_total',
      help: 'Of those, blocks the prefix index believed cached on the chosen backend (estimated hit rate = matched / prompt).',
      labelNames: ['pool'],
      registers,
    })
    this.#retries = new Counter({
      name: 'flotilla_gateway_retries_total',
      help: 'Attempts retried on another backend, by the backend that failed.',
      labelNames: ['pool', 'backend'],
      registers,
    })
    this.#failures = new Counter({
      name: 'flotilla_gateway_upstream_failures_total',
      help: 'Failed upstream attempts by kind: connect, status_5xx, timeout, mid_stream.',
      labelNames: ['pool', 'backend', 'kind'],
      registers,
    })
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
