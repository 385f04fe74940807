/**
 * @module The gateway's estimate of each backend's prefix cache. A gateway cannot see a backend's
 * KV blocks, so it remembers the block hashes of the prompts it sent there, in LRU order, up to
 * the backend's cache size (`vllm:cache_config_info` num_gpu_blocks, or a configured default).
 *
 * Accuracy limits, stated plainly:
 * - Hashes come from the gateway's approximate tokenisation of the prompt text, not the model's
 *   tokenizer; two prompts that share text share leading blocks here, but block boundaries differ
 *   from the engine's, so the match length is an estimate in blocks of about 16 tokens.
 * - Eviction is modelled as LRU over the requests this gateway routed; traffic from other gateways,
 *   preemptions and the engine's own eviction order (free-queue order, decode blocks) are unseen.
 * - A backend restart empties its cache; the index learns that only through `reset` (the gateway
 *   calls it when a backend is ejected or its block count changes).
 * It is a routing hint, never a correctness input: a wrong guess costs a cache miss, no more.
 */

/** PrefixIndex tracks estimated cached block hashes per backend. */
export class PrefixIndex {
  #perBackend: Map<string, Map<number, true>> = new Map()
  #capacity: Map<string, number> = new Map()
  readonly defaultCapacity: number

  /** defaultCapacity is used for backends whose block count is unknown. */
  constructor(defaultCapacity = 20_000) {
    this.defaultCapacity = defaultCapacity
  }

  /** setCapacity records a backend's cache size in blocks; a change resets its entries. */
  setCapacity(backend: string, blocks: number): void {
    if (this.#capacity.get(backend) === blocks) return
    this.#capacity.set(backend, blocks)
    this.reset(backend)
  }

  /** reset forgets what a backend holds (restart, ejection). */
  reset(backend: string): void {
    this.#perBackend.delete(backend)
  }

  /** record notes that `hashes` (a prompt's leading blocks) were sent to `backend`. */
  record(backend: string, hashes: ArrayLike<number>): void {
    let set = this.#perBackend.get(backend)
    if (!set) {
      set = new Map()
      this.#perBackend.set(backend, set)
    }
    const cap = this.#capacity.get(backend) ?? this.defaultCapacity
    // A prompt of at least `cap` blocks evicts everything else and its own first blocks.
    const from = hashes.length >= cap ? hashes.length - cap : 0
    if (from > 0 || hashes.length === cap) set.clear()
    for (let i = from; i < hashes.length; i++) {
      const h = hashes[i]!
      // Re-inserting moves the block to the most recently used end.
      set.delete(h)
      set.set(h, true)
    }
    // One iterator for all evictions: a fresh `keys().next()` per eviction walks past every
    // entry deleted before it (V8 leaves holes until it rehashes): quadratic in the evictions.
    if (set.size > cap) {
      const keys = set.keys()
      while (set.size > cap) {
        const oldest = keys.next()
        if (oldest.done) break
        set.delete(oldest.value)
      }
    }
  }

  /** match counts how many leading blocks of `hashes` the backend is believed to hold. */
  match(backend: string, hashes: ArrayLike<number>): number {
    const set = this.#perBackend.get(backend)
    if (!set) return 0
    let n = 0
    while (n < hashes.length && set.has(hashes[n]!)) n++
    return n
  }

  /** size is the number of blocks believed cached on a backend. */
  size(backend: string): number {
    return this.#perBackend.get(backend)?.size ?? 0
  }
}
