/**
 * @module An open-addressing map from 52-bit block hashes to block ids on one typed array. The
 * prefix cache does a lookup, insert or delete for nearly every KV block a request touches; a JS
 * `Map` keyed by doubles boxes each key and spent half the simulator's time there. Keys and values
 * sit side by side so a probe touches one cache line.
 */

const EMPTY = -1

/**
 * HashIndex maps block hashes (non-negative integers < 2^52, already well mixed) to block ids.
 * Linear probing with backward-shift deletion, so deletes leave no tombstones and probe chains
 * stay short at the ≤ 50% load the capacity guarantees.
 */
export class HashIndex {
  /** slots[2i] = key, slots[2i+1] = value (−1 = empty). */
  #slots: Float64Array
  #mask: number
  #size = 0

  /** capacity is the most entries the index will hold; the table is sized to twice that. */
  constructor(capacity: number) {
    let n = 16
    while (n < capacity * 2) n *= 2
    this.#slots = new Float64Array(2 * n)
    for (let i = 1; i < 2 * n; i += 2) this.#slots[i] = EMPTY
    this.#mask = n - 1
  }

  get size(): number {
    return this.#size
  }

  /** get returns the block id stored for `key`, or -1. */
  get(key: number): number {
    const mask = this.#mask
    const s = this.#slots
    // The low 32 bits of a block hash are one murmur lane: uniform enough to index directly.
    for (let i = (key | 0) & mask; ; i = (i + 1) & mask) {
      const v = s[2 * i + 1]!
      if (v === EMPTY || s[2 * i] === key) return v
    }
  }

  /** has says whether `key` is present. */
  has(key: number): boolean {
    return this.get(key) !== EMPTY
  }

  /** insertIfAbsent stores `key → value` (value ≥ 0) unless present; true when it inserted. */
  insertIfAbsent(key: number, value: number): boolean {
    const mask = this.#mask
    const s = this.#slots
    for (let i = (key | 0) & mask; ; i = (i + 1) & mask) {
      const v = s[2 * i + 1]!
      if (v === EMPTY) {
        if (this.#size * 2 >= mask + 1) throw new Error('HashIndex over capacity')
        s[2 * i] = key
        s[2 * i + 1] = value
        this.#size++
        return true
      }
      if (s[2 * i] === key) return false
    }
  }

  /** set stores `key → value` (value ≥ 0), replacing an existing entry. */
  set(key: number, value: number): void {
    if (!this.insertIfAbsent(key, value)) {
      const mask = this.#mask
      const s = this.#slots
      for (let i = (key | 0) & mask; ; i = (i + 1) & mask) {
        if (s[2 * i] === key && s[2 * i + 1] !== EMPTY) {
          s[2 * i + 1] = value
          return
        }
      }
    }
  }

  /** delete removes `key` if present. */
  delete(key: number): boolean {
    return this.deleteIf(key, EMPTY)
  }

  /**
   * deleteIf removes `key` only if it maps to `value` (any value when `value` is −1); true when it
   * removed. Later entries of the probe chain shift back into the hole.
   */
  deleteIf(key: number, value: number): boolean {
    const mask = this.#mask
    const s = this.#slots
    let i = (key | 0) & mask
    for (; ; i = (i + 1) & mask) {
      const v = s[2 * i + 1]!
      if (v === EMPTY) return false
      if (s[2 * i] === key) {
        if (value !== EMPTY && v !== value) return false
        break
      }
    }
    // Backward shift: move each following entry into the hole unless its home slot lies
    // cyclically in (hole, j], where moving it would break its own chain.
    let hole = i
    for (let j = (hole + 1) & mask; s[2 * j + 1] !== EMPTY; j = (j + 1) & mask) {
      const home = (s[2 * j]! | 0) & mask
      const between = hole <= j ? hole < home && home <= j : hole < home || home <= j
      if (!between) {
        s[2 * hole] = s[2 * j]!
        s[2 * hole + 1] = s[2 * j + 1]!
        hole = j
      }
    }
    s[2 * hole + 1] = EMPTY
    this.#size--
    return true
  }

  /** entries iterates stored pairs (tests and invariant checks only). */
  *entries(): IterableIterator<[number, number]> {
    const s = this.#slots
    for (let i = 0; i <= this.#mask; i++) {
      if (s[2 * i + 1] !== EMPTY) yield [s[2 * i]!, s[2 * i + 1]!]
    }
  }
}
