/**
 * @module OutputHistory: the empirical distribution of recent output lengths (a sliding window),
 * kept sorted so past-future can ask how likely a request that has generated g tokens is to still
 * be running t tokens later: countAbove(g + t) / countAbove(g).
 */

/** OutputHistory keeps the last `capacity` finished output lengths, sorted for queries. */
export class OutputHistory {
  readonly capacity: number
  #ring: number[] = []
  #next = 0
  #sorted: number[] = []

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('OutputHistory capacity must be ≥ 1')
    this.capacity = capacity
  }

  get size(): number {
    return this.#sorted.length
  }

  /** add records one finished request's output length, forgetting the oldest past capacity. */
  add(len: number): void {
    const sorted = this.#sorted
    if (this.#ring.length < this.capacity) {
      this.#ring.push(len)
    } else {
      const old = this.#ring[this.#next]!
      this.#ring[this.#next] = len
      this.#next = (this.#next + 1) % this.capacity
      sorted.splice(upperBound(sorted, old) - 1, 1)
    }
    sorted.splice(upperBound(sorted, len), 0, len)
  }

  /** countAbove is how many recorded lengths exceed `x`. */
  countAbove(x: number): number {
    return this.#sorted.length - upperBound(this.#sorted, x)
  }

  /** max is the longest recorded length (0 when empty). */
  get max(): number {
    return this.#sorted[this.#sorted.length - 1] ?? 0
  }
}

/** upperBound is the first index whose value is > x in ascending `a`. */
function upperBound(a: ReadonlyArray<number>, x: number): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}
