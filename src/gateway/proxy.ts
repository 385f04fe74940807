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
import type { Dispatcher } from 'undici'
import { ApiError } from '../openai/api-error.js'

/** AttemptOptions describe one attempt on one backend. */
export interface AttemptOptions {
  readonly agent: Dispatcher
  /** Backend origin, e.g. http://127.0.0.1:8001. */
  readonly origin: string
  readonly path: string
  /** The client's body, forwarded byte for byte (unknown fields and all). */
  readonly body: Buffer
  readonly res: ServerResponse
  /** Connect + first body byte, in ms (for a non-streamed answer: the whole answer). */
  readonly firstByteMs: number
  /** What is left of the whole-request timeout, in ms. */
  readonly requestMs: number
  /** Aborted when the client goes away. */
  readonly clientGone: AbortSignal
  /** Called with each chunk before it is written to the client. */
  readonly onChunk: (chunk: Buffer, first: boolean) => void
}

/** AttemptOutcome says how an attempt ended and whether another backend may be tried. */
export type AttemptOutcome =
  /** Answered (any status below 500), passed through to the client. */
  | { readonly kind: 'done'; readonly status: number }
  /** Failed before anything reached the client: safe to try another backend. */
  | { readonly kind: 'retry'; readonly failure: 'connect' | 'status_5xx'; readonly detail: string }
  /** Timed out; `forwarded` when the client already had the head (its stream was ended). */
  | { readonly kind: 'timeout'; readonly forwarded: boolean; readonly detail: string }
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

/** endsWithDone says whether an SSE chunk ends with the `data: [DONE]` frame. */
function endsWithDone(chunk: Buffer): boolean {
  const n = chunk.length
  const m = DONE.length
  return n >= m && chunk.compare(DONE, 0, m, n - m, n) === 0
}

/** MAX_ERROR_BODY is how much of a 5xx body is kept for the error message (bytes). */
const MAX_ERROR_BODY = 512

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
  return new Promise<AttemptOutcome>((resolve) => {
    const res = o.res
    let controller: Dispatcher.DispatchController | undefined
    /** Why the gateway aborted the call ('' = it did not). */
    let abortedFor = ''
    let settled = false
    let status = 0
    let forwarded = false
    let sse = false
    let first = true
    /** The client's response was ended at the [DONE] frame. */
    let ended = false
    let errorBody = ''
    /** Some body bytes were written (the head went with them). */
    let wrote = false
    let corked = false
    const uncork = (): void => {
      corked = false
      res.uncork()
    }
    const flushHead = (): void => {
      if (!wrote && !res.writableEnded && !res.destroyed) res.flushHeaders()
    }

    const abort = (why: string): void => {
      if (abortedFor !== '' || settled) return
      abortedFor = why
      // Before undici hands over its controller the request has not left; settle now and abort
      // it when the controller arrives.
      if (controller) controller.abort(new Error(why))
      else fail(new Error(why))
    }
    const onClientGone = (): void => abort('client gone')
    o.clientGone.addEventListener('abort', onClientGone, { once: true })
    let firstTimer: NodeJS.Timeout | undefined = setTimeout(
      () => abort(`no first byte from the backend within ${o.firstByteMs / 1000} s`),
      o.firstByteMs,
    )
    const wholeTimer = setTimeout(
      () => abort('the request exceeded the whole-request timeout'),
      o.requestMs,
    )

    function settle(outcome: AttemptOutcome): void {
      if (settled) return
      settled = true
      if (firstTimer) clearTimeout(firstTimer)
      clearTimeout(wholeTimer)
      o.clientGone.removeEventListener('abort', onClientGone)
      resolve(outcome)
    }

    function fail(err: Error): void {
      if (settled) return
      if (o.clientGone.aborted) {
        settle({ kind: 'client_gone' })
      } else if (abortedFor !== '') {
        if (forwarded) {
          endBroken(res, sse, new ApiError(504, abortedFor, { code: 'upstream_timeout' }))
        }
        settle({ kind: 'timeout', forwarded, detail: abortedFor })
      } else if (!forwarded) {
        settle({ kind: 'retry', failure: 'connect', detail: describe(err) })
      } else {
        const detail = describe(err)
        endBroken(
          res,
          sse,
          new ApiError(502, `the backend failed mid-response (${detail})`, {
            code: 'upstream_error',
          }),
        )
        settle({ kind: 'broken', detail })
      }
    }

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c
        if (abortedFor !== '') c.abort(new Error(abortedFor))
      },
      onResponseStart(c, statusCode, headers) {
        if (settled || statusCode < 200) return
        status = statusCode
        if (statusCode >= 500) return // read the error body, then retry elsewhere
        sse = String(headers['content-type'] ?? '').startsWith('text/event-stream')
        // setHeader (not writeHead's object) so later code can still read them (respond.ts).
        for (const h of PASS_HEADERS) {
          const v = headers[h]
          if (typeof v === 'string') res.setHeader(h, v)
        }
        if (sse) {
          res.setHeader('cache-control', 'no-cache')
          res.setHeader('x-accel-buffering', 'no')
        }
        res.writeHead(statusCode)
        // The head goes out in this turn, not with the first token, so a client sees the stream
        // open at once; but when the first chunk came in the same read (the usual case) it rides
        // in the same write as the head.
        if (sse) process.nextTick(flushHead)
        forwarded = true
        controller = c
      },
      onResponseData(c, chunk) {
        if (settled) return
        if (status >= 500) {
          if (errorBody.length < MAX_ERROR_BODY) errorBody += chunk.toString('utf8')
          return
        }
        if (first) {
          first = false
          if (firstTimer) clearTimeout(firstTimer)
          firstTimer = undefined
          o.onChunk(chunk, true)
        } else {
          o.onChunk(chunk, false)
        }
        if (ended) return
        wrote = true
        if (!corked) {
          // One socket read often holds several chunked-encoding pieces, each its own callback:
          // cork so they leave as one writev, as a proxy forwarding whole reads would send them.
          corked = true
          res.cork()
          process.nextTick(uncork)
        }
        if (sse && endsWithDone(chunk)) {
          // The stream's last frame: send it with the chunked-encoding terminator in one write
          // rather than two (the upstream's own end follows at once and finds it ended).
          ended = true
          res.end(chunk)
          return
        }
        if (!res.write(chunk)) {
          // Backpressure: a slow client slows the upstream read instead of growing memory.
          c.pause()
          res.once('drain', () => c.resume())
        }
      },
      onResponseEnd() {
        if (settled) return
        if (status >= 500) {
          settle({
            kind: 'retry',
            failure: 'status_5xx',
            detail: `the backend answered ${status}: ${errorBody.slice(0, 200)}`,
          })
          return
        }
        if (!ended) res.end()
        settle({ kind: 'done', status })
      },
      onResponseError(_c, err) {
        // After [DONE] the client has the whole answer; a late upstream error changes nothing.
        if (ended) settle({ kind: 'done', status })
        else fail(err)
      },
    }
    o.agent.dispatch(
      {
        origin: o.origin,
        path: o.path,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: o.body,
        // The gateway's own timers bound the wait; undici's would race them with other messages.
        headersTimeout: 0,
        bodyTimeout: 0,
      },
      handler,
    )
  })
}
