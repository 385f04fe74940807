/**
 * @module The gateway's request path after parsing: pool by model, tenant limits, the fair queue
 * when every backend is saturated, the router's pick, the upstream attempt, retries on another
 * backend, outlier ejection, and the gateway's own in-flight and token accounting.
 *
 * A request's life: `serve` estimates its tokens and admits it against its tenant's limits (429
 * when over). If the pool's queue is empty and some backend has room it starts at once; else it
 * waits in the pool's FairQueue (429 when full, or after queue.max_wait_s). `#start` picks a
 * backend and counts the request in flight *synchronously*, so a burst released by `pump` never
 * over-fills a backend between two picks. An attempt that fails before the client got anything
 * (connect error, 5xx) is retried on a backend not yet tried, up to retries.max; after that, or
 * after the client got the head, the failure is final.
 */
import type { ServerResponse } from 'node:http'
import type { Dispatcher } from 'undici'
import { ApiError } from '../openai/api-error.js'
import type { GenerateRequest } from '../openai/request-schema.js'
import type { RequestInfo } from '../policy/types.js'
import type { Rng } from '../util/rng.js'
import type { Clock } from './clock.js'
import type { GatewayConfig } from './config.js'
import { FairQueue } from './fair-queue.js'
import type { FailureKind, GatewayMetrics } from './gateway-metrics.js'
import { type EjectionPolicy, noteFailure, noteSuccess } from './outlier.js'
import type { Pool, Upstream } from './pool.js'
import type { PrefixIndex } from './prefix-index.js'
import { type AttemptOutcome, attempt } from './proxy.js'
import { type Estimate, estimateRequest } from './request-info.js'
import { sendError } from './respond.js'
import { rateLimited, type Tenant, type Tenants } from './tenants.js'
import { countFrames, readUsage } from './usage.js'

/** RoutedEvent reports one routing decision (tests, the demo). */
export interface RoutedEvent {
  readonly requestId: number
  readonly pool: string
  readonly backend: number
  readonly url: string
  readonly reason: 'routed' | 'retry'
}

/** DoneEvent reports one finished request. */
export interface DoneEvent {
  readonly requestId: number
  readonly pool: string
  /** The last backend tried, if any. */
  readonly backend: number | undefined
  readonly tenant: string
  /** HTTP status (499: the client went away; a stream that failed after it began: 502/504). */
  readonly status: number
  /** Seconds from arrival to the first streamed byte, for streams that produced one. */
  readonly ttft: number | undefined
  readonly e2e: number
}

/** GatewayObserver receives routing and completion events, synchronously. */
export interface GatewayObserver {
  onRouted?(e: RoutedEvent): void
  onDone?(e: DoneEvent): void
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
}

/** Call is one parsed client request. */
export interface Call {
  readonly chat: boolean
  /** The client's body, forwarded unchanged. */
  readonly body: Buffer
  readonly request: GenerateRequest
  readonly tenant: Tenant
  /** Arrival on the gateway clock (seconds). */
  readonly arrival: number
  readonly res: ServerResponse
  /** Aborted when the client disconnects before the answer ended. */
  readonly clientGone: AbortSignal
}

/** Exchange is a call in progress. */
interface Exchange {
  readonly id: number
  readonly call: Call
  readonly pool: Pool
  readonly adapter: string | undefined
  readonly info: RequestInfo
  readonly est: Estimate
  /** Tokens taken from the tenant's bucket (and charged to its fair-queue counter). */
  readonly charged: number
  state: 'queued' | 'running' | 'done'
  queueTimer: NodeJS.Timeout | undefined
  enqueuedAt: number
  readonly tried: Set<number>
  backend: Upstream | undefined
  ttft: number | undefined
  lastChunk: number
  /** SSE frames seen (streamed) or the collected body (non-streamed), for the usage estimate. */
  frames: number
  bodyChunks: Buffer[] | undefined
  bodyBytes: number
  readonly finished: () => void
}

/** MAX_USAGE_BODY is the largest non-streamed body kept to read its `usage` (bytes). */
const MAX_USAGE_BODY = 1 << 20

