/**
 * @module One client request inside the gateway: the parsed call the HTTP layer hands over, its
 * state while queued and running (the exchange), the per-chunk accounting (TTFT, ITL, SSE frames)
 * and the token settlement at the end; plus the events an in-process observer receives.
 */
import type { ServerResponse } from 'node:http'
import type { GenerateRequest } from '../openai/request-schema.js'
import type { RequestInfo } from '../policy/types.js'
import type { BackendSeries } from './gateway-metrics.js'
import type { Pool, Upstream } from './pool.js'
import type { Estimate } from './request-info.js'
import type { Tenant } from './tenants.js'
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
export interface Exchange {
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
  /** Indices of the backends tried so far. */
  readonly tried: Set<number>
  backend: Upstream | undefined
  ttft: number | undefined
  lastChunk: number
  /** SSE frames seen (streamed) or the collected body (non-streamed), for the usage estimate. */
  frames: number
  bodyChunks: Buffer[] | undefined
  bodyBytes: number
  /** Resolves the promise `Dispatch.serve` returned. */
  readonly finished: () => void
}

/** MAX_USAGE_BODY is the largest non-streamed body kept to read its `usage` (bytes). */
const MAX_USAGE_BODY = 1 << 20

/** createExchange starts an exchange in the queued state. */
export function createExchange(
  id: number,
  call: Call,
  pool: Pool,
  adapter: string | undefined,
  est: Estimate,
  finished: () => void,
): Exchange {
  return {
    id,
    call,
    pool,
    adapter,
    info: {
      id,
      model: pool.model,
      inputTokens: est.promptTokens,
      blockHashes: est.blockHashes,
      tenant: call.tenant.name,
    },
    est,
    charged: est.promptTokens + est.maxTokens,
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
}

/**
 * noteChunk accounts one forwarded chunk at `now`: TTFT on the first of a stream, ITL between
 * the next ones, SSE frames counted; a non-streamed body is kept (up to 1 MiB) for its usage.
 */
export function noteChunk(
  ex: Exchange,
  chunk: Buffer,
  first: boolean,
  now: number,
  series: BackendSeries,
): void {
  if (ex.call.request.stream) {
    if (first) {
      ex.ttft = now - ex.call.arrival
      series.ttft.observe(ex.ttft)
    } else {
      series.itl.observe(now - ex.lastChunk)
    }
    ex.lastChunk = now
    ex.frames += countFrames(chunk)
  } else if (ex.bodyChunks && ex.bodyBytes + chunk.length <= MAX_USAGE_BODY) {
    ex.bodyChunks.push(chunk)
    ex.bodyBytes += chunk.length
  }
}

/**
 * usedTokens estimates what a finished exchange used: the prompt plus the output the backend
 * reported (non-streamed `usage`) or streamed (SSE frames less `[DONE]`, the chat role frame and
 * the usage frame); 0 for a failed one, so its whole charge is refunded.
 */
export function usedTokens(ex: Exchange, ok: boolean): number {
  if (!ok) return 0
  const r = ex.call.request
  const output = r.stream
    ? Math.max(0, ex.frames - 1 - (ex.call.chat ? 1 : 0) - (r.includeUsage ? 1 : 0))
    : (readUsage(ex.bodyChunks) ?? ex.est.maxTokens)
  return ex.est.promptTokens + output
}
