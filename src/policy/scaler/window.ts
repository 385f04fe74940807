/**
 * @module Time windows the scalers share. `BucketWindow` is Knative's `TimedFloat64Buckets`
 * (pkg/autoscaler/aggregation/bucketing.go): a ring of 1-second buckets whose average runs over
 * the last W seconds, or over the time since the first sample while less than W has been seen.
 * `MaxWindow` is Knative's `max.TimeWindow` (pkg/autoscaler/aggregation/max/timewindow.go): the
 * largest value recorded in the last W seconds, which is how scale-down-delay holds a count.
 * Both cost O(1) amortised per sample.
 */

/**
 * Samples end on whole seconds up to float noise (the sampler adds 1 s at a time); this keeps
 * 59.9999999 in bucket 60 rather than 59.
 */
const EPS = 1e-6

/** bucketOf maps a time to its bucket index (Knative truncates to the granularity). */
function bucketOf(time: number, granularity: number): number {
  return Math.floor(time / granularity + EPS)
}

/**
 * BucketWindow averages values over a sliding time window of buckets, as Knative's
 * TimedFloat64Buckets does for observed concurrency: values recorded in one bucket add up, empty
 * buckets inside the window count as 0, and the divisor is the number of buckets since the first
 * record, capped at the window, so that a fresh window is not diluted by time it never saw.
 */
export class BucketWindow {
  readonly #granularity: number
  readonly #buckets: Float64Array
  #total = 0
  /** Bucket index of the first record in the current run of data; -Infinity before any. */
  #first = Number.NEGATIVE_INFINITY
  /** Bucket index of the latest record; -Infinity before any. */
  #last = Number.NEGATIVE_INFINITY

  /** `windowSeconds` long, in buckets of `granularity` seconds (Knative's BucketSize, 1 s). */
  constructor(windowSeconds: number, granularity = 1) {
    this.#granularity = granularity
    this.#buckets = new Float64Array(Math.max(1, Math.ceil(windowSeconds / granularity - EPS)))
  }

  /** size is the window's length in buckets. */
  get size(): number {
    return this.#buckets.length
  }

  /** record adds `value` to the bucket holding `time`. Values a whole window old are dropped. */
  record(time: number, value: number): void {
    const idx = bucketOf(time, this.#granularity)
    const n = this.#buckets.length
    if (idx === this.#last) {
      this.#add(idx, value)
      return
    }
    if (idx + n <= this.#last) return
    if (idx > this.#last) {
      if (idx - this.#last >= n) {
        // Nothing for a whole window: start afresh, so the divisor shrinks again.
        this.#buckets.fill(0)
        this.#total = 0
        this.#first = idx
      } else {
        for (let i = this.#last + 1; i <= idx; i++) this.#clear(i)
      }
      this.#last = idx
    }
    if (idx < this.#first) this.#first = idx
    this.#add(idx, value)
  }

  /** isEmpty says no value was recorded within the window ending at `now`. */
  isEmpty(now: number): boolean {
    return bucketOf(now, this.#granularity) - this.#last > this.#buckets.length
  }

  /**
   * average is the mean bucket value over the window ending at `now` (Knative's WindowAverage):
   * buckets that have fallen out since the last record are dropped, and the divisor is the
   * buckets between the first and last record, capped at what remains of the window.
   */
  average(now: number): number {
    if (this.isEmpty(now)) return 0
    const n = this.#buckets.length
    const seen = this.#last - this.#first + 1
    const gap = bucketOf(now, this.#granularity) - this.#last
    if (gap <= 0) return roundDown(this.#total / Math.min(seen, n))
    if (gap >= n) return 0
    let total = this.#total
    for (let i = this.#last + 1; i <= this.#last + gap; i++) total -= this.#buckets[slot(i, n)]!
    return roundDown(total / Math.min(seen, n - gap))
  }

  #add(idx: number, value: number): void {
    const s = slot(idx, this.#buckets.length)
    this.#buckets[s]! += value
    this.#total += value
  }

  #clear(idx: number): void {
    const s = slot(idx, this.#buckets.length)
    this.#total -= this.#buckets[s]!
    this.#buckets[s] = 0
  }
}

/**
 * roundDown keeps 6 decimals, rounding down, as Knative's bucketing.go does (`roundToNDigits`
 * with precision 6) for the same reason: a running total that adds and later subtracts the same
 * fractional values can leave 3e-16 behind after an idle window, and ceil(3e-16 / target) is one
 * replica that would never scale to zero.
 */
function roundDown(x: number): number {
  return Math.max(0, Math.floor(x * 1e6) / 1e6)
}

/** slot is a bucket index's place in the ring (non-negative for negative indices too). */
function slot(idx: number, n: number): number {
  return ((idx % n) + n) % n
}

/**
 * MaxWindow keeps the largest value recorded in the last `windowSeconds` (a record at `t` counts
 * while `now − t < windowSeconds`). A monotonic deque makes it O(1) amortised, where Knative's
 * max.TimeWindow uses an ascending-minima ring over tick buckets to the same effect.
 */
export class MaxWindow {
  readonly #window: number
  readonly #times: number[] = []
  readonly #values: number[] = []
  #head = 0

  constructor(windowSeconds: number) {
    this.#window = windowSeconds
  }

  /**
   * record adds `value` at `time` (times never go back) and returns the window's max, this value
   * included even when the window is 0 s long.
   */
  record(time: number, value: number): number {
    // Values smaller than the new one can never be the max again.
    while (this.#values.length > this.#head && this.#values[this.#values.length - 1]! <= value) {
      this.#values.pop()
      this.#times.pop()
    }
    this.#values.push(value)
    this.#times.push(time)
    return Math.max(value, this.current(time))
  }

  /** current is the largest value recorded in the window ending at `now` (0 when none). */
  current(now: number): number {
    while (
      this.#head < this.#times.length &&
      now - this.#times[this.#head]! >= this.#window - EPS
    ) {
      this.#head++
    }
    // Compact now and then so the arrays do not grow with the run.
    if (this.#head > 64 && this.#head * 2 > this.#times.length) {
      this.#times.splice(0, this.#head)
      this.#values.splice(0, this.#head)
      this.#head = 0
    }
    return this.#head < this.#values.length ? this.#values[this.#head]! : 0
  }
}
