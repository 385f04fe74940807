/**
 * @module The policy seam. Policies are pure functions of a read-only `FleetView` (built from engine
 * state in the simulator, from scraped metrics in the gateway) and a `PolicyContext` that carries
 * time and randomness in, so a policy cannot tell which driver calls it.
 */

/** SloTarget is a latency objective: time to first token and time per output token, seconds. */
export interface SloTarget {
  readonly ttft_s: number
  readonly tpot_s: number
}

/**
 * PolicyContext passes time (seconds) and the run's seeded randomness into a policy, and the
 * run's latency objective where one is set (the simulator's --slo-*, the gateway's `slo:`).
 */
export type PolicyContext = {
  readonly now: number
  readonly rng: () => number
  readonly slo?: SloTarget
}

/** RequestInfo is what a router may know about a request before it runs (no output length). */
export interface RequestInfo {
  readonly id: number
  readonly model: string
  readonly inputTokens: number
  /** Chained hashes of the prompt's full 16-token blocks (see trace/prompt.ts). */
  readonly blockHashes: ArrayLike<number>
  readonly tenant?: string
  /** The LoRA adapter the request names, if any (the base model otherwise). */
  readonly adapter?: string
}

/**
 * InstancePerf is an instance's latency model: pure functions of its hardware, model, precision
 * and engine limits, from src/perf's roofline. Both drivers build it once per instance.
 */
export interface InstancePerf {
  /** Tokens one engine iteration may process (--max-num-batched-tokens): the prefill chunk. */
  readonly maxBatchTokens: number
  /** Most sequences one iteration may run (--max-num-seqs). */
  readonly maxBatchSeqs: number
  /** Tokens per KV block (--block-size), the unit of `InstanceView.kvBlocks`. */
  readonly blockSize: number
  /**
   * prefillSeconds is the time to prefill one prompt of `tokens` tokens whose first
   * `cachedTokens` are already cached, alone on the instance, in chunks of `maxBatchTokens`.
   */
  prefillSeconds(tokens: number, cachedTokens: number): number
  /**
   * decodeStepSeconds is one iteration decoding `batchSize` sequences whose contexts (prompt plus
   * output so far) average `meanContextTokens`.
   */
  decodeStepSeconds(batchSize: number, meanContextTokens: number): number
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
  /** The instance's latency model; absent where its hardware is unknown (a pool without `perf`). */
  readonly perf?: InstancePerf
  /** LoRA adapters loaded (running or waiting) on the instance; absent where not reported. */
  readonly loras?: ReadonlyArray<string>
  /** Most adapters the instance holds at once (vLLM's --max-loras); absent where not reported. */
  readonly maxLoras?: number
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

/** MigrationPlan asks to move one running request from instance `from` to instance `to`. */
export interface MigrationPlan {
  readonly from: number
  readonly to: number
}

/** RoutingPolicy picks the instance for one request, or undefined when none can take it. */
export interface RoutingPolicy {
  readonly name: string
  pick(req: RequestInfo, view: FleetView, ctx: PolicyContext): number | undefined
  /**
   * rebalance, for routers that also migrate running requests (Llumnix), is polled periodically
   * and names a pair to move one request between, or undefined. The simulator carries moves out
   * with their KV transfer; the gateway cannot move a request between real engines and ignores it.
   */
  rebalance?(view: FleetView, ctx: PolicyContext): MigrationPlan | undefined
}

/** isRoutable says whether a router may send new work to an instance. */
export function isRoutable(inst: InstanceView): boolean {
  return inst.ready && !inst.draining
}
