/**
 * @module The gateway's request path after parsing: pool by model, tenant limits, the pool's
 * queue when every backend is saturated, the router's pick, the upstream attempt, retries on
 * another backend, outlier ejection, and the gateway's own in-flight and token accounting.
 *
 * A request's life: `serve` plans its token charge (token-charge.ts) and admits it against its
 * tenant's limits (400 when it can never fit, 429 when over for now). If the pool's queue is
 * empty and some backend has room it starts at once; else it waits in the pool's queue, ordered
 * by the config's `admission` policy (the VTC fair queue by default; 429 when full, or after
 * queue.max_wait_s). `#start` picks a backend and counts the request in flight
 * *synchronously*, so a burst released by `pump` never over-fills a backend between two picks.
 * An attempt that fails before the client got anything (connect error, 5xx) is retried on a
 * backend not yet tried, up to retries.max; after that, or after the client got the head, the
 * failure is final. While it streams, output past the reservation is drawn from the tenant's
 * bucket token by token; a stream the bucket cannot pay for is cut with a final error frame.
 *
 * An autoscaled pool with no routable backend holds requests instead of answering 503, as
 * Knative's activator does at zero: they wait in the same queue (at most hold.max_requests, else
 * 429 with Retry-After the expected cold start left; at most hold.timeout_s, else 503) and go
 * when a replica becomes ready. The autoscaler sees every request enter and leave the pool.
 */
