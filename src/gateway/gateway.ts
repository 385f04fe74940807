/**
 * @module The live gateway, wired: config → pools (backends + the simulator's routers), tenants,
 * the prefix index, metric scraping, health checks, the request path (dispatch.ts) behind the
 * HTTP layer (server.ts), its own /metrics, and the autoscaling loops of pools that have an
 * `autoscale:` block. `startGateway` resolves once it listens; `close` drains: stop accepting,
 * let admitted requests finish, then stop (and stop the replicas the gateway started).
 */
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
import { AutoscalerMetrics, GatewayMetrics } from './gateway-metrics.js'
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
  const clock = o.clock ?? systemClock
  const log = createLog(o.logFormat ?? 'text', o.log ?? stderrLine, () => new Date().toISOString())
  const pools = config.pools.map((p) => new Pool(p, config.router))
  const prefix = new PrefixIndex()
  const tenants = new Tenants(config.tenants, clock.now())
  // One connection pool per backend origin, kept alive across requests; no cap on connections
  // (the gateway's in-flight caps and the fair queue decide how much goes to a backend).
  const agent = new Agent({ keepAliveTimeout: 4_000, connections: null })
  let draining = false
  let dispatch: Dispatch | undefined

  const metrics = new GatewayMetrics({
    *backends() {
      for (const pool of pools) {
        for (const u of pool.upstreams) {
          if (u.removed) continue
          const s = u.state
          yield {
            pool: pool.model,
            backend: u.url,
            ready: isReady(s),
            inFlight: s.inFlight,
          }
        }
      }
    },
    *queues() {
      for (const pool of pools) yield { pool: pool.model, depth: dispatch?.queueDepth(pool) ?? 0 }
    },
  })
  const autoscaling: Autoscaling | undefined = config.pools.some((p) => p.autoscale)
    ? new Autoscaling({
        config,
        pools,
        clock,
        agent,
        prefix,
        metrics: new AutoscalerMetrics(metrics.registry, () => autoscaling?.gauges() ?? []),
        held: (pool) => dispatch?.heldCount(pool) ?? 0,
        onReady: (pool) => dispatch?.pump(pool),
        log,
      })
    : undefined
  const ejection = ejectionPolicy(config.ejection)
  const health = new HealthChecker({
    pools,
    agent,
    clock,
    metrics,
    prefix,
    ejection,
    intervalMs: config.health.interval_ms,
    timeoutMs: config.scrape.timeout_ms,
    path: config.health.path,
    onChange: (pool) => dispatch?.pump(pool),
    log,
  })
  const d = new Dispatch({
    config,
    pools,
    clock,
    agent,
    metrics,
    prefix,
    tenants,
    rng: createRng(o.seed ?? 1),
    observer: o.observer,
    onEjected: (pool, u) => health.probeAfterCoolOff(pool, u),
    log,
    autoscale: autoscaling,
  })
  dispatch = d
  const scraper = new Scraper({
    pools,
    agent,
    clock,
    prefix,
    intervalMs: config.scrape.interval_ms,
    timeoutMs: config.scrape.timeout_ms,
    onScrape: (pool) => d.pump(pool),
  })

  const created = Math.floor(Date.now() / 1000)
  const models = {
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

  const bodies = new BodyWorkers(adapterSalts(pools))
  const autoscaled = new Set(config.pools.filter((p) => p.autoscale).map((p) => p.model))
  const server = createGatewayServer({
    clock,
    tenants,
    bodyLimit: config.max_body_bytes,
    draining: () => draining,
    analyze: (body, chat) => bodies.analyze(body, chat),
    completion: (call) => d.serve(call),
    models: () => models,
    health: () => healthReport(pools, (p) => autoscaled.has(p.model)),
    metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
    log,
  })

  // Know the backends before taking traffic: one round of probes and scrapes (each bounded by
  // scrape.timeout_ms), so a backend that is down at start-up is not routed to first.
  await Promise.all([health.start(), scraper.start()])
  const host = o.host ?? config.listen.host
  try {
    // The pools' minimum replicas are asked for now; requests arriving before they are ready wait.
    await autoscaling?.start()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(o.port ?? config.listen.port, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    health.stop()
    scraper.stop()
    await autoscaling?.close()
    await Promise.all([agent.close(), bodies.close()])
    throw err
  }
  // After the listen: an operator whose port is taken needs that one line, not this noise.
  warnUnreachable(pools, config.health.path, log)
  const port = (server.address() as AddressInfo).port
  const urlHost = host.includes(':') ? `[${host}]` : host

  let closing: Promise<void> | undefined
  return {
    url: `http://${urlHost}:${port}`,
    port,
    pools,
    backends: () =>
      pools.flatMap((p) =>
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
      ),
    autoscaling: () => autoscaling?.snapshot() ?? [],
    metricsText: () => metrics.render(),
    close(opts = {}) {
      closing ??= (async () => {
        draining = true
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeIdleConnections()
        let timer: NodeJS.Timeout | undefined
        const drained = await Promise.race([
          d.idle().then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), opts.timeoutMs ?? 30_000)
          }),
        ])
        clearTimeout(timer)
        if (!drained) {
          // Past the drain timeout every client still waiting gets the promised last word: an
          // error answer, or a final error frame on a stream that had begun; not a bare reset.
          d.stopAll(shuttingDown())
          await Promise.race([d.idle(), new Promise((r) => setTimeout(r, 1_000))])
        }
        health.stop()
        scraper.stop()
        await autoscaling?.close()
        server.closeAllConnections()
        await closed
        // Past the drain timeout, cut what is left upstream too.
        await Promise.all([drained ? agent.close() : agent.destroy(), bodies.close()])
      })()
      return closing
    },
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
