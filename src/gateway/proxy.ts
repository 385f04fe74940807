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

/**
 * attempt performs one upstream call and streams its answer into `res`. It never throws: every
 * failure is an outcome, and when the client already has the head, `attempt` ends its stream.
 */
export async function attempt(o: AttemptOptions): Promise<AttemptOutcome> {
  const ac = new AbortController()
  let timedOut = ''
  const abortOnClientGone = (): void => ac.abort()
  if (o.clientGone.aborted) return { kind: 'client_gone' }
  o.clientGone.addEventListener('abort', abortOnClientGone, { once: true })
  let firstTimer: NodeJS.Timeout | undefined = setTimeout(() => {
    timedOut = `no first byte from the backend within ${o.firstByteMs / 1000} s`
    ac.abort()
  }, o.firstByteMs)
  const wholeTimer = setTimeout(() => {
    timedOut = 'the request exceeded the whole-request timeout'
    ac.abort()
  }, o.requestMs)
  let forwarded = false
  let sse = false
  try {
    const up = await o.agent.request({
      origin: o.origin,
      path: o.path,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: o.body,
      signal: ac.signal,
      // The gateway's own timers bound the wait; undici's would race them with other messages.
      headersTimeout: 0,
      bodyTimeout: 0,
    })
    if (up.statusCode >= 500) {
      const text = await up.body.text()
      return {
        kind: 'retry',
        failure: 'status_5xx',
        detail: `the backend answered ${up.statusCode}: ${text.slice(0, 200)}`,
      }
    }
    const type = String(up.headers['content-type'] ?? '')
    sse = type.startsWith('text/event-stream')
    // setHeader (not writeHead's object) so later code can still read them (respond.ts).
    for (const h of PASS_HEADERS) {
      const v = up.headers[h]
      if (typeof v === 'string') o.res.setHeader(h, v)
    }
    if (sse) {
      o.res.setHeader('cache-control', 'no-cache')
      o.res.setHeader('x-accel-buffering', 'no')
    }
    o.res.writeHead(up.statusCode)
    // The head goes out now, not with the first token: a client sees the stream open at once.
    if (sse) o.res.flushHeaders()
    forwarded = true
    const body = up.body
    let first = true
    await new Promise<void>((resolve, reject) => {
      body.on('data', (chunk: Buffer) => {
        if (first && firstTimer) {
          clearTimeout(firstTimer)
          firstTimer = undefined
        }
        o.onChunk(chunk, first)
        first = false
        if (!o.res.write(chunk)) {
          // Backpressure: a slow client slows the upstream read instead of growing memory.
          body.pause()
          o.res.once('drain', () => body.resume())
        }
      })
      body.once('end', resolve)
      body.once('error', reject)
    })
    o.res.end()
    return { kind: 'done', status: up.statusCode }
  } catch (err) {
    if (o.clientGone.aborted) return { kind: 'client_gone' }
    if (timedOut !== '') {
      if (forwarded)
        endBroken(o.res, sse, new ApiError(504, timedOut, { code: 'upstream_timeout' }))
      return { kind: 'timeout', forwarded, detail: timedOut }
    }
    const detail = describe(err)
    if (!forwarded) return { kind: 'retry', failure: 'connect', detail }
    endBroken(
      o.res,
      sse,
      new ApiError(502, `the backend failed mid-response (${detail})`, { code: 'upstream_error' }),
    )
    return { kind: 'broken', detail }
  } finally {
    if (firstTimer) clearTimeout(firstTimer)
    clearTimeout(wholeTimer)
    o.clientGone.removeEventListener('abort', abortOnClientGone)
  }
}
