/**
 * @module One client request inside the gateway: the parsed call the HTTP layer hands over, its
 * state while queued and running (the exchange), the per-chunk accounting (TTFT, ITL, SSE frames)
 * and the token settlement at the end; plus the events an in-process observer receives.
 */
import type { ServerResponse } from 'node:http'
import type { RequestSummary } from '../openai/request-schema.js'
import type { RequestInfo } from '../policy/types.js'
import type { BackendSeries, CutReason } from './gateway-metrics.js'
import type { Pool, Upstream } from './pool.js'
import type { Tenant } from './tenants.js'
import type { ChargePlan } from './token-charge.js'
import { StreamMeter, UsageScanner } from './usage.js'

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
  /**
   * HTTP status (499: the client went away; a stream that failed after it began: 502/504, or
   * 429 when the tenant's tokens ran out mid-stream).
   */
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
  /** The client's body, forwarded unchanged (unless the gateway caps its max_tokens). */
  readonly body: Buffer
  readonly request: RequestSummary
  /** Estimated prompt tokens and block hashes (body-analysis.ts). */
  readonly promptTokens: number
  readonly blockHashes: Float64Array
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
  /** The reservation and output cap (token-charge.ts). */
  readonly plan: ChargePlan
  /** The body sent upstream: the client's, or with the cap written in. */
  readonly upstreamBody: Buffer
  /** Tokens taken from the tenant's bucket so far: the reservation plus what streams drew. */
  reserved: number
  state: 'queued' | 'running' | 'done'
  queueTimer: NodeJS.Timeout | undefined
  enqueuedAt: number
  /** Indices of the backends tried so far. */
  readonly tried: Set<number>
  backend: Upstream | undefined
  ttft: number | undefined
  lastChunk: number
  /** Output tokens streamed (streamed answers) or the usage of a non-streamed one. */
  readonly meter: StreamMeter | undefined
  readonly usage: UsageScanner | undefined
  /** Aborted by the gateway to stop the answer; the reason is the client's ApiError. */
  readonly stop: AbortController
  /** Why the gateway stopped it, when it did. */
  cutReason: CutReason | undefined
  /** Resolves the promise `Dispatch.serve` returned. */
  readonly finished: () => void
}

/** createExchange starts an exchange in the queued state. */
export function createExchange(
  id: number,
  call: Call,
  pool: Pool,
  adapter: string | undefined,
  plan: ChargePlan,
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
      inputTokens: call.promptTokens,
      blockHashes: call.blockHashes,
      tenant: call.tenant.name,
    },
    plan,
    upstreamBody:
      plan.cap === undefined ? call.body : withMaxTokens(call.body, plan.cap, call.chat),
    reserved: plan.reserve,
    state: 'queued',
    queueTimer: undefined,
    enqueuedAt: call.arrival,
    tried: new Set(),
    backend: undefined,
    ttft: undefined,
    lastChunk: 0,
    meter: call.request.stream ? new StreamMeter(call.chat) : undefined,
    usage: call.request.stream ? undefined : new UsageScanner(),
    stop: new AbortController(),
    cutReason: undefined,
    finished,
  }
}

/**
 * withMaxTokens writes `max_tokens` (and for a chat `max_completion_tokens`, which vLLM prefers)
 * at the end of a JSON object body. Every JSON parser the backends use (Python's, Go's,
 * nlohmann's, JSON.parse) keeps the last of duplicate keys, so the body needs no re-encoding:
 * one copy, whatever its size.
 */
export function withMaxTokens(body: Buffer, cap: number, chat: boolean): Buffer {
  let end = body.length - 1
  while (end > 0 && body[end] !== 0x7d) end--
  const keys = chat
    ? `,"max_tokens":${cap},"max_completion_tokens":${cap}}`
    : `,"max_tokens":${cap}}`
  return Buffer.concat([body.subarray(0, end), Buffer.from(keys)])
}

/**
 * noteChunk accounts one forwarded chunk at `now`: TTFT on the first of a stream, ITL between
 * the next ones; returns the output tokens it carried. A non-streamed body is scanned for its
 * usage.
 */
export function noteChunk(
  ex: Exchange,
  chunk: Buffer,
  first: boolean,
  now: number,
  series: BackendSeries,
): number {
  if (ex.meter) {
    if (first) {
      ex.ttft = now - ex.call.arrival
      series.ttft.observe(ex.ttft)
    } else {
      series.itl.observe(now - ex.lastChunk)
    }
    ex.lastChunk = now
    return ex.meter.feed(chunk)
  }
  ex.usage?.feed(chunk)
  return 0
}

/**
 * usedTokens is what a finished exchange owes: the prompt plus the output delivered, counted
 * from the stream or read from a non-streamed body's usage (without one: the output the
 * reservation covered). An answer that failed before delivering anything owes nothing. A
 * client that leaves mid-stream owes what it was sent: otherwise aborting just before
 * `[DONE]` would make every answer free.
 */
export function usedTokens(ex: Exchange, status: number): number {
  const output = ex.meter
    ? ex.meter.output
    : status < 400
      ? (ex.usage?.reported ?? ex.plan.cap ?? ex.plan.outputReserve)
      : 0
  if (status >= 400 && output === 0) return 0
  return ex.call.promptTokens + output
}
