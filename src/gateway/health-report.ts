/**
 * @module The gateway's own `/health` answer: per pool, its backends and how many are ready, and
 * an overall status a load balancer or Kubernetes probe can act on. `ok`: every pool can serve.
 * `degraded` (200): some pool has no ready backend, others can serve. `unavailable` (503): no
 * pool can serve a request. An autoscaled pool with no ready replica is `holding`, not down:
 * it holds requests while a replica starts (scale-to-zero is its normal state when idle).
 */
import { isReady } from './backend-state.js'
import type { Pool } from './pool.js'

/** PoolHealth is one pool's line in the report. */
export interface PoolHealth {
  readonly model: string
  readonly status: 'ok' | 'holding' | 'unavailable'
  readonly backends: number
  readonly ready: number
}

/** HealthReport is the /health body and its HTTP status. */
export interface HealthReport {
  readonly status: number
  readonly body: {
    readonly status: 'ok' | 'degraded' | 'unavailable'
    readonly pools: ReadonlyArray<PoolHealth>
  }
}

/** healthReport reads the pools now; `autoscaled` says which pools hold requests at zero. */
export function healthReport(
  pools: ReadonlyArray<Pool>,
  autoscaled: (pool: Pool) => boolean,
): HealthReport {
  const lines = pools.map((p): PoolHealth => {
    const live = p.upstreams.filter((u) => !u.removed)
    const ready = live.filter((u) => isReady(u.state)).length
    const status = ready > 0 ? 'ok' : autoscaled(p) ? 'holding' : 'unavailable'
    return { model: p.model, status, backends: live.length, ready }
  })
  const down = lines.filter((l) => l.status === 'unavailable').length
  const overall = down === 0 ? 'ok' : down === lines.length ? 'unavailable' : 'degraded'
  return { status: overall === 'unavailable' ? 503 : 200, body: { status: overall, pools: lines } }
}
