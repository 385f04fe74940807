/**
 * @module One upstream attempt: send the client's body to a backend and stream the answer back.
 *
 * Upstream calls use undici (Node's own HTTP client, the engine behind `fetch`, used directly):
 * it pools keep-alive connections per backend and hands the body over as a stream of chunks with
 * less per-request overhead than `fetch` or node:http's client.
 *
 * SSE is forwarded chunk by chunk as it arrives, with no buffering: the response head goes out as
 * soon as the upstream's does (with `x-accel-buffering: no` for any proxy in front), and every
 * upstream chunk is written at once (the gateway's sockets have Nagle off). Until the response
 * head has been written the attempt can still fail over to another backend; after it, a failure
 * ends the client's stream with a final `data: {"error": …}` frame, so no client waits forever.
 */
import type { ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Dispatcher } from 'undici'
import { ApiError } from '../openai/api-error.js'
import { endsWith } from './usage.js'

/** AttemptOptions describe one attempt on one backend. */
export interface AttemptOptions {
  readonly agent: Dispatcher
  /** Backend origin, e.g. http://127.0.0.1:8001. */
  readonly origin: string
  readonly path: string
  /** The client's body, forwarded byte for byte (unknown fields and all) unless capped. */
  readonly body: Buffer
  /** Request headers for this backend (content type, and its credentials when it has some). */
  readonly headers: Readonly<Record<string, string>>
  readonly res: ServerResponse
  /** Connect + first body byte, in ms (for a non-streamed answer: the whole answer). */
  readonly firstByteMs: number
  /** What is left of the whole-request timeout, in ms. */
  readonly requestMs: number
  /**
   * Longest silence between two body chunks once the answer has begun, in ms. Time the upstream
   * read is paused because the client is slow to take the bytes does not count.
   */
  readonly idleMs: number
  /** Aborted when the client goes away. */
  readonly clientGone: AbortSignal
  /**
   * Aborted by the gateway to stop the answer (the tenant's tokens ran out, the drain timeout
   * expired); its `reason` is the ApiError the client gets (as the final SSE frame once the
   * stream has begun).
   */
  readonly stop: AbortSignal
  /**
   * Called with each chunk before it is written to the client; returning false withholds the
   * chunk (the callback aborts `stop` first, which ends the answer).
   */
  readonly onChunk: (chunk: Buffer, first: boolean) => boolean
}

/** TimeoutKind names which bound an attempt ran into. */
export type TimeoutKind = 'first_byte' | 'request' | 'idle'

/** AttemptOutcome says how an attempt ended and whether another backend may be tried. */
export type AttemptOutcome =
  /** Answered (any status below 500), passed through to the client. */
  | { readonly kind: 'done'; readonly status: number }
  /** Failed before anything reached the client: safe to try another backend. */
  | { readonly kind: 'retry'; readonly failure: 'connect' | 'status_5xx'; readonly detail: string }
  /** Timed out; `forwarded` when the client already had the head (its stream was ended). */
  | {
      readonly kind: 'timeout'
      readonly which: TimeoutKind
      readonly forwarded: boolean
      readonly detail: string
    }
  /** The gateway stopped it (`stop`); `forwarded` when the client's stream was ended with it. */
  | { readonly kind: 'stopped'; readonly forwarded: boolean; readonly error: ApiError }
  /** Failed after the head went out; the client's stream was ended with an error. */
  | { readonly kind: 'broken'; readonly detail: string }
  /** The client went away; the upstream request was aborted. */
  | { readonly kind: 'client_gone' }

/**
 * PASS_HEADERS are the upstream response headers passed to the client: never hop-by-hop ones
 * (RFC 9110 §7.6.1), which belong to each connection.
 */
const PASS_HEADERS = ['content-type', 'content-length'] as const

/** errorFrame is the last SSE frame of a stream that failed after it started. */
export function errorFrame(err: ApiError): string {
  return `data: ${err.body()}\n\n`
}

/** describe turns an undici or socket error into a short reason. */
function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code
    return code ? `${code}: ${err.message}` : err.message
  }
  return String(err)
}

/** endBroken ends a client response whose head already went out, after an upstream failure. */
function endBroken(res: ServerResponse, sse: boolean, err: ApiError): void {
  if (res.writableEnded || res.destroyed) return
  if (sse) {
    res.end(errorFrame(err))
  } else {
    // A JSON body cut short cannot carry an error; a reset tells the client it is incomplete.
    res.destroy()
  }
}

const DONE = Buffer.from('data: [DONE]\n\n')

/** MAX_ERROR_BODY is how much of a 5xx body is kept for the error message (bytes). */
const MAX_ERROR_BODY = 512

/** Abort is why the gateway aborted an attempt. */
type Abort =
  | { readonly kind: 'timeout'; readonly which: TimeoutKind; readonly detail: string }
  | { readonly kind: 'stopped'; readonly error: ApiError }