import type { Dispatcher } from 'undici'
import type { ApiError } from '../openai/api-error.js'
import { errorText, type Log } from '../util/log.js'
import type { Rng } from '../util/rng.js'
import { holdFull, holdTimeout } from './autoscale/errors.js'
import type { Clock } from './clock.js'
import type { GatewayConfig } from './config.js'
import {
  contextExceeded,
  internalError,
  modelNotFound,
  noHealthyBackend,
  queueFull,
  queueTimeout,
  tokensExhausted,
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
import type { CutReason, FailureKind, GatewayMetrics } from './gateway-metrics.js'
import { type EjectionPolicy, ejectionPolicy, noteFailure, noteSuccess } from './outlier.js'
import type { Pool, Upstream } from './pool.js'
import type { PrefixIndex } from './prefix-index.js'
import { type AttemptOutcome, attempt } from './proxy.js'
import { sendError } from './respond.js'
import type { Tenants } from './tenants.js'
import { type ChargePlan, exceedsContext, planCharge } from './token-charge.js'

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
  readonly log: Log
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
  /** Calls admitted and not finished (queued or running), for the shutdown's last word. */
  readonly #live = new Set<Exchange>()
  #nextId = 0
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
    this.#ejection = ejectionPolicy(d.config.ejection)
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
    if (this.#live.size === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const prev = this.#onIdle
      this.#onIdle = () => {
        prev?.()
        resolve()
      }
    })
  }

  /**
   * stopAll ends every call still queued or running with `err` (the drain timeout expired): a
   * queued one gets it as its answer, a running stream as its last frame.
   */
  stopAll(err: ApiError): void {
    for (const ex of [...this.#live]) {
      if (ex.state === 'queued') {
        this.#withdraw(ex)
        this.#fail(ex, err)
      } else if (ex.state === 'running') {
        this.#cut(ex, 'shutdown', err)
      }
    }
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
    let plan: ChargePlan
    try {
      plan = this.#admitTenant(call, pool)
    } catch (err) {
      d.metrics.decision(pool.model, pool.router.name, 'rejected')
      d.metrics.request(pool.model, 'none', (err as ApiError).status, tenant.name)
      sendError(call.res, err as ApiError)
      return Promise.resolve()
    }
    const id = this.#nextId++
    return new Promise<void>((finished) => {
      const ex = createExchange(id, call, pool, adapter, plan, finished)
      this.#live.add(ex)
      d.autoscale?.entered(pool, call.arrival)
      call.clientGone.addEventListener('abort', () => this.#clientGone(ex), { once: true })
      this.#admit(ex)
    })
  }

  /**
   * #admitTenant refuses what cannot fit the context window, plans the token charge, takes it
   * from the tenant (or throws its 400/429), and tells the client its budget in OpenAI's
   * rate-limit headers (and the cap, when the gateway set max_tokens).
   */
  #admitTenant(call: Call, pool: Pool): ChargePlan {
    const d = this.#d
    const now = d.clock.now()
    const { promptTokens, tenant, chat } = call
    const maxTokens = call.request.maxTokens
    const context = pool.context()
    if (exceedsContext(promptTokens, maxTokens, chat, context)) {
      throw contextExceeded(pool.model, context!, promptTokens, maxTokens)
    }
    const balance = tenant.bucket?.balance(now)
    const plan = planCharge({ promptTokens, maxTokens, chat, context, balance })
    const res = call.res
    try {
      d.tenants.admit(tenant, plan.reserve, now)
    } finally {
      const headers = d.tenants.rateHeaders(tenant, now)
      if (headers) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
    }
    if (plan.cap !== undefined) res.setHeader('x-flotilla-max-tokens', plan.cap)
    return plan
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
    u.state.inFlightPromptTokens += ex.call.promptTokens
    const hashes = ex.call.blockHashes
    if (!retry) {
      d.metrics.prefix(pool.model, hashes.length, d.prefix.match(u.url, hashes))
      // VTC charges service as it is given; the estimate now, settled to the actual at the end.
      this.#queues.get(pool)?.charge(ex.call.tenant.name, ex.plan.reserve)
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
      d.log('error', 'internal error', { error: errorText(err) })
      this.#fail(ex, internalError())
    })
  }

  /** #run awaits one attempt and settles its accounting, then retries or finishes. */
  async #run(ex: Exchange, u: Upstream): Promise<void> {
    const d = this.#d
    const call = ex.call
    const timeouts = d.config.timeouts
    const series = d.metrics.series(ex.pool.model, u.url)
    const requestMs = Math.max(1, (call.arrival + timeouts.request_s - d.clock.now()) * 1000)
    let outcome: AttemptOutcome
    try {
      outcome = await attempt({
        agent: d.agent,
        origin: u.origin,
        path: `${u.basePath}${call.chat ? '/v1/chat/completions' : '/v1/completions'}`,
        body: ex.upstreamBody,
        headers: u.authorization
          ? { ...JSON_HEADERS, authorization: u.authorization }
          : JSON_HEADERS,
        res: call.res,
        firstByteMs: timeouts.first_byte_s * 1000,
        requestMs,
        idleMs: timeouts.idle_s * 1000,
        clientGone: call.clientGone,
        stop: ex.stop.signal,
        onChunk: (chunk, first) => {
          const tokens = noteChunk(ex, chunk, first, d.clock.now(), series)
          return tokens === 0 || this.#pay(ex, tokens)
        },
      })
    } finally {
      u.state.inFlight--
      u.state.inFlightPromptTokens -= call.promptTokens
    }
    this.#settle(ex, u, outcome)
    this.pump(ex.pool)
  }

  /**
   * #pay draws the tokens a stream has delivered beyond its reservation from the tenant's bucket.
   * When the bucket cannot pay, the chunk is withheld and the stream cut: a tenant's stream
   * never runs its bucket below zero, however many run at once.
   */
  #pay(ex: Exchange, tokens: number): boolean {
    const d = this.#d
    const meter = ex.meter!
    const due = ex.call.promptTokens + meter.tokens - ex.reserved
    if (due <= 0) return true
    const tenant = ex.call.tenant
    if (d.tenants.draw(tenant, due, d.clock.now())) {
      ex.reserved += due
      return true
    }
    meter.tokens -= tokens // withheld: not delivered, not owed
    const perMinute = tenant.bucket?.perMinute ?? 0
    this.#cut(ex, 'tokens_per_minute', tokensExhausted(tenant.name, perMinute, meter.tokens))
    return false
  }

  /** #cut stops a running exchange's answer with `err`, for `reason`. */
  #cut(ex: Exchange, reason: CutReason, err: ApiError): void {
    if (ex.stop.signal.aborted) return
    ex.cutReason = reason
    ex.stop.abort(err)
  }

  /** #settle applies an attempt's outcome: success, retry, or the final failure. */
  #settle(ex: Exchange, u: Upstream, outcome: AttemptOutcome): void {
    const d = this.#d
    const pool = ex.pool
    switch (outcome.kind) {
      case 'done':
        noteSuccess(u.state)
        this.#finish(ex, outcome.status)
        return
      case 'client_gone':
        this.#finish(ex, 499)
        return
      case 'stopped':
        if (!outcome.forwarded) {
          this.#fail(ex, outcome.error)
          return
        }
        d.metrics.cut(pool.model, ex.cutReason ?? 'shutdown')
        this.#finish(ex, outcome.error.status)
        return
      case 'retry': {
        this.#failed(pool, u, outcome.failure)
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
      case 'broken':
        this.#broken(ex, u, outcome)
        return
    }
  }

  /** #broken settles an attempt that timed out or broke: final, counted against the backend. */
  #broken(
    ex: Exchange,
    u: Upstream,
    outcome: Extract<AttemptOutcome, { kind: 'timeout' | 'broken' }>,
  ): void {
    const d = this.#d
    const pool = ex.pool
    const idle = outcome.kind === 'timeout' && outcome.which === 'idle'
    const kind: FailureKind =
      outcome.kind === 'broken' ? 'mid_stream' : idle ? 'idle_timeout' : 'timeout'
    this.#failed(pool, u, kind)
    d.metrics.failure(pool.model, u.url, kind, false)
    if (outcome.kind === 'timeout' && !outcome.forwarded) {
      this.#fail(ex, upstreamTimeout(outcome.detail))
      return
    }
    if (idle) d.metrics.cut(pool.model, 'idle_timeout')
    // attempt() already ended the client's stream with an error frame.
    this.#finish(ex, outcome.kind === 'timeout' ? 504 : 502)
  }

  /** #failed records a backend failure (of `kind`) and its ejection. */
  #failed(pool: Pool, u: Upstream, kind: FailureKind): void {
    const d = this.#d
    const s = u.state
    const probation = s.probation
    const now = d.clock.now()
    if (!noteFailure(s, now, this.#ejection)) return
    d.metrics.ejected(pool.model, u.url)
    d.prefix.reset(u.url)
    d.log('warn', probation ? 'ejected backend: it failed on probation' : 'ejected backend', {
      pool: pool.model,
      backend: u.url,
      failures: s.consecutiveFailures,
      last_failure: kind,
      cool_off_s: Number((s.ejectedUntil - now).toFixed(3)),
      ejections_in_a_row: s.ejections,
    })
    d.onEjected(pool, u)
  }

  /** #clientGone withdraws a queued call whose client left (a running one aborts in attempt()). */
  #clientGone(ex: Exchange): void {
    if (ex.state === 'queued' && this.#withdraw(ex)) this.#finish(ex, 499)
  }

  /** #withdraw takes a queued call out of its queue; false when it was not there. */
  #withdraw(ex: Exchange): boolean {
    if (!this.#queues.get(ex.pool)!.remove(ex.call.tenant.name, ex)) return false
    clearTimeout(ex.queueTimer)
    this.#hold(ex, false)
    return true
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
    const used = usedTokens(ex, status)
    d.tenants.release(call.tenant, ex.reserved, used, now)
    d.metrics.tenantTokens(call.tenant.name, used)
    // The fair-queue counter was charged the reservation up front; settle it to what was used.
    if (ex.backend) this.#queues.get(ex.pool)?.charge(call.tenant.name, used - ex.plan.reserve)
    d.metrics.request(pool, url, status, call.tenant.name)
    const e2e = now - call.arrival
    const ok = status < 400
    if (ok && ex.backend) d.metrics.series(pool, url).e2e.observe(e2e)
    d.autoscale?.left(ex.pool, now, {
      status,
      e2e,
      ttft: ex.ttft,
      outputTokens: ok ? Math.max(0, used - call.promptTokens) : 0,
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
    this.#live.delete(ex)
    ex.finished()
    if (this.#live.size === 0) {
      const idle = this.#onIdle
      this.#onIdle = undefined
      idle?.()
    }
  }
}

/** JSON_HEADERS are the upstream request headers of a backend without credentials. */
const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json' }
