/**
 * @module The gateway's HTTP layer on node:http: routes, API keys, the body limit, JSON and
 * schema checks, each failure an OpenAI-style error with its status (401, 404, 405, 413, 400,
 * 503 while draining). A parsed completion request goes to `Dispatch.serve`. Bodies are analysed
 * by size on the event loop or on worker threads (body-workers.ts), so no body, however built,
 * holds up the other clients' streams.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { ApiError } from '../openai/api-error.js'
import { ClientAborted, readBody } from '../openai/read-body.js'
import { type MetricsText, matchRoute, type RouteTable, serveMetrics } from '../openai/routes.js'
import { errorText, type Log } from '../util/log.js'
import type { Analyzed } from './body-analysis.js'
import { INLINE_BYTES } from './body-workers.js'
import type { Clock } from './clock.js'
import type { Call } from './exchange.js'
import { sendError, sendJson } from './respond.js'
import type { Tenants } from './tenants.js'

/** ServerHandlers are what the HTTP layer calls. */
export interface ServerHandlers {
  readonly clock: Clock
  readonly tenants: Tenants
  readonly bodyLimit: number
  /** Draining: new requests get 503. */
  draining(): boolean
  /** analyze parses, checks and estimates a body (rejects with the ApiError to answer). */
  analyze(body: Buffer, chat: boolean): Promise<Analyzed>
  completion(call: Call): Promise<void>
  models(): unknown
  /** health is the /health body and its HTTP status (503 when nothing can be served). */
  health(): { readonly status: number; readonly body: unknown }
  metrics(): Promise<MetricsText>
  readonly log: Log
}

type Route = 'completions' | 'chat' | 'models' | 'health' | 'metrics'

/** ROUTES maps each path to its method and route. */
const ROUTES: RouteTable<Route> = {
  '/v1/completions': { method: 'POST', route: 'completions' },
  '/v1/chat/completions': { method: 'POST', route: 'chat' },
  '/v1/models': { method: 'GET', route: 'models' },
  '/health': { method: 'GET', route: 'health' },
  '/metrics': { method: 'GET', route: 'metrics' },
}

/**
 * allocBody puts a body bound for a worker thread in shared memory: the worker reads it where it
 * lies, and the event loop never copies 4 MB in one turn.
 */
function allocBody(bytes: number): Buffer {
  return bytes > INLINE_BYTES
    ? Buffer.from(new SharedArrayBuffer(bytes))
    : Buffer.allocUnsafe(bytes)
}

/** createGatewayServer builds the node:http server (not yet listening). */
export function createGatewayServer(h: ServerHandlers): Server {
  const fail = failWith(h)
  return createServer(
    { noDelay: true, keepAliveTimeout: 30_000 },
    function onGatewayRequest(req, res) {
      const route = matchRoute(req, res, ROUTES, fail)
      if (route === undefined) return
      if (route === 'completions' || route === 'chat') {
        completionRoute(h, fail, req, res, route === 'chat')
        return
      }
      req.resume()
      if (route === 'health') healthRoute(h, fail, res)
      else if (route === 'metrics') serveMetrics(res, h.metrics(), fail)
      else modelsRoute(h, fail, req, res)
    },
  )
}

type Fail = (res: ServerResponse, err: unknown) => void

/** failWith answers an error: an ApiError as it says, a client gone with a log line, else a 500. */
function failWith(h: ServerHandlers): Fail {
  return (res, err) => {
    if (err instanceof ApiError) {
      sendError(res, err)
      return
    }
    if (err instanceof ClientAborted) {
      h.log('info', 'client disconnected during the upload', { received_bytes: err.received })
      return
    }
    h.log('error', 'internal error', { error: errorText(err) })
    sendError(res, new ApiError(500, 'internal error in the gateway', { code: 'internal_error' }))
  }
}

const SHUTTING_DOWN = 'the gateway is shutting down'

function healthRoute(h: ServerHandlers, fail: Fail, res: ServerResponse): void {
  if (h.draining()) {
    fail(res, new ApiError(503, SHUTTING_DOWN, { code: 'shutting_down' }))
    return
  }
  const health = h.health()
  sendJson(res, health.body, health.status)
}

function modelsRoute(h: ServerHandlers, fail: Fail, req: IncomingMessage, res: ServerResponse) {
  try {
    h.tenants.resolve(req.headers.authorization)
    sendJson(res, h.models())
  } catch (err) {
    fail(res, err)
  }
}

/** completionRoute serves POST /v1/completions and /v1/chat/completions. */
function completionRoute(
  h: ServerHandlers,
  fail: Fail,
  req: IncomingMessage,
  res: ServerResponse,
  chat: boolean,
): void {
  if (h.draining()) {
    // A request that slipped in on a kept-alive connection after the listener closed.
    req.resume()
    res.setHeader('connection', 'close')
    fail(res, new ApiError(503, SHUTTING_DOWN, { code: 'shutting_down', retryAfter: 1 }))
    return
  }
  completion(h, req, res, chat).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 413) res.setHeader('connection', 'close')
    else req.resume()
    fail(res, err)
  })
}

/** completion checks the key, reads and analyses the body, and hands the call to dispatch. */
async function completion(
  h: ServerHandlers,
  req: IncomingMessage,
  res: ServerResponse,
  chat: boolean,
): Promise<void> {
  const arrival = h.clock.now()
  const tenant = h.tenants.resolve(req.headers.authorization)
  const gone = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) gone.abort()
  })
  const body = await readBody(req, h.bodyLimit, allocBody)
  const a = await h.analyze(body, chat)
  await h.completion({
    chat,
    body,
    request: a.request,
    promptTokens: a.promptTokens,
    blockHashes: a.blockHashes,
    tenant,
    arrival,
    res,
    clientGone: gone.signal,
  })
}
