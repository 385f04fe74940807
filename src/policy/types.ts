/**
 * @module The policy seam. Policies are pure functions of a read-only `FleetView` (built from engine
 * state in the simulator, from scraped metrics in the gateway) and a `PolicyContext` that carries
 * time and randomness in, so a policy cannot tell which driver calls it.
 */

/** PolicyContext passes time (seconds) and the run's seeded randomness into a policy. */
export type PolicyContext = { readonly now: number; readonly rng: () => number }

/** RequestInfo is what a router may know about a request before it runs (no output length). */
export interface RequestInfo {
  readonly id: number
  readonly model: string
  readonly inputTokens: number
  /** Chained hashes of the prompt's full 16-token blocks (see trace/prompt.ts). */
  readonly blockHashes: ArrayLike<number>
  readonly tenant?: string
}

/** InstanceView is one engine instance as a policy sees it. */
export interface InstanceView {
  /** Index of this instance in `FleetView.instances`. */
  readonly id: number
  readonly name: string
  readonly group: string
  readonly model: string
  /** Ready to take requests (not starting, not failed). */
  readonly ready: boolean
  /** Draining: finishing its work, accepting none. */
  readonly draining: boolean
  readonly running: number
  readonly waiting: number
  /** Requests routed here and not yet finished (the router's own in-flight count). */
  readonly outstanding: number
  /** Fraction of KV blocks in use by requests, 0..1 (vLLM's kv_cache_usage_perc). */
  readonly kvUsage: number
  readonly kvBlocks: number
  /** Prompt tokens still to prefill across waiting and running requests (queued work). */
  readonly pendingPrefillTokens: number
}

/** FleetView is the read-only fleet a policy decides over. */
export interface FleetView {
  readonly instances: ReadonlyArray<InstanceView>
  /**
   * cachedPrefixBlocks says how many leading blocks of `hashes` the instance holds in its prefix
   * cache: exact in the simulator, estimated from routed prompts in the gateway.
   */
  cachedPrefixBlocks(instance: number, hashes: ArrayLike<number>): number
}

/** RoutingPolicy picks the instance for one request, or undefined when none can take it. */
export interface RoutingPolicy {
  readonly name: string
  pick(req: RequestInfo, view: FleetView, ctx: PolicyContext): number | undefined
}

/** isRoutable says whether a router may send new work to an instance. */
export function isRoutable(inst: InstanceView): boolean {
  return inst.ready && !inst.draining
}
