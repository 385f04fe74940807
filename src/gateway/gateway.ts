/**
 * @module The live gateway, wired: config → pools (backends + the simulator's routers), tenants,
 * the prefix index, metric scraping, health checks, the request path (dispatch.ts) behind the
 * HTTP layer (server.ts), its own /metrics, and the autoscaling loops of pools that have an
 * `autoscale:` block. `startGateway` resolves once it listens; `close` drains: stop accepting,
 * let admitted requests finish, then stop (and stop the replicas the gateway started).
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent } from 'undici'
import { stringHash } from '../openai/tokenizer.js'
import { createLog, type Log, type LogFormat } from '../util/log.js'
import { createRng } from '../util/rng.js'
import { type AutoscaleSnapshot, Autoscaling } from './autoscale/loop.js'
import { isReady } from './backend-state.js'
import { BodyWorkers } from './body-workers.js'
import { type Clock, systemClock } from './clock.js'
import type { GatewayConfig } from './config.js'
import { Dispatch } from './dispatch.js'
import { shuttingDown } from './errors.js'
import type { GatewayObserver } from './exchange.js'
import { AutoscalerMetrics, GatewayMetrics, type GaugeSource } from './gateway-metrics.js'
import { HealthChecker } from './health.js'
import { healthReport } from './health-report.js'
import { ejectionPolicy } from './outlier.js'
import { Pool } from './pool.js'
import { PrefixIndex } from './prefix-index.js'
import { Scraper } from './scraper.js'
import { createGatewayServer } from './server.js'
import { Tenants } from './tenants.js'

export type { AutoscaleSnapshot } from './autoscale/loop.js'
export type { DoneEvent, GatewayObserver, RoutedEvent } from './exchange.js'

/** GatewayOptions are the in-process knobs the config file does not carry. */
export interface GatewayOptions {
  /** Seconds, monotonic (default: performance.now). */
  readonly clock?: Clock
  /** Seeds the routers' randomness (default 1). */
  readonly seed?: number
  /** Receives each log line (default: stderr). */
  readonly log?: (line: string) => void
  /** How log records are written: JSON lines or text (default text; `serve` defaults to json). */
  readonly logFormat?: LogFormat
  readonly observer?: GatewayObserver
  /** Overrides `listen` (tests use port 0). */
  readonly host?: string
  readonly port?: number
}

/** BackendSnapshot is one backend's live numbers (the demo's table). */
export interface BackendSnapshot {
  readonly pool: string
  readonly index: number
  readonly url: string
  /** Takes new requests: health check passing, not ejected, not draining. */
  readonly ready: boolean
  readonly inFlight: number
  /** Last scraped KV usage 0..1, if the backend exports it. */
  readonly kvUsage: number | undefined
}

/** Gateway is a listening gateway. */
export interface Gateway {
  /** Base URL, e.g. http://127.0.0.1:8080 (the OpenAI base URL is `${url}/v1`). */
  readonly url: string
  readonly port: number
  readonly pools: ReadonlyArray<Pool>
  /** backends snapshots every backend of every pool. */
  backends(): BackendSnapshot[]
  /** autoscaling snapshots every autoscaled pool (empty when none is). */
  autoscaling(): AutoscaleSnapshot[]
  /** metricsText renders /metrics. */
  metricsText(): Promise<string>
  /**
   * close stops accepting, lets admitted requests finish (at most `timeoutMs`, default 30 s,
   * after which they are cut) and resolves when everything is closed.
   */
  close(opts?: { readonly timeoutMs?: number }): Promise<void>
}

/** startGateway builds the gateway from a validated config and listens. */
export async function startGateway(
  config: GatewayConfig,
  o: GatewayOptions = {},
): Promise<Gateway> {
  const g = new RunningGateway(config, o)
  await g.listen(o.host ?? config.listen.host, o.port ?? config.listen.port)
  return g
}

/**
 * RunningGateway wires the parts: pools (the simulator's routers over backends), tenants, the
 * prefix index, health checks and scrapes, the request path (dispatch.ts) behind the HTTP layer
 * (server.ts), its /metrics, and the autoscaling loops.
 */
