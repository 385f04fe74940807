/**
 * @module A host-memory (CPU DRAM) tier of KV blocks behind one engine's GPU cache, after vLLM's
 * CPU offloading connector and LMCache's local CPU backend: a fixed number of block slots, keyed by
 * the same chained block hashes as the GPU prefix cache, evicted least recently used first.
 *
 * Only hashes are kept: the simulator needs to know whether a block's KV could be reloaded, not
 * its bytes. Slots sit on typed arrays with an index-linked LRU list, as in BlockPool, so a spill
 * or a lookup allocates nothing.
 */
import { HashIndex } from './hash-index.js'

const NONE = -1

/** HostTier holds up to `capacity` blocks' KV, identified by block hash. */
export class HostTier {
  readonly capacity: number
  #index: HashIndex
  #hash: Float64Array
  #prev: Int32Array
  #next: Int32Array
  /** Least recently used slot (evicted next) and most recently used one. */
  #head = NONE
  #tail = NONE
  #size = 0
  #peak = 0
  #stores = 0
  #evictions = 0

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`host tier capacity must be a positive integer, got ${capacity}`)
    }
    this.capacity = capacity
    this.#index = new HashIndex(capacity)
    this.#hash = new Float64Array(capacity)
    this.#prev = new Int32Array(capacity)
    this.#next = new Int32Array(capacity)
  }

  /** size counts blocks held now. */
  get size(): number {
    return this.#size
  }

  /** peak is the most blocks ever held at once. */
  get peak(): number {
    return this.#peak
  }

  /** stores counts blocks written in (spills of blocks not already held). */
  get stores(): number {
    return this.#stores
  }

  /** evictions counts blocks dropped to make room. */
  get evictions(): number {
    return this.#evictions
  }

  /** has says whether the tier holds the block hashed `hash` (no LRU update). */
  has(hash: number): boolean {
    return this.#index.get(hash) !== NONE
  }

  /** touch marks a held block most recently used; false when it is not held. */
  touch(hash: number): boolean {
    const s = this.#index.get(hash)
    if (s === NONE) return false
    this.#moveToTail(s)
    return true
  }

  /**
   * put stores a block the GPU evicted. A block already held only becomes most recently used;
   * a full tier first drops its least recently used block.
   */
  put(hash: number): void {
    const held = this.#index.get(hash)
    if (held !== NONE) {
      this.#moveToTail(held)
      return
    }
    let s: number
    if (this.#size < this.capacity) {
      // Slots fill in order and are only ever reused by eviction, so no free list is needed.
      s = this.#size++
      if (this.#size > this.#peak) this.#peak = this.#size
    } else {
      s = this.#head
      this.#unlink(s)
      this.#index.deleteIf(this.#hash[s]!, s)
      this.#evictions++
    }
    this.#hash[s] = hash
    this.#index.insertIfAbsent(hash, s)
    this.#pushTail(s)
    this.#stores++
  }

  /** hashes lists held blocks from least to most recently used (tests only: O(n)). */
  hashes(): number[] {
    const out: number[] = []
    for (let s = this.#head; s !== NONE; s = this.#next[s]!) out.push(this.#hash[s]!)
    return out
  }

  #moveToTail(s: number): void {
    if (s === this.#tail) return
    this.#unlink(s)
    this.#pushTail(s)
  }

  #pushTail(s: number): void {
    this.#prev[s] = this.#tail
    this.#next[s] = NONE
    if (this.#tail === NONE) this.#head = s
    else this.#next[this.#tail] = s
    this.#tail = s
  }

  #unlink(s: number): void {
    const p = this.#prev[s]!
    const n = this.#next[s]!
    if (p === NONE) this.#head = n
    else this.#next[p] = n
    if (n === NONE) this.#tail = p
    else this.#prev[n] = p
  }
}
