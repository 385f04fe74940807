/**
 * @module Route matching shared by the emulator and the gateway: one path table of the OpenAI
 * API, 404 for an unknown path and 405 (with `Allow`) for a known path with the wrong method.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ApiError } from './api-error.js'

/** RouteTable maps each path to its method and a route name. */
export type RouteTable<R extends string> = Readonly<Record<string, { method: string; route: R }>>

/**
 * matchRoute returns the route for a request, or answers it through `fail` (404 or 405) and
 * returns undefined. HEAD is accepted wherever GET is.
 */
export function matchRoute<R extends string>(
  req: IncomingMessage,
  res: ServerResponse,
  routes: RouteTable<R>,
  fail: (res: ServerResponse, err: ApiError) => void,
): R | undefined {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  const entry = routes[path]
  if (!entry) {
    req.resume()
    fail(res, new ApiError(404, `no route for ${req.method} ${path}`, { code: 'not_found' }))
    return undefined
  }
  if (req.method !== entry.method && !(entry.method === 'GET' && req.method === 'HEAD')) {
    // 405 rather than 404: the path exists, only the method is wrong (RFC 9110 §15.5.6).
    req.resume()
    res.setHeader('allow', entry.method)
    fail(
      res,
      new ApiError(405, `method ${req.method} not allowed on ${path}; use ${entry.method}`, {
        code: 'method_not_allowed',
      }),
    )
    return undefined
  }
  return entry.route
}

/** MetricsText is a Prometheus exposition: its content type and body. */
export interface MetricsText {
  readonly contentType: string
  readonly body: string
}

/** serveMetrics answers GET /metrics once `pending` resolves, or through `fail` if it rejects. */
export function serveMetrics(
  res: ServerResponse,
  pending: Promise<MetricsText>,
  fail: (res: ServerResponse, err: unknown) => void,
): void {
  pending.then(
    (m) => {
      res.writeHead(200, {
        'content-type': m.contentType,
        'content-length': Buffer.byteLength(m.body),
      })
      res.end(m.body)
    },
    (err: unknown) => fail(res, err),
  )
}
