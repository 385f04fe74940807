/**
 * @module The gateway's request path after parsing: pool by model, tenant limits, the pool's
 * queue when every backend is saturated, the router's pick, the upstream attempt, retries on
 * another backend, outlier ejection, and the gateway's own in-flight and token accounting.
 *
 * A request's life: `serve` estimates its tokens and admits it against its tenant's limits (429
 * when over). If the pool's queue is empty and some backend has room it starts at once; else it
 * waits in the pool's queue, ordered by the config's `admission` policy (the VTC fair queue by
 * default; 429 when full, or after queue.max_wait_s). `#start` picks a
 * backend and counts the request in flight *synchronously*, so a burst released by `pump` never
 * over-fills a backend between two picks. An attempt that fails before the client got anything
 * (connect error, 5xx) is retried on a backend not yet tried, up to retries.max; after that, or
 * after the client got the head, the failure is final.
 *
 * An autoscaled pool with no routable backend holds requests instead of answering 503, as
 * Knative's activator does at zero: they wait in the same queue (at most hold.max_requests, else
 * 429 with Retry-After the expected cold start left; at most hold.timeout_s, else 503) and go
 * when a replica becomes ready. The autoscaler sees every request enter and leave the pool.
 */
import type { Dispatcher } from 'undici'
import type { ApiError } from '../openai/api-error.js'
import type { Rng } from '../util/rng.js'
import { holdFull, holdTimeout } from './autoscale/errors.js'
import type { Clock } from './clock.js'
import type { GatewayConfig } from './config.js'
import {
  internalError,
  modelNotFound,
  noHealthyBackend,
  queueFull,
  queueTimeout,
  upstreamFailed,
  upstreamTimeout,
} from './errors.js'
import {
  type Call,
  createExchange,
  type Exchange,
  type GatewayObserver,
  noteChunk,
  usedTokens,
} from './exchange.js'
import { createPoolQueue, type PoolQueue } from './fair-queue.js'
import type { FailureKind, GatewayMetrics } from './gateway-metrics.js'
import { type EjectionPolicy, noteFailure, noteSuccess } from './outlier.js'
import type { Pool, Upstream } from './pool.js'
import type { PrefixIndex } from './prefix-index.js'
import { type AttemptOutcome, attempt } from './proxy.js'
import { estimateRequest } from './request-info.js'
import { sendError } from './respond.js'
import type { Tenants } from './tenants.js'

/** HoldPolicy is how an autoscaled pool holds requests while no backend is routable. */
export interface HoldPolicy {
  readonly maxRequests: number
  readonly timeoutS: number
  /** Seconds a refused client should wait: the expected cold start left (≥ 1). */
  retryAfter(): number
}

/** PoolOutcome is a finished request as the autoscaler's metrics see it. */
export interface PoolOutcome {
  readonly status: number
  /** Seconds from arrival to the end (hold and queue included). */
  readonly e2e: number
  readonly ttft: number | undefined
  /** Output tokens, from the body's usage or the frames streamed (0 for a failure). */
  readonly outputTokens: number
  /** A backend answered it (false: refused or failed at the gateway). */
  readonly served: boolean
}

/** AutoscaleHooks let the autoscaler see a pool's requests and hold them while it has none. */
export interface AutoscaleHooks {
  /** The pool's hold policy; undefined for a pool that does not autoscale. */
  hold(pool: Pool): HoldPolicy | undefined
  /** A request entered the pool (it will leave through `left`). */
  entered(pool: Pool, now: number): void
  /** A held request went to a backend after `waited` seconds. */
  released(pool: Pool, waited: number): void
  /** A held request was refused: the hold was full, or it timed out. */
  refused(pool: Pool, reason: 'full' | 'timeout'): void
  left(pool: Pool, now: number, o: PoolOutcome): void
}

/** DispatchDeps are the shared parts the request path uses. */
export interface DispatchDeps {
  readonly config: GatewayConfig
  readonly pools: ReadonlyArray<Pool>
  readonly clock: Clock
  readonly agent: Dispatcher
  readonly metrics: GatewayMetrics
  readonly prefix: PrefixIndex
  readonly tenants: Tenants
  readonly rng: Rng
  readonly observer: GatewayObserver | undefined
  /** Called when a failure ejects a backend (the health checker schedules its probe). */
  readonly onEjected: (pool: Pool, u: Upstream) => void
  readonly log: (line: string) => void
  readonly autoscale?: AutoscaleHooks | undefined
}

