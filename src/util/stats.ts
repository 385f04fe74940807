/**
 * @module Order statistics over samples: quantiles by linear interpolation (numpy's default), so
 * figures match what users compute from the same data in pandas.
 */

/** Quantiles is the mean and the percentiles DESIGN.md's JSON reports, of one metric. */
export interface Quantiles {
  readonly mean: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
}

/** quantileSorted returns the q-quantile (0..1) of ascending `sorted`; NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length
  if (n === 0) return Number.NaN
  const pos = (n - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.min(n - 1, lo + 1)
  const frac = pos - lo
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * frac
}

/** summarize sorts `values` in place and returns mean, p50, p90, p99 (NaN when empty). */
export function summarize(values: Float64Array): Quantiles {
  values.sort()
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]!
  return {
    mean: values.length ? sum / values.length : Number.NaN,
    p50: quantileSorted(values, 0.5),
    p90: quantileSorted(values, 0.9),
    p99: quantileSorted(values, 0.99),
  }
}

/** cdfPoints returns values at n evenly spaced quantiles of ascending `sorted`. */
export function cdfPoints(sorted: ArrayLike<number>, n = 201): number[] {
  if (sorted.length === 0) return []
  const out = new Array<number>(n)
  for (let i = 0; i < n; i++) out[i] = quantileSorted(sorted, i / (n - 1))
  return out
}

/** GrowableF64 is an append-only Float64Array that doubles as it fills. */
export class GrowableF64 {
  #buf: Float64Array
  #n = 0
  constructor(capacity = 1024) {
    this.#buf = new Float64Array(capacity)
  }
  get length(): number {
    return this.#n
  }
  push(x: number): void {
    if (this.#n === this.#buf.length) {
      const next = new Float64Array(this.#buf.length * 2)
      next.set(this.#buf)
      this.#buf = next
    }
    this.#buf[this.#n++] = x
  }
  /** view returns the filled part (shares memory). */
  view(): Float64Array {
    return this.#buf.subarray(0, this.#n)
  }
}
