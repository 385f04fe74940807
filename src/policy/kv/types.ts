/**
 * @module The KV-retention seam: what an engine keeps of a finished request's KV blocks, and where.
 * The engine owns the mechanism (reference counts, the LRU free queue, a host tier, pins); a
 * policy only answers a few questions, each once per request or once per engine, never per block.
 * A policy that answers none (`lru`) leaves the engine on its plain vLLM v1 path with no calls.
 */

/**
 * KvGeometry is what an engine tells its KV policy once, at start: fixed facts of the instance the
 * policy may size things by.
 */
export interface KvGeometry {
  /** Tokens per KV block. */
  readonly blockSize: number
  /** KV blocks in the GPU cache. */
  readonly gpuBlocks: number
  /** KV bytes of one block on the whole instance (every tensor-parallel shard). */
  readonly blockBytes: number
  /** GPUs the instance spans (tensor parallel); each has its own host link. */
  readonly gpus: number
}

/** KvRequest is what a KV policy may know about a request. */
export interface KvRequest {
  readonly id: number
  readonly arrival: number
  /** The conversation or agent program the request is a turn of; undefined: a lone request. */
  readonly session: number | undefined
  /** Turn index within the session, 0 first; undefined when the trace does not say. */
  readonly turn: number | undefined
}

/**
 * KvPolicy decides how an engine retains KV blocks beyond the requests that use them. Every
 * member but `name` is optional; the engine asks only what a policy defines. Time comes in as
 * arguments (the driver's clock: virtual seconds in the simulator, wall seconds in the emulator).
 */
export interface KvPolicy {
  readonly name: string
  /**
   * hostBlocks sizes a host-memory (CPU DRAM) tier behind the GPU cache, in blocks. Cached blocks
   * the GPU evicts spill there (LRU); admission continues a prefix lookup there after the GPU
   * cache misses, and the iteration that admits host hits pays their reload over PCIe. Absent or
   * ≤ 0: no host tier, evicted KV is gone.
   */
  hostBlocks?(geometry: KvGeometry): number
  /**
   * pinSeconds is how long to pin a finished request's cached blocks (not evictable) so its
   * session's next turn finds them; ≤ 0 releases them to the LRU free queue at once. Pins end at
   * expiry, when the session's next turn is admitted here, or early (oldest first) when the
   * engine runs out of free blocks, so pinning can delay eviction but never block progress.
   */
  pinSeconds?(req: KvRequest, now: number): number
  /**
   * resumed hears that a later turn of a session (turn > 0) was admitted here at `now`, for
   * policies that learn inter-turn gaps. Called once per admission, after any pin was taken.
   */
  resumed?(req: KvRequest, now: number): void
}