/** Dispatch owns the pools' queues and serves parsed calls. */
export class Dispatch {
  readonly #d: DispatchDeps
  readonly #byModel = new Map<string, { pool: Pool; adapter: string | undefined }>()
  readonly #queues = new Map<Pool, PoolQueue<Exchange>>()
  readonly #ejection: EjectionPolicy
  readonly #staleAfter: number
  /** Queued calls that were held for want of a backend, and how many per pool. */
  readonly #held = new WeakSet<Exchange>()
  readonly #heldCount = new Map<Pool, number>()
  #nextId = 0
  #active = 0
  #onIdle: (() => void) | undefined

  constructor(d: DispatchDeps) {
    this.#d = d
    for (const pool of d.pools) {
      this.#byModel.set(pool.model, { pool, adapter: undefined })
      for (const a of pool.adapters) {
        if (!this.#byModel.has(a)) this.#byModel.set(a, { pool, adapter: a })
      }
      // One queue serves both bounds (checked in #admit): queue.max_size, hold.max_requests.
      const hold = d.autoscale?.hold(pool)
      const capacity = Math.max(d.config.queue.max_size, hold?.maxRequests ?? 0)
      this.#queues.set(pool, createPoolQueue(d.config.admission, capacity))
    }
    this.#ejection = {
      consecutiveFailures: d.config.ejection.consecutive_failures,
      coolOff: d.config.ejection.cool_off_s,
    }
    this.#staleAfter = (d.config.scrape.interval_ms + d.config.scrape.staleness_ms) / 1000
  }

  /** queueDepth is the number of calls waiting in a pool's queue. */
  queueDepth(pool: Pool): number {
    return this.#queues.get(pool)?.size ?? 0
  }

  /** heldCount is the number of calls a pool holds for want of a backend. */
  heldCount(pool: Pool): number {
    return this.#heldCount.get(pool) ?? 0
  }

