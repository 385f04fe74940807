/**
 * @module Paged KV blocks with automatic prefix caching, after vLLM v1's `BlockPool`.
 *
 * Every block is either in use (refCount > 0) or on the free queue. A freed block keeps its hash
 * and stays findable by it until the free queue hands it out again, so the free queue is also the
 * LRU order of the prefix cache: allocation pops the head (least recently freed) and only then
 * forgets the block's hash. Typed arrays and an index-linked queue keep this allocation-free on
 * the hot path.
 */

import { HashIndex } from './hash-index.js'
import type { HostTier } from './host-tier.js'

const NONE = -1
// Per-block fields, packed four to a block in one Int32Array so that touching a block costs one
// cache line instead of one per field: 32 engines × ~28k blocks do not fit in cache.
const PREV = 0
const NEXT = 1
const REF = 2
const GEN = 3

/** BlockPool owns `numBlocks` KV blocks of one engine. */
export class BlockPool {
  readonly numBlocks: number
  /** [prev, next, refCount, generation] per block. */
  #m: Int32Array
  #hash: Float64Array
  #head = NONE
  #tail = NONE
  #numFree = 0
  #cached: HashIndex
  #evictions = 0
  /** Where evicted cached blocks go (a host-memory tier); null: they are dropped, as in vLLM. */
  #spill: HostTier | null = null

  constructor(numBlocks: number) {
    if (!Number.isInteger(numBlocks) || numBlocks <= 0) {
      throw new RangeError(`numBlocks must be a positive integer, got ${numBlocks}`)
    }
    this.numBlocks = numBlocks
    this.#m = new Int32Array(4 * numBlocks)
    this.#hash = new Float64Array(numBlocks).fill(NONE)
    this.#cached = new HashIndex(numBlocks)
    for (let b = 0; b < numBlocks; b++) this.#pushTail(b)
  }

  /** numFree counts blocks not held by any request (cached or empty). */
  get numFree(): number {
    return this.#numFree
  }

  /** numCached counts blocks findable by hash (held or free). */
  get numCached(): number {
    return this.#cached.size
  }

  /** evictions counts cached blocks whose hash was dropped to reuse the block. */
  get evictions(): number {
    return this.#evictions
  }

  /** usage is the fraction of blocks held by requests (vLLM's kv_cache_usage_perc). */
  get usage(): number {
    return 1 - this.#numFree / this.numBlocks
  }

  /** spillTo sends every cached block evicted from now on to `tier` (see HostTier). */
  spillTo(tier: HostTier): void {
    this.#spill = tier
  }

  /** refCount of a block (tests and invariants). */
  refCount(block: number): number {
    return this.#m[4 * block + REF]!
  }

  /** lookup returns the block caching `hash`, or -1. */
  lookup(hash: number): number {
    return this.#cached.get(hash)
  }

  /**
   * generation counts how often a block was handed out: a freed block whose generation is
   * unchanged still holds the KV it held when freed.
   */
  generation(block: number): number {
    return this.#m[4 * block + GEN]!
  }

  /** allocate takes the least recently freed block, evicting its cached hash; -1 when none. */
  allocate(): number {
    const b = this.#head
    if (b === NONE) return NONE
    // Pop the head (inline unlink: the head has no predecessor).
    const n = this.#m[4 * b + NEXT]!
    this.#head = n
    if (n === NONE) this.#tail = NONE
    else this.#m[4 * n + PREV] = NONE
    this.#numFree--
    this.#m[4 * b + GEN]!++
    const h = this.#hash[b]!
    if (h !== NONE) {
      // Only drop the mapping if it still points here (a duplicate may have replaced it); only
      // then does the content leave the GPU, and only then is it worth spilling to a host tier.
      if (this.#cached.deleteIf(h, b) && this.#spill !== null) this.#spill.put(h)
      this.#hash[b] = NONE
      this.#evictions++
    }
    this.#m[4 * b + REF] = 1
    return b
  }

  /** touch adds a holder to a (possibly free, cached) block, taking it off the free queue. */
  touch(block: number): void {
    if (this.#m[4 * block + REF] === 0) this.#unlink(block)
    this.#m[4 * block + REF]!++
  }

  /** release drops a holder; at zero the block joins the free queue's tail, hash kept. */
  release(block: number): void {
    const rc = --this.#m[4 * block + REF]!
    if (rc < 0) throw new Error(`block ${block} released more often than held`)
    if (rc === 0) this.#pushTail(block)
  }

  /**
   * register makes a full block findable by its hash. If another block already caches the same
   * content (two requests computed it at once), the first one stays canonical, as in vLLM.
   */
  register(block: number, hash: number): void {
    if (this.#hash[block] !== NONE) return
    if (this.#cached.insertIfAbsent(hash, block)) this.#hash[block] = hash
  }

  /** checkInvariants verifies the free queue against the reference counts (tests only: O(n)). */
  checkInvariants(): void {
    let n = 0
    for (let b = this.#head; b !== NONE; b = this.#m[4 * b + NEXT]!) {
      if (this.#m[4 * b + REF] !== 0) throw new Error(`block ${b} on free queue with refs`)
      n++
      if (n > this.numBlocks) throw new Error('free queue has a cycle')
    }
    if (n !== this.#numFree) throw new Error(`free count ${this.#numFree} but queue holds ${n}`)
    let zero = 0
    for (let b = 0; b < this.numBlocks; b++) if (this.#m[4 * b + REF] === 0) zero++
    if (zero !== n) throw new Error(`${zero} blocks unreferenced but ${n} on free queue`)
    for (const [h, b] of this.#cached.entries()) {
      if (this.#hash[b] !== h) throw new Error(`cache maps ${h} to block ${b} holding another hash`)
    }
  }

  #pushTail(b: number): void {
    this.#m[4 * b + PREV] = this.#tail
    this.#m[4 * b + NEXT] = NONE
    if (this.#tail === NONE) this.#head = b
    else this.#m[4 * this.#tail + NEXT] = b
    this.#tail = b
    this.#numFree++
  }

  #unlink(b: number): void {
    const p = this.#m[4 * b + PREV]!
    const n = this.#m[4 * b + NEXT]!
    if (p === NONE) this.#head = n
    else this.#m[4 * p + NEXT] = n
    if (n === NONE) this.#tail = p
    else this.#m[4 * n + PREV] = p
    this.#numFree--
  }
}
