/**
 * @module The KV-retention seam: what an engine keeps of a finished request's KV blocks, and where.
 * (Filled in by the KV policies; LRU of free blocks is the engine's built-in behaviour.)
 */

/** KvPolicy decides how an engine retains KV blocks beyond the requests that use them. */
export interface KvPolicy {
  readonly name: string
}
