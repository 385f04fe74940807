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

const NONE = -1

/** BlockPool owns `numBlocks` KV blocks of one engine. */
export class BlockPool {
  readonly numBlocks: number
  #refCount: Int32Array
  #hash: Float64Array
  #gen: Int32Array
  #prev: Int32Array
  #next: Int32Array
  #head = NONE
  #tail = NONE
  #numFree = 0
  #cached: HashIndex
  #evictions = 0

  constructor(numBlocks: number) {
    if (!Number.isInteger(numBlocks) || numBlocks <= 0) {
      throw new RangeError(`numBlocks must be a positive integer, got ${numBlocks}`)
    }
    this.numBlocks = numBlocks
    this.#refCount = new Int32Array(numBlocks)
    this.#hash = new Float64Array(numBlocks).fill(NONE)
    this.#gen = new Int32Array(numBlocks)
    this.#prev = new Int32Array(numBlocks)
    this.#next = new Int32Array(numBlocks)
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

  /** refCount of a block (tests and invariants). */
  refCount(block: number): number {
    return this.#refCount[block]!
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
    return this.#gen[block]!
  }

  /** allocate takes the least recently freed block, evicting its cached hash; -1 when none. */
  allocate(): number {
    const b = this.#head
    if (b === NONE) return NONE
    // Pop the head (inline unlink: the head has no predecessor).
    const n = this.#next[b]!
    this.#head = n
    if (n === NONE) this.#tail = NONE
    else this.#prev[n] = NONE
    this.#numFree--
    this.#gen[b]!++
    const h = this.#hash[b]!
    if (h !== NONE) {
      // Only drop the mapping if it still points here (a duplicate may have replaced it).
      this.#cached.deleteIf(h, b)
      this.#hash[b] = NONE
      this.#evictions++
    }
    this.#refCount[b] = 1
    return b
  }

  /** touch adds a holder to a (possibly free, cached) block, taking it off the free queue. */
  touch(block: number): void {
    if (this.#refCount[block] === 0) this.#unlink(block)
    this.#refCount[block]!++
  }

  /** release drops a holder; at zero the block joins the free queue's tail, hash kept. */
  release(block: number): void {
    const rc = --this.#refCount[block]!
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
    for (let b = this.#head; b !== NONE; b = this.#next[b]!) {
      if (this.#refCount[b] !== 0) throw new Error(`block ${b} on free queue with refs`)
      n++
      if (n > this.numBlocks) throw new Error('free queue has a cycle')
    }
    if (n !== this.#numFree) throw new Error(`free count ${this.#numFree} but queue holds ${n}`)
    let zero = 0
    for (let b = 0; b < this.numBlocks; b++) if (this.#refCount[b] === 0) zero++
    if (zero !== n) throw new Error(`${zero} blocks unreferenced but ${n} on free queue`)
    for (const [h, b] of this.#cached.entries()) {
      if (this.#hash[b] !== h) throw new Error(`cache maps ${h} to block ${b} holding another hash`)
    }
  }

  #pushTail(b: number): void {
    this.#prev[b] = this.#tail
    this.#next[b] = NONE
    if (this.#tail === NONE) this.#head = b
    else this.#next[this.#tail] = b
    this.#tail = b
    this.#numFree++
  }

  #unlink(b: number): void {
    const p = this.#prev[b]!
    const n = this.#next[b]!
    if (p === NONE) this.#head = n
    else this.#next[p] = n
    if (n === NONE) this.#tail = p
    else this.#prev[n] = p
    this.#numFree--
  }
}
