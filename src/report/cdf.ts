/**
 * @module Reading `RunDetail.cdf` arrays: values at evenly spaced quantiles q = i/(n−1).
 */

/** cdfPoints turns quantile values into [value, q] points, dropping non-finite values. */
export function cdfPoints(values: ReadonlyArray<number>): Array<readonly [number, number]> {
  const n = values.length
  const out: Array<readonly [number, number]> = []
  values.forEach((v, i) => {
    // One value is the whole distribution: plot it at q = 1.
    const q = n === 1 ? 1 : i / (n - 1)
    if (Number.isFinite(v)) out.push([v, q])
  })
  return out
}

/**
 * fractionAtMost estimates the share of requests with a value ≤ threshold by interpolating
 * between the two quantiles around it: values [0.1, 0.3, 0.9] (q = 0, .5, 1), threshold 0.6 →
 * 0.5 + (0.6−0.3)/(0.9−0.3) × 0.5 = 0.75. NaN when there are no finite values.
 */
export function fractionAtMost(values: ReadonlyArray<number>, threshold: number): number {
  const pts = cdfPoints(values)
  const first = pts[0]
  const last = pts[pts.length - 1]
  if (first === undefined || last === undefined || !Number.isFinite(threshold)) return Number.NaN
  if (threshold < first[0]) return 0
  if (threshold >= last[0]) return 1
  for (let i = pts.length - 2; i >= 0; i--) {
    const a = pts[i]
    const b = pts[i + 1]
    if (a === undefined || b === undefined || a[0] > threshold) continue
    if (b[0] === a[0]) return b[1]
    return a[1] + ((threshold - a[0]) / (b[0] - a[0])) * (b[1] - a[1])
  }
  return 0
}