  /** idle resolves once no call is active. */
  idle(): Promise<void> {
    if (this.#active === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const prev = this.#onIdle
      this.#onIdle = () => {
        prev?.()
        resolve()
      }
    })
  }

  /**
   * serve answers one call, resolving when its response has ended. It never rejects: every
   * failure becomes an OpenAI-style error response.
   */
  serve(call: Call): Promise<void> {
    const d = this.#d
    const target = this.#byModel.get(call.request.model)
    const tenant = call.tenant
    if (!target) {
      d.metrics.request('none', 'none', 404, tenant.name)
      sendError(call.res, modelNotFound(call.request.model))
      return Promise.resolve()
    }
    const { pool, adapter } = target
    const est = estimateRequest(call.request, call.chat, adapter)
    try {
      d.tenants.admit(tenant, est.promptTokens + est.maxTokens, d.clock.now())
    } catch (err) {
      d.metrics.decision(pool.model, pool.router.name, 'rejected')
      d.metrics.request(pool.model, 'none', (err as ApiError).status, tenant.name)
      sendError(call.res, err as ApiError)
      return Promise.resolve()
    }
    const id = this.#nextId++
    return new Promise<void>((finished) => {
      const ex = createExchange(id, call, pool, adapter, est, finished)
      this.#active++
      d.autoscale?.entered(pool, call.arrival)
      call.clientGone.addEventListener('abort', () => this.#clientGone(ex), { once: true })
      this.#admit(ex)
    })
  }

  /** #admit starts the exchange now, or queues it when every backend is saturated. */
  #admit(ex: Exchange): void {
    const d = this.#d
    const pool = ex.pool
    const queue = this.#queues.get(pool)!
    const now = d.clock.now()
    const capacity = pool.capacity(
      pool.view(now, this.#staleAfter, d.prefix),
      now,
      this.#staleAfter,
    )
    const hold = capacity === 'none' ? d.autoscale?.hold(pool) : undefined
    if (capacity === 'none' && !hold) {
      d.metrics.decision(pool.model, pool.router.name, 'rejected')
      this.#fail(ex, noHealthyBackend(pool.model))
      return
    }
    // Arrivals join a non-empty queue even when a slot is free: no jumping ahead of waiters.
    if (capacity === 'open' && queue.size === 0) {
      this.#start(ex)
      return
    }
    const tenant = ex.call.tenant
    const meta = { arrival: ex.call.arrival, priority: tenant.priority }
    const bound = hold ? hold.maxRequests : d.config.queue.max_size
    if (queue.size >= bound || !queue.push(tenant.name, ex, tenant.weight, meta)) {
      d.metrics.decision(pool.model, pool.router.name, 'rejected')
      if (hold) {
        d.autoscale?.refused(pool, 'full')
        this.#fail(ex, holdFull(pool.model, bound, hold.retryAfter()))
      } else {
        this.#fail(ex, queueFull(pool.model, bound))
      }
      return
    }
    d.metrics.decision(pool.model, pool.router.name, 'queued')
    ex.enqueuedAt = now
    if (hold) this.#hold(ex, true)
    const maxWait = hold ? hold.timeoutS : d.config.queue.max_wait_s
    ex.queueTimer = setTimeout(() => {
      if (ex.state !== 'queued' || !queue.remove(tenant.name, ex)) return
      d.metrics.queueWait(pool.model, d.clock.now() - ex.enqueuedAt)
      if (this.#hold(ex, false)) {
        d.autoscale?.refused(pool, 'timeout')
        this.#fail(ex, holdTimeout(pool.model, maxWait, hold!.retryAfter()))
      } else {
        this.#fail(ex, queueTimeout(pool.model, maxWait))
      }
    }, maxWait * 1000)
    this.pump(pool)
  }

  /** pump starts queued calls, fairest first, while the pool has room. */
  pump(pool: Pool): void {
    const d = this.#d
    const queue = this.#queues.get(pool)
    if (!queue) return
    while (queue.size > 0) {
      const now = d.clock.now()
      const view = pool.view(now, this.#staleAfter, d.prefix)
      if (pool.capacity(view, now, this.#staleAfter) !== 'open') return
      const next = queue.pop()
      if (!next) return
      const ex = next.item
      clearTimeout(ex.queueTimer)
      d.metrics.queueWait(pool.model, now - ex.enqueuedAt)
      if (this.#hold(ex, false)) d.autoscale?.released(pool, now - ex.enqueuedAt)
      this.#start(ex)
    }
  }

  /**
   * #hold marks a queued call as held (on) or takes the mark off (off), keeping the pool's count;
   * returns whether the call was held.
   */
  #hold(ex: Exchange, on: boolean): boolean {
    const was = this.#held.has(ex)
    if (was === on) return was
    if (on) this.#held.add(ex)
    else this.#held.delete(ex)
    this.#heldCount.set(ex.pool, this.heldCount(ex.pool) + (on ? 1 : -1))
    return was
  }

  /**
   * #start picks a backend and sends the attempt. Everything up to the send is synchronous: the
   * in-flight count rises before the next pick can read it.
   */
  #start(ex: Exchange): void {
    const d = this.#d
    const pool = ex.pool
    const now = d.clock.now()
    const retry = ex.tried.size > 0
    const picked = pool.pick(ex.info, pool.view(now, this.#staleAfter, d.prefix), {
      now,
      rng: d.rng,
      staleAfter: this.#staleAfter,
      prefix: d.prefix,
      exclude: ex.tried,
      adapter: ex.adapter,
      slo: d.config.slo,
    })
    if (picked === undefined) {
      d.metrics.decision(pool.model, pool.router.name, 'rejected')
      this.#fail(
        ex,
        retry
          ? upstreamFailed(pool.model, ex.tried.size, 'no other backend to try')
          : noHealthyBackend(pool.model),
      )
      return
    }
    const u = pool.upstreams[picked]!
    ex.state = 'running'
    ex.backend = u
    ex.tried.add(picked)
    u.state.inFlight++
    u.state.inFlightPromptTokens += ex.est.promptTokens
    const hashes = ex.est.blockHashes
    if (!retry) {
      d.metrics.prefix(pool.model, hashes.length, d.prefix.match(u.url, hashes))
      // VTC charges service as it is given; the estimate now, settled to the actual at the end.
      this.#queues.get(pool)?.charge(ex.call.tenant.name, ex.charged)
    }
    d.prefix.record(u.url, hashes)
    d.metrics.decision(pool.model, pool.router.name, retry ? 'retry' : 'routed')
    d.observer?.onRouted?.({
      requestId: ex.id,
      pool: pool.model,
      backend: picked,
      url: u.url,
      reason: retry ? 'retry' : 'routed',
    })
    this.#run(ex, u).catch((err: unknown) => {
      d.log(`gateway: internal error: ${err instanceof Error ? (err.stack ?? err.message) : err}`)
      this.#fail(ex, internalError())
    })
  }

  /** #run awaits one attempt and settles its accounting, then retries or finishes. */
  async #run(ex: Exchange, u: Upstream): Promise<void> {
    const d = this.#d
    const call = ex.call
    const series = d.metrics.series(ex.pool.model, u.url)
    const requestMs = Math.max(
      1,
      (call.arrival + d.config.timeouts.request_s - d.clock.now()) * 1000,
    )
    let outcome: AttemptOutcome
    try {
      outcome = await attempt({
        agent: d.agent,
        origin: u.origin,
        path: `${u.basePath}${call.chat ? '/v1/chat/completions' : '/v1/completions'}`,
        body: call.body,
        res: call.res,
        firstByteMs: d.config.timeouts.first_byte_s * 1000,
        requestMs,
        clientGone: call.clientGone,
        onChunk: (chunk, first) => noteChunk(ex, chunk, first, d.clock.now(), series),
      })
    } finally {
      u.state.inFlight--
      u.state.inFlightPromptTokens -= ex.est.promptTokens
    }
    this.#settle(ex, u, outcome)
    this.pump(ex.pool)
  }

  /** #settle applies an attempt's outcome: success, retry, or the final failure. */
  #settle(ex: Exchange, u: Upstream, outcome: AttemptOutcome): void {
    const d = this.#d
    const pool = ex.pool
    switch (outcome.kind) {
      case 'done':
        noteSuccess(u.state, this.#ejection)
        this.#finish(ex, outcome.status)
        return
      case 'client_gone':
        this.#finish(ex, 499)
        return
      case 'retry': {
        this.#failed(pool, u)
        const again = ex.tried.size <= d.config.retries.max && !ex.call.clientGone.aborted
        d.metrics.failure(pool.model, u.url, outcome.failure, again)
        if (again) {
          this.#start(ex)
          return
        }
        this.#fail(ex, upstreamFailed(pool.model, ex.tried.size, outcome.detail))
        return
      }
      case 'timeout':
      case 'broken': {
        this.#failed(pool, u)
        const kind: FailureKind = outcome.kind === 'timeout' ? 'timeout' : 'mid_stream'
        d.metrics.failure(pool.model, u.url, kind, false)
        const status = outcome.kind === 'timeout' ? 504 : 502
        if (outcome.kind === 'timeout' && !outcome.forwarded) {
          this.#fail(ex, upstreamTimeout(outcome.detail))
        } else {
          this.#finish(ex, status) // attempt() already ended the client's stream with an error
        }
        return
      }
    }
  }

  /** #failed records a backend failure and its ejection. */
  #failed(pool: Pool, u: Upstream): void {
    const d = this.#d
    if (!noteFailure(u.state, d.clock.now(), this.#ejection)) return
    d.metrics.ejected(pool.model, u.url)
    d.prefix.reset(u.url)
    d.log(
      `gateway: ejected ${u.url} (pool ${pool.model}) after ${u.state.consecutiveFailures} ` +
        `consecutive failures, for at least ${this.#ejection.coolOff} s`,
    )
    d.onEjected(pool, u)
  }

  /** #clientGone withdraws a queued call whose client left (a running one aborts in attempt()). */
  #clientGone(ex: Exchange): void {
    if (ex.state !== 'queued') return
    const queue = this.#queues.get(ex.pool)!
    if (!queue.remove(ex.call.tenant.name, ex)) return
    clearTimeout(ex.queueTimer)
    this.#hold(ex, false)
    this.#finish(ex, 499)
  }

  /** #fail answers with an error and finishes. */
  #fail(ex: Exchange, err: ApiError): void {
    sendError(ex.call.res, err)
    this.#finish(ex, err.status)
  }

  /** #finish settles tokens, metrics and the observer, once. */
  #finish(ex: Exchange, status: number): void {
    if (ex.state === 'done') return
    ex.state = 'done'
    clearTimeout(ex.queueTimer)
    this.#hold(ex, false)
    const d = this.#d
    const call = ex.call
    const now = d.clock.now()
    const pool = ex.pool.model
    const url = ex.backend?.url ?? 'none'
    const ok = status < 400
    const used = usedTokens(ex, ok)
    d.tenants.release(call.tenant, ex.charged - used, now)
    // The fair-queue counter was charged up front; settle it to what was used.
    this.#queues.get(ex.pool)?.charge(call.tenant.name, used - ex.charged)
    d.metrics.request(pool, url, status, call.tenant.name)
    const e2e = now - call.arrival
    if (ok && ex.backend) d.metrics.series(pool, url).e2e.observe(e2e)
    d.autoscale?.left(ex.pool, now, {
      status,
      e2e,
      ttft: ex.ttft,
      outputTokens: ok ? used - ex.est.promptTokens : 0,
      served: ex.backend !== undefined,
    })
    d.observer?.onDone?.({
      requestId: ex.id,
      pool,
      backend: ex.backend?.index,
      tenant: call.tenant.name,
      status,
      ttft: ex.ttft,
      e2e,
    })
    this.#active--
    ex.finished()
    if (this.#active === 0) {
      const idle = this.#onIdle
      this.#onIdle = undefined
      idle?.()
    }
  }
}
