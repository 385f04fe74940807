/**
 * @module Health checks: every `health.interval_ms` each backend's health path (default
 * `/health`) is probed; a failure takes it out of routing, a success puts it back. An ejected
 * backend is not probed during its cool-off; a probe is scheduled for the moment the cool-off
 * ends, and only a successful one re-admits it (outlier.ts); a failed one starts another cool-off,
 * after which the regular rounds probe it again.
 */
import type { Dispatcher } from 'undici'
import type { Log } from '../util/log.js'
import { authHeaders } from './backend-url.js'
import type { Clock } from './clock.js'
import type { GatewayMetrics } from './gateway-metrics.js'
import { learnContext } from './model-card.js'
import { type EjectionPolicy, noteProbe, probeDue } from './outlier.js'
import type { Pool, Upstream } from './pool.js'
import type { PrefixIndex } from './prefix-index.js'

/** HealthDeps are what the checker reads and updates. */
export interface HealthDeps {
  readonly pools: ReadonlyArray<Pool>
  readonly agent: Dispatcher
  readonly clock: Clock
  readonly metrics: GatewayMetrics
  readonly prefix: PrefixIndex
  readonly ejection: EjectionPolicy
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly path: string
  /** Called when a backend's readiness changed (queued work may now go there). */
  readonly onChange: (pool: Pool) => void
  readonly log: Log
}

/** HealthChecker probes backends on an interval and after ejections. */
export class HealthChecker {
  readonly #d: HealthDeps
  readonly #busy = new Set<Upstream>()
  /** Backends whose context window was asked for (model-card.ts). */
  readonly #asked = new WeakSet<Upstream>()
  readonly #later = new Set<NodeJS.Timeout>()
  #timer: NodeJS.Timeout | undefined

  constructor(d: HealthDeps) {
    this.#d = d
  }

  /** start probes at once, then every interval; resolves when the first round is done. */
  start(): Promise<void> {
    const first = this.#round()
    this.#timer = setInterval(() => {
      this.#round().catch(() => {})
    }, this.#d.intervalMs)
    this.#timer.unref()
    return first
  }

  /** stop ends all probing. */
  stop(): void {
    clearInterval(this.#timer)
    for (const t of this.#later) clearTimeout(t)
    this.#later.clear()
  }

  /** probeAfterCoolOff schedules a probe for when an ejected backend's cool-off ends. */
  probeAfterCoolOff(pool: Pool, u: Upstream): void {
    const delay = Math.max(0, (u.state.ejectedUntil - this.#d.clock.now()) * 1000)
    const t = setTimeout(() => {
      this.#later.delete(t)
      this.#check(pool, u).catch(() => {})
    }, delay + 1)
    t.unref()
    this.#later.add(t)
  }

  #round(): Promise<void> {
    const all: Promise<void>[] = []
    for (const pool of this.#d.pools) for (const u of pool.upstreams) all.push(this.#check(pool, u))
    return Promise.all(all).then(() => {})
  }

  async #check(pool: Pool, u: Upstream): Promise<void> {
    const d = this.#d
    if (this.#busy.has(u) || !probeDue(u.state, d.clock.now())) return
    this.#busy.add(u)
    let ok = false
    try {
      const res = await d.agent.request({
        origin: u.origin,
        path: `${u.basePath}${d.path}`,
        method: 'GET',
        headers: authHeaders(u),
        signal: AbortSignal.timeout(d.timeoutMs),
      })
      await res.body.dump()
      ok = res.statusCode >= 200 && res.statusCode < 300
    } catch {
      ok = false
    } finally {
      this.#busy.delete(u)
    }
    const was = u.state.healthy
    const readmitted = noteProbe(u.state, ok, d.clock.now(), d.ejection)
    if (readmitted) {
      d.metrics.readmitted(pool.model, u.url)
      d.prefix.reset(u.url)
      d.log('info', 're-admitted backend after a successful probe (on probation)', {
        pool: pool.model,
        backend: u.url,
      })
    }
    if (was !== u.state.healthy) d.onChange(pool)
    if (ok && (readmitted || !this.#asked.has(u))) {
      // Asked once per admission: a re-admitted backend may have restarted with another window.
      this.#asked.add(u)
      if (readmitted) u.state.maxModelLen = undefined
      await learnContext(d.agent, u, pool.model, d.timeoutMs)
    }
  }
}
