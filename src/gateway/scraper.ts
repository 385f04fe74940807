/**
 * @module Metric scraping: every `scrape.interval_ms` (default 100 ms) each backend's /metrics is
 * read (with `scrape.timeout_ms`), reduced to `BackendMetrics` and stamped with the gateway
 * clock. A backend that stops answering keeps its old numbers and goes stale, which
 * `toFleetView` and saturation.ts treat as saturated. A scrape still running when the next tick
 * comes is not doubled up.
 */
import type { Dispatcher } from 'undici'
import { readBackendMetrics } from './backend-metrics.js'
import { authHeaders } from './backend-url.js'
import type { Clock } from './clock.js'
import type { Pool, Upstream } from './pool.js'
import type { PrefixIndex } from './prefix-index.js'
import { parsePromText } from './prom-text.js'
import { learnLimit } from './saturation.js'

/** ScraperDeps are what the scraper reads and updates. */
export interface ScraperDeps {
  readonly pools: ReadonlyArray<Pool>
  readonly agent: Dispatcher
  readonly clock: Clock
  readonly prefix: PrefixIndex
  readonly intervalMs: number
  readonly timeoutMs: number
  /** Called after each successful scrape (fresh numbers may free capacity). */
  readonly onScrape: (pool: Pool) => void
}

/** Scraper polls every backend's /metrics. */
export class Scraper {
  readonly #d: ScraperDeps
  readonly #busy = new Set<Upstream>()
  #timer: NodeJS.Timeout | undefined

  constructor(d: ScraperDeps) {
    this.#d = d
  }

  /** start scrapes at once, then every interval; resolves when the first round is done. */
  start(): Promise<void> {
    const first = this.#tick()
    this.#timer = setInterval(() => {
      this.#tick().catch(() => {})
    }, this.#d.intervalMs)
    // The listener keeps a serving gateway alive; the timer alone must not.
    this.#timer.unref()
    return first
  }

  /** stop ends the polling. */
  stop(): void {
    clearInterval(this.#timer)
  }

  #tick(): Promise<void> {
    const rounds: Promise<void>[] = []
    for (const pool of this.#d.pools) {
      for (const u of pool.upstreams) {
        if (this.#busy.has(u)) continue
        this.#busy.add(u)
        rounds.push(
          this.#scrape(pool, u)
            // A failed scrape leaves the old numbers to go stale: that is the signal.
            .catch(() => {})
            .finally(() => this.#busy.delete(u)),
        )
      }
    }
    return Promise.all(rounds).then(() => {})
  }

  async #scrape(pool: Pool, u: Upstream): Promise<void> {
    const d = this.#d
    const res = await d.agent.request({
      origin: u.origin,
      path: `${u.basePath}/metrics`,
      method: 'GET',
      headers: authHeaders(u),
      signal: AbortSignal.timeout(d.timeoutMs),
    })
    if (res.statusCode !== 200) {
      await res.body.dump()
      return
    }
    const text = await res.body.text()
    const m = readBackendMetrics(parsePromText(text), pool.model)
    const s = u.state
    s.metrics = m
    s.scrapedAt = d.clock.now()
    if (m.numGpuBlocks !== undefined && m.numGpuBlocks > 0) {
      d.prefix.setCapacity(u.url, m.numGpuBlocks)
    }
    u.learnedLimit = learnLimit(u.learnedLimit, m)
    d.onScrape(pool)
  }
}