/**
 * attempt performs one upstream call and streams its answer into `res`. It never rejects: every
 * failure is an outcome, and when the client already has the head, `attempt` ends its stream.
 *
 * It uses undici's handler API (`dispatch`) rather than `request()`: each body chunk arrives as a
 * callback and is written to the client in the same turn, with no Readable stream in between
 * (about 17 chunks per 16-token answer, so the per-chunk path is the gateway's hot path).
 */
export function attempt(o: AttemptOptions): Promise<AttemptOutcome> {
  if (o.clientGone.aborted) return Promise.resolve({ kind: 'client_gone' })
  if (o.stop.aborted) {
    return Promise.resolve({ kind: 'stopped', forwarded: false, error: o.stop.reason as ApiError })
  }
  return new Promise<AttemptOutcome>((resolve) => {
    const a = new Attempt(o, resolve)
    o.agent.dispatch(
      {
        origin: o.origin,
        path: o.path,
        method: 'POST',
        headers: o.headers,
        body: o.body,
        // The gateway's own timers bound the wait; undici's would race them with other messages.
        headersTimeout: 0,
        bodyTimeout: 0,
      },
      a,
    )
  })
}

/** Attempt is one upstream call in flight: undici's handler, the timers and the client side. */
class Attempt implements Dispatcher.DispatchHandler {
  readonly #o: AttemptOptions
  readonly #res: ServerResponse
  readonly #resolve: (outcome: AttemptOutcome) => void
  #controller: Dispatcher.DispatchController | undefined
  /** Why the gateway aborted the call (undefined = it did not). */
  #aborted: Abort | undefined
  #settled = false
  #status = 0
  /** The client has the response head. */
  #forwarded = false
  #sse = false
  #first = true
  /** The client's response was ended at the [DONE] frame. */
  #ended = false
  #errorBody = ''
  /** Some body bytes were written (the head went with them). */
  #wrote = false
  #corked = false
  /** The upstream read is paused until the client drains (its slowness, not the backend's). */
  #paused = false
  /** performance.now() of the last body chunk (ms). */
  #lastData = 0
  #firstTimer: NodeJS.Timeout | undefined
  #idleTimer: NodeJS.Timeout | undefined
  readonly #wholeTimer: NodeJS.Timeout

