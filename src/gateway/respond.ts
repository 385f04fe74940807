/**
 * @module Writing the gateway's own answers: OpenAI-style JSON errors (with `Retry-After` on
 * 429 and 503) and JSON bodies. Every error the gateway produces goes through `sendError`.
 */
import type { ServerResponse } from 'node:http'
import type { ApiError } from '../openai/api-error.js'
import { errorFrame } from './proxy.js'

/**
 * sendError answers with the error's status and JSON body. When a stream has already started it
 * cannot change the status: an SSE stream gets a final error frame, anything else is cut.
 */
export function sendError(res: ServerResponse, err: ApiError): void {
  if (res.writableEnded || res.destroyed) return
  if (res.headersSent) {
    if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) {
      res.end(errorFrame(err))
    } else {
      res.destroy()
    }
    return
  }
  const body = err.body()
  const head: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  }
  if (err.retryAfter !== undefined) head['retry-after'] = err.retryAfter
  res.writeHead(err.status, head)
  res.end(body)
}

/** sendJson answers 200 (or `status`) with a JSON body. */
export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}
