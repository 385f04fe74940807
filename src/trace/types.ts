/**
 * @module Trace types. A trace is a time-ordered stream of requests; readers for each real format
 * and the synthetic generator all produce `TraceRequest`s in chunks.
 */

/**
 * PromptSegment is a run of prompt tokens with one content identity. Two prompts that begin with
 * the same keys (and lengths) share those tokens, so their KV blocks hash equal and can be reused.
 * Keys ≥ 0 come from the trace (Mooncake `hash_ids`, synthetic prefix groups); content unique to
 * one request uses `uniqueKey(id)` (< 0).
 */
export interface PromptSegment {
  readonly key: number
  readonly tokens: number
}

/** TraceRequest is one request as the trace records it. `arrival` is seconds from trace start. */
export interface TraceRequest {
  readonly id: number
  readonly arrival: number
  readonly inputTokens: number
  readonly outputTokens: number
  /** Prompt content identity; tokens sum to inputTokens. */
  readonly segments: ReadonlyArray<PromptSegment>
  readonly tenant?: string
  /**
   * Priority class for admission policies: 0 is interactive (the most urgent), higher classes
   * are more patient. Undefined: the policy's default class (see priority-edf).
   */
  readonly priority?: number
  /** Model named by the trace (BurstGPT's `Model` column), informational. */
  readonly traceModel?: string
  /**
   * The conversation or agent program this request is a turn of: the id of its first turn. Given
   * by the trace, or derived (Mooncake: from hash-id chains, see mooncake.ts); absent when unknown.
   */
  readonly session?: number
  /** Turn index within the session, 0 first (present with `session`). */
  readonly turn?: number
  /**
   * Execution time of a serverless function request (an image generation job), seconds, as the
   * trace measured it on a warm worker. Present only in function traces (Alibaba GenTD26,
   * synthetic `service=`): such requests run in the function simulator, not on an LLM engine.
   */
  readonly serviceSeconds?: number
  /** The function the request invokes (Alibaba: the base checkpoint id), for per-function services. */
  readonly fn?: string
  /** LoRA adapters the request merges into the base model (0 = base model only). */
  readonly adapters?: number
}

/** TraceFormat names the readers. */
export type TraceFormat = 'azure' | 'mooncake' | 'burstgpt' | 'alibaba' | 'synthetic'

/** TraceSource is an opened trace: a name for reports and a stream of arrival-ordered chunks. */
export interface TraceSource {
  readonly name: string
  readonly format: TraceFormat
  /** Number of requests the stream will yield, when known without reading it (synthetic). */
  readonly size?: number
  /**
   * 'function' when every request carries `serviceSeconds` (a serverless function trace, run by
   * the function simulator); absent for LLM request traces.
   */
  readonly workload?: 'function'
  /** chunks yields requests in arrival order, a few thousand at a time (streaming, bounded memory). */
  chunks(): AsyncIterable<TraceRequest[]>
}

/** uniqueKey is the segment key for prompt content that no other request shares. */
export function uniqueKey(id: number): number {
  return -(id + 1)
}