/** Dispatch owns the pools' queues and serves parsed calls. */
export class Dispatch {
  readonly #d: DispatchDeps
  readonly #byModel = new Map<string, { pool: Pool; adapter: string | undefined }>()
  readonly #queues = new Map<Pool, FairQueue<Exchange>>()
  readonly #ejection: EjectionPolicy
  readonly #staleAfter: number
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
      this.#queues.set(pool, new FairQueue(d.config.queue.max_size))
    }
    this.#ejection = {
      consecutiveFailures: d.config.ejection.consecutive_failures,
      coolOff: d.config.ejection.cool_off_s,
    }
    this.#staleAfter = (d.config.scrape.interval_ms + d.config.scrape.staleness_ms) / 1000
  }

  /** staleAfter is the metrics staleness bound in seconds. */
  get staleAfter(): number {
    return this.#staleAfter
  }

  /** ejection is the ejection policy in seconds. */
  get ejection(): EjectionPolicy {
    return this.#ejection
  }

  /** active counts calls admitted and not finished (queued ones included). */
  get active(): number {
    return this.#active
  }

  /** queueDepth is the number of calls waiting in a pool's queue. */
  queueDepth(pool: Pool): number {
    return this.#queues.get(pool)?.size ?? 0
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
      const err = new ApiError(404, `The model \`${call.request.model}\` does not exist.`, {
        param: 'model',
        code: 'model_not_found',
      })
      d.metrics.request('none', 'none', 404, tenant.name)
      sendError(call.res, err)
      return Promise.resolve()
    }
    const { pool, adapter } = target
    const est = estimateRequest(call.request, call.chat, adapter)
    const charged = est.promptTokens + est.maxTokens
    try {
      d.tenants.admit(tenant, charged, d.clock.now())
    } catch (err) {
      d.metrics.decision(pool.model, pool.router.name, 'rejected')
      d.metrics.request(pool.model, 'none', (err as ApiError).status, tenant.name)
      sendError(call.res, err as ApiError)
      return Promise.resolve()
    }
    const id = this.#nextId++
    return new Promise<void>((finished) => {
      const ex: Exchange = {
        id,
        call,
        pool,
        adapter,
        info: {
          id,
          model: pool.model,
          inputTokens: est.promptTokens,
          blockHashes: est.blockHashes,
          tenant: tenant.name,
        },
        est,
        charged,
        state: 'queued',
        queueTimer: undefined,
        enqueuedAt: call.arrival,
        tried: new Set(),
        backend: undefined,
        ttft: undefined,
        lastChunk: 0,
        frames: 0,
        bodyChunks: call.request.stream ? undefined : [],
        bodyBytes: 0,
        finished,
      }
      this.#active++
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
    if (capacity === 'none') {
      d.metrics.decision(pool.model, pool.router.name, 'rejected')
      this.#fail(
        ex,
        new ApiError(503, `no healthy backend for model '${pool.model}'`, {
          code: 'no_healthy_backend',
          retryAfter: 1,
        }),
      )
      return
    }
    // Arrivals join a non-empty queue even when a slot is free: no jumping ahead of waiters.
    if (capacity === 'open' && queue.size === 0) {
      this.#start(ex)
      return
    }
    const tenant = ex.call.tenant
    if (!queue.push(tenant.name, ex, tenant.weight)) {
      d.metrics.decision(pool.model, pool.router.name, 'rejected')
      this.#fail(
        ex,
        rateLimited(
          `The gateway queue for model '${pool.model}' is full (${queue.capacity} waiting); ` +
            'every backend is saturated. Retry shortly.',
          'queue_full',
          1,
        ),
      )
      return
    }
    d.metrics.decision(pool.model, pool.router.name, 'queued')
    ex.enqueuedAt = now
    const maxWait = d.config.queue.max_wait_s
    ex.queueTimer = setTimeout(() => {
      if (ex.state !== 'queued' || !queue.remove(tenant.name, ex)) return
      d.metrics.queueWait(pool.model, d.clock.now() - ex.enqueuedAt)
      this.#fail(
        ex,
        rateLimited(
          `Waited ${maxWait} s in the gateway queue for model '${pool.model}' without a free ` +
            'backend. Retry later.',
          'queue_timeout',
          1,
        ),
      )
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
      this.#start(ex)
    }
  }

  /** pumpAll pumps every pool (after a scrape or a health change). */
  pumpAll(): void {
    for (const pool of this.#d.pools) this.pump(pool)
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
    })
    if (picked === undefined) {
      d.metrics.decision(pool.model, pool.router.name, 'rejected')
      this.#fail(
        ex,
        retry
          ? new ApiError(502, `every backend tried for model '${pool.model}' failed`, {
              code: 'upstream_error',
            })
          : new ApiError(503, `no healthy backend for model '${pool.model}'`, {
              code: 'no_healthy_backend',
              retryAfter: 1,
            }),
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
      this.#fail(ex, new ApiError(500, 'internal error in the gateway', { code: 'internal_error' }))
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
        onChunk: (chunk, first) => {
          const t = d.clock.now()
          if (call.request.stream) {
            if (first) {
              ex.ttft = t - call.arrival
              series.ttft.observe(ex.ttft)
            } else {
              series.itl.observe(t - ex.lastChunk)
            }
            ex.lastChunk = t
            ex.frames += countFrames(chunk)
          } else if (ex.bodyChunks && ex.bodyBytes + chunk.length <= MAX_USAGE_BODY) {
            ex.bodyChunks.push(chunk)
            ex.bodyBytes += chunk.length
          }
        },
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
        this.#fail(
          ex,
          new ApiError(
            502,
            `the backend for model '${pool.model}' failed after ${ex.tried.size} attempt(s): ` +
              outcome.detail,
            { code: 'upstream_error' },
          ),
        )
        return
      }
      case 'timeout':
      case 'broken': {
        this.#failed(pool, u)
        const kind: FailureKind = outcome.kind === 'timeout' ? 'timeout' : 'mid_stream'
        d.metrics.failure(pool.model, u.url, kind, false)
        const status = outcome.kind === 'timeout' ? 504 : 502
        if (outcome.kind === 'timeout' && !outcome.forwarded) {
          this.#fail(ex, new ApiError(504, outcome.detail, { code: 'upstream_timeout' }))
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
    const d = this.#d
    const call = ex.call
    const now = d.clock.now()
    const pool = ex.pool.model
    const url = ex.backend?.url ?? 'none'
    const ok = status < 400
    // Tokens the backend used, estimated: the prompt plus the output it reported or streamed.
    let used = 0
    if (ok) {
      const output = call.request.stream
        ? Math.max(0, ex.frames - 1 - (call.chat ? 1 : 0) - (call.request.includeUsage ? 1 : 0))
        : (readUsage(ex.bodyChunks) ?? ex.est.maxTokens)
      used = ex.est.promptTokens + output
    }
    d.tenants.release(call.tenant, ex.charged - used, now)
    // The fair-queue counter was charged up front; settle it to what was used.
    this.#queues.get(ex.pool)?.charge(call.tenant.name, used - ex.charged)
    d.metrics.request(pool, url, status, call.tenant.name)
    const e2e = now - call.arrival
    if (ok && ex.backend) d.metrics.series(pool, url).e2e.observe(e2e)
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
