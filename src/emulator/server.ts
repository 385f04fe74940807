/**
 * @module The emulator's HTTP layer on plain node:http: routing, body size limit, JSON parsing
 * and OpenAI-style error bodies. What a route does lives in the `EmulatorRoutes` it is given.
 * Any bad request gets a 4xx JSON error and the connection stays usable.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { ApiError } from '../openai/api-error.js'
import { ClientAborted, parseJson, readBody } from '../openai/read-body.js'
import { type MetricsText, matchRoute, type RouteTable, serveMetrics } from '../openai/routes.js'

/** DEFAULT_BODY_LIMIT is the largest request body accepted (bytes): 4 MiB. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024

/** EmulatorRoutes are the handlers behind the endpoints. */
export interface EmulatorRoutes {
  /**
   * completion serves POST /v1/completions (`chat` false) or /v1/chat/completions; it answers
   * through `res` itself (streamed or not) or throws an ApiError before answering.
   */
  completion(body: unknown, chat: boolean, res: ServerResponse): void
  /** models is the GET /v1/models body. */
  models(): unknown
  /** metrics is the GET /metrics exposition. */
  metrics(): Promise<MetricsText>
  /** draining says the emulator is shutting down: new requests get 503. */
  draining(): boolean
}

/** ServerOptions tune the HTTP layer. */
export interface ServerOptions {
  readonly bodyLimit?: number
  /** log receives one line per unexpected (500) failure. */
  readonly log?: (line: string) => void
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

/** sendError answers with an ApiError's status and JSON body. */
export function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = err.body()
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

/** sendJson answers 200 with a JSON body. */
function sendJson(res: ServerResponse, body: string): void {
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

/** createEmulatorServer builds the node:http server (not yet listening). */
export function createEmulatorServer(routes: EmulatorRoutes, opts: ServerOptions = {}): Server {
  const limit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`))

  const fail = (res: ServerResponse, err: unknown): void => {
    if (err instanceof ApiError) {
      sendError(res, err)
      return
    }
    if (err instanceof ClientAborted) {
      log(`emulator: ${err.message}`)
      return
    }
    log(`emulator: internal error: ${err instanceof Error ? (err.stack ?? err.message) : err}`)
    sendError(res, new ApiError(500, 'internal error in the emulator', { code: 'internal_error' }))
  }

  const handlePost = (req: IncomingMessage, res: ServerResponse, chat: boolean): void => {
    readBody(req, limit).then(
      (raw) => {
        try {
          routes.completion(parseJson(raw), chat, res)
        } catch (err) {
          fail(res, err)
        }
      },
      (err: unknown) => {
        // Past the limit: close once the 413 is out, as the rest of the body is discarded.
        res.setHeader('connection', 'close')
        fail(res, err)
      },
    )
  }

  const server = createServer(
    { noDelay: true, keepAliveTimeout: 30_000 },
    function onRequest(req, res) {
      const route = matchRoute(req, res, ROUTES, fail)
      if (route === undefined) return
      switch (route) {
        case 'health':
          res.writeHead(200, { 'content-length': 0 })
          res.end()
          return
        case 'models':
          sendJson(res, JSON.stringify(routes.models()))
          return
        case 'metrics':
          serveMetrics(res, routes.metrics(), fail)
          return
        default:
          if (routes.draining()) {
            req.resume()
            res.setHeader('connection', 'close')
            fail(res, new ApiError(503, 'the emulator is shutting down', { code: 'shutting_down' }))
            return
          }
          handlePost(req, res, route === 'chat')
      }
    },
  )
  return server
}