  constructor(o: AttemptOptions, resolve: (outcome: AttemptOutcome) => void) {
    this.#o = o
    this.#res = o.res
    this.#resolve = resolve
    o.clientGone.addEventListener('abort', this.#onClientGone, { once: true })
    o.stop.addEventListener('abort', this.#onStop, { once: true })
    this.#firstTimer = setTimeout(
      () =>
        this.#timeout(
          'first_byte',
          `no first byte from the backend within ${o.firstByteMs / 1000} s`,
        ),
      o.firstByteMs,
    )
    this.#wholeTimer = setTimeout(
      () => this.#timeout('request', 'the request exceeded the whole-request timeout'),
      o.requestMs,
    )
  }

  readonly #onClientGone = (): void => this.#abort(undefined)
  readonly #onStop = (): void =>
    this.#abort({ kind: 'stopped', error: this.#o.stop.reason as ApiError })

  #timeout(which: TimeoutKind, detail: string): void {
    this.#abort({ kind: 'timeout', which, detail })
  }

  /** #abort cancels the upstream call for `why` (undefined: the client went away). */
  #abort(why: Abort | undefined): void {
    if (this.#aborted !== undefined || this.#settled) return
    this.#aborted = why
    const err = new Error(why === undefined ? 'client gone' : abortMessage(why))
    // Before undici hands over its controller the request has not left; settle now and abort
    // it when the controller arrives.
    if (this.#controller) this.#controller.abort(err)
    else this.#fail(err)
  }

  /**
   * #checkIdle runs when the idle bound may have passed since the last chunk: it cuts the call,
   * or re-arms for the time left. One timer per call, re-armed lazily, keeps the per-chunk path
   * free of timer churn.
   */
  readonly #checkIdle = (): void => {
    this.#idleTimer = undefined
    if (this.#settled || this.#ended) return
    const quiet = performance.now() - this.#lastData
    const idleMs = this.#o.idleMs
    if (this.#paused || quiet < idleMs) {
      this.#idleTimer = setTimeout(this.#checkIdle, this.#paused ? idleMs : idleMs - quiet)
      return
    }
    this.#timeout('idle', `no data from the backend for ${idleMs / 1000} s mid-answer`)
  }

  #settle(outcome: AttemptOutcome): void {
    if (this.#settled) return
    this.#settled = true
    clearTimeout(this.#firstTimer)
    clearTimeout(this.#idleTimer)
    clearTimeout(this.#wholeTimer)
    this.#o.clientGone.removeEventListener('abort', this.#onClientGone)
    this.#o.stop.removeEventListener('abort', this.#onStop)
    this.#resolve(outcome)
  }

  #fail(err: Error): void {
    if (this.#settled) return
    const why = this.#aborted
    const forwarded = this.#forwarded
    if (this.#o.clientGone.aborted) {
      this.#settle({ kind: 'client_gone' })
    } else if (why?.kind === 'stopped') {
      if (forwarded) endBroken(this.#res, this.#sse, why.error)
      this.#settle({ kind: 'stopped', forwarded, error: why.error })
    } else if (why?.kind === 'timeout') {
      if (forwarded) endBroken(this.#res, this.#sse, timeoutError(why))
      this.#settle({ kind: 'timeout', which: why.which, forwarded, detail: why.detail })
    } else if (!forwarded) {
      this.#settle({ kind: 'retry', failure: 'connect', detail: describe(err) })
    } else {
      const detail = describe(err)
      endBroken(
        this.#res,
        this.#sse,
        new ApiError(502, `the backend failed mid-response (${detail})`, {
          code: 'upstream_error',
        }),
      )
      this.#settle({ kind: 'broken', detail })
    }
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.#controller = c
    const why = this.#aborted
    if (why !== undefined || this.#o.clientGone.aborted) {
      c.abort(new Error(why === undefined ? 'client gone' : abortMessage(why)))
    }
  }

  onResponseStart(
    c: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (this.#settled || statusCode < 200) return
    this.#status = statusCode
    if (statusCode >= 500) return // read the error body, then retry elsewhere
    const res = this.#res
    this.#sse = String(headers['content-type'] ?? '').startsWith('text/event-stream')
    // setHeader (not writeHead's object) so later code can still read them (respond.ts).
    for (const h of PASS_HEADERS) {
      const v = headers[h]
      if (typeof v === 'string') res.setHeader(h, v)
    }
    if (this.#sse) {
      res.setHeader('cache-control', 'no-cache')
      res.setHeader('x-accel-buffering', 'no')
    }
    res.writeHead(statusCode)
    // The head goes out in this turn, not with the first token, so a client sees the stream
    // open at once; but when the first chunk came in the same read (the usual case) it rides
    // in the same write as the head.
    if (this.#sse) process.nextTick(this.#flushHead)
    this.#forwarded = true
    this.#controller = c
  }

  readonly #flushHead = (): void => {
    const res = this.#res
    if (!this.#wrote && !res.writableEnded && !res.destroyed) res.flushHeaders()
  }

  readonly #uncork = (): void => {
    this.#corked = false
    this.#res.uncork()
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return
    if (this.#status >= 500) {
      if (this.#errorBody.length < MAX_ERROR_BODY) this.#errorBody += chunk.toString('utf8')
      return
    }
    this.#lastData = performance.now()
    const first = this.#first
    if (first) {
      this.#first = false
      clearTimeout(this.#firstTimer)
      this.#firstTimer = undefined
      this.#idleTimer = setTimeout(this.#checkIdle, this.#o.idleMs)
    }
    if (!this.#o.onChunk(chunk, first) || this.#ended) return
    this.#write(c, chunk)
  }

  #write(c: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.#res
    this.#wrote = true
    if (!this.#corked) {
      // One socket read often holds several chunked-encoding pieces, each its own callback:
      // cork so they leave as one writev, as a proxy forwarding whole reads would send them.
      this.#corked = true
      res.cork()
      process.nextTick(this.#uncork)
    }
    if (this.#sse && endsWith(chunk, DONE)) {
      // The stream's last frame: send it with the chunked-encoding terminator in one write
      // rather than two (the upstream's own end follows at once and finds it ended).
      this.#ended = true
      res.end(chunk)
      return
    }
    if (!res.write(chunk)) {
      // Backpressure: a slow client slows the upstream read instead of growing memory.
      this.#paused = true
      c.pause()
      res.once('drain', () => {
        this.#paused = false
        this.#lastData = performance.now()
        c.resume()
      })
    }
  }

  onResponseEnd(): void {
    if (this.#settled) return
    const status = this.#status
    if (status >= 500) {
      this.#settle({
        kind: 'retry',
        failure: 'status_5xx',
        detail: `the backend answered ${status}: ${this.#errorBody.slice(0, 200)}`,
      })
      return
    }
    if (!this.#ended) this.#res.end()
    this.#settle({ kind: 'done', status })
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    // After [DONE] the client has the whole answer; a late upstream error changes nothing.
    if (this.#ended) this.#settle({ kind: 'done', status: this.#status })
    else this.#fail(err)
  }
}

/** abortMessage words an abort for undici's error. */
function abortMessage(why: Abort): string {
  return why.kind === 'timeout' ? why.detail : why.error.message
}

/** timeoutError is what a client whose answer had begun gets when a bound cut it. */
function timeoutError(why: Extract<Abort, { kind: 'timeout' }>): ApiError {
  const code = why.which === 'idle' ? 'upstream_idle_timeout' : 'upstream_timeout'
  return new ApiError(504, why.detail, { code })
}