class RunningGateway implements Gateway {
  readonly pools: ReadonlyArray<Pool>
  url = ''
  port = 0
  readonly #config: GatewayConfig
  readonly #clock: Clock
  readonly #log: Log
  // One connection pool per backend origin, kept alive across requests; no cap on connections
  // (the gateway's in-flight caps and the fair queue decide how much goes to a backend).
  readonly #agent = new Agent({ keepAliveTimeout: 4_000, connections: null })
  readonly #prefix = new PrefixIndex()
  readonly #metrics: GatewayMetrics
  readonly #autoscaling: Autoscaling | undefined
  readonly #health: HealthChecker
  readonly #dispatch: Dispatch
  readonly #scraper: Scraper
  readonly #bodies: BodyWorkers
  readonly #server: Server
  #draining = false
  #closing: Promise<void> | undefined

  constructor(config: GatewayConfig, o: GatewayOptions) {
    this.#config = config
    this.#clock = o.clock ?? systemClock
    this.#log = createLog(o.logFormat ?? 'text', o.log ?? stderrLine, () =>
      new Date().toISOString(),
    )
    const pools = config.pools.map((p) => new Pool(p, config.router))
    this.pools = pools
    const tenants = new Tenants(config.tenants, this.#clock.now())
    this.#metrics = new GatewayMetrics(this.#gauges())
    this.#autoscaling = this.#createAutoscaling()
    this.#health = this.#createHealth()
    this.#dispatch = new Dispatch({
      config,
      pools,
      clock: this.#clock,
      agent: this.#agent,
      metrics: this.#metrics,
      prefix: this.#prefix,
      tenants,
      rng: createRng(o.seed ?? 1),
      observer: o.observer,
      onEjected: (pool, u) => this.#health.probeAfterCoolOff(pool, u),
      log: this.#log,
      autoscale: this.#autoscaling,
    })
    this.#scraper = new Scraper({
      pools,
      agent: this.#agent,
      clock: this.#clock,
      prefix: this.#prefix,
      intervalMs: config.scrape.interval_ms,
      timeoutMs: config.scrape.timeout_ms,
      onScrape: (pool) => this.#dispatch.pump(pool),
    })
    this.#bodies = new BodyWorkers(adapterSalts(pools))
    this.#server = this.#createServer(tenants)
  }

  /** #gauges reads the backends and queues when /metrics is scraped. */
  #gauges(): GaugeSource {
    const pools = this.pools
    const queueDepth = (pool: Pool): number => this.#dispatch?.queueDepth(pool) ?? 0
    return {
      *backends() {
        for (const pool of pools) {
          for (const u of pool.upstreams) {
            if (u.removed) continue
            yield {
              pool: pool.model,
              backend: u.url,
              ready: isReady(u.state),
              inFlight: u.state.inFlight,
            }
          }
        }
      },
      *queues() {
        for (const pool of pools) yield { pool: pool.model, depth: queueDepth(pool) }
      },
    }
  }

  #createAutoscaling(): Autoscaling | undefined {
    const config = this.#config
    if (!config.pools.some((p) => p.autoscale)) return undefined
    const autoscaling: Autoscaling = new Autoscaling({
      config,
      pools: this.pools,
      clock: this.#clock,
      agent: this.#agent,
      prefix: this.#prefix,
      metrics: new AutoscalerMetrics(this.#metrics.registry, () => autoscaling.gauges()),
      held: (pool) => this.#dispatch?.heldCount(pool) ?? 0,
      onReady: (pool) => this.#dispatch?.pump(pool),
      log: this.#log,
    })
    return autoscaling
  }

  #createHealth(): HealthChecker {
    const config = this.#config
    return new HealthChecker({
      pools: this.pools,
      agent: this.#agent,
      clock: this.#clock,
      metrics: this.#metrics,
      prefix: this.#prefix,
      ejection: ejectionPolicy(config.ejection),
      intervalMs: config.health.interval_ms,
      timeoutMs: config.scrape.timeout_ms,
      path: config.health.path,
      onChange: (pool) => this.#dispatch?.pump(pool),
      log: this.#log,
    })
  }

  #createServer(tenants: Tenants): Server {
    const models = modelList(this.pools)
    const autoscaled = new Set(this.#config.pools.filter((p) => p.autoscale).map((p) => p.model))
    return createGatewayServer({
      clock: this.#clock,
      tenants,
      bodyLimit: this.#config.max_body_bytes,
      draining: () => this.#draining,
      analyze: (body, chat) => this.#bodies.analyze(body, chat),
      completion: (call) => this.#dispatch.serve(call),
      models: () => models,
      health: () => healthReport(this.pools, (p) => autoscaled.has(p.model)),
      metrics: async () => ({
        contentType: this.#metrics.contentType,
        body: await this.#metrics.render(),
      }),
      log: this.#log,
    })
  }

  /**
   * listen knows the backends before taking traffic (one round of probes and scrapes, each
   * bounded by scrape.timeout_ms, so a backend down at start-up is not routed to first), asks for
   * the pools' minimum replicas, then listens.
   */
  async listen(host: string, port: number): Promise<void> {
    await Promise.all([this.#health.start(), this.#scraper.start()])
    const server = this.#server
    try {
      await this.#autoscaling?.start()
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolve()
        })
      })
    } catch (err) {
      this.#health.stop()
      this.#scraper.stop()
      await this.#autoscaling?.close()
      await Promise.all([this.#agent.close(), this.#bodies.close()])
      throw err
    }
    // After the listen: an operator whose port is taken needs that one line, not this noise.
    warnUnreachable(this.pools, this.#config.health.path, this.#log)
    this.port = (server.address() as AddressInfo).port
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`
  }

  backends(): BackendSnapshot[] {
    return this.pools.flatMap((p) =>
      p.upstreams
        .filter((u) => !u.removed)
        .map((u) => ({
          pool: p.model,
          index: u.index,
          url: u.url,
          ready: isReady(u.state),
          inFlight: u.state.inFlight,
          kvUsage: u.state.metrics?.kvUsage,
        })),
    )
  }

  autoscaling(): AutoscaleSnapshot[] {
    return this.#autoscaling?.snapshot() ?? []
  }

  metricsText(): Promise<string> {
    return this.#metrics.render()
  }

  close(opts: { readonly timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(opts.timeoutMs ?? 30_000)
    return this.#closing
  }

  async #close(timeoutMs: number): Promise<void> {
    this.#draining = true
    const server = this.#server
    const d = this.#dispatch
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    const drained = await settlesWithin(d.idle(), timeoutMs)
    if (!drained) {
      // Past the drain timeout every client still waiting gets the promised last word: an
      // error answer, or a final error frame on a stream that had begun; not a bare reset.
      d.stopAll(shuttingDown())
      await settlesWithin(d.idle(), 1_000)
    }
    this.#health.stop()
    this.#scraper.stop()
    await this.#autoscaling?.close()
    server.closeAllConnections()
    await closed
    // Past the drain timeout, cut what is left upstream too.
    await Promise.all([drained ? this.#agent.close() : this.#agent.destroy(), this.#bodies.close()])
  }
}

/** settlesWithin resolves true when `p` settles within `ms`, false when the time runs out. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const done = await Promise.race([
    p.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms)
    }),
  ])
  clearTimeout(timer)
  return done
}

/** modelList is GET /v1/models: every pool's model and its LoRA adapters (vLLM's shape). */
function modelList(pools: ReadonlyArray<Pool>): unknown {
  const created = Math.floor(Date.now() / 1000)
  return {
    object: 'list',
    data: pools.flatMap((p) => [
      { id: p.model, object: 'model', created, owned_by: 'flotilla' },
      ...[...p.adapters].map((a) => ({
        id: a,
        object: 'model',
        created,
        owned_by: 'flotilla',
        parent: p.model,
      })),
    ]),
  }
}

/**
 * adapterSalts maps each pool's LoRA adapter names to the salt of their prompt blocks (a name
 * that is also a pool's model selects that pool's base model, as Dispatch routes it).
 */
function adapterSalts(pools: ReadonlyArray<Pool>): Map<string, number> {
  const models = new Set(pools.map((p) => p.model))
  const salts = new Map<string, number>()
  for (const p of pools) {
    for (const a of p.adapters) if (!models.has(a)) salts.set(a, stringHash(a))
  }
  return salts
}

/** warnUnreachable logs each backend the first health round found down. */
function warnUnreachable(pools: ReadonlyArray<Pool>, path: string, log: Log): void {
  for (const p of pools) {
    for (const u of p.upstreams) {
      if (u.removed || u.state.healthy) continue
      log(
        'warn',
        'backend unreachable at start-up; it gets no requests until a health check passes',
        {
          pool: p.model,
          backend: u.url,
          health_path: path,
        },
      )
    }
  }
}

/** stderrLine writes one log line to stderr. */
function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`)
}
