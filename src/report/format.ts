/** @module Number formatting shared by the text table, the HTML report and chart tooltips. */

/** DASH stands in for a value that does not exist (NaN, no completed requests). */
export const DASH = '-'

/**
 * formatDuration prints seconds with a unit chosen for 3 significant digits:
 * 0.000421 → "0.42ms", 0.0042 → "4.2ms", 0.123 → "123ms", 1.234 → "1.23s", 1234 → "1234s".
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return DASH
  const abs = Math.abs(seconds)
  if (abs === 0) return '0ms'
  if (abs < 0.001) return `${(seconds * 1000).toFixed(2)}ms`
  if (abs < 0.01) return `${(seconds * 1000).toFixed(1)}ms`
  // 0.9996 would round to "1000ms"; print it as seconds instead.
  if (abs < 0.9995) return `${(seconds * 1000).toFixed(0)}ms`
  if (abs < 9.995) return `${seconds.toFixed(2)}s`
  if (abs < 99.95) return `${seconds.toFixed(1)}s`
  return `${seconds.toFixed(0)}s`
}

/** formatPercent prints a 0..1 fraction as a percentage with `digits` decimals, no sign. */
export function formatPercent(fraction: number, digits = 1): string {
  if (!Number.isFinite(fraction)) return DASH
  return (fraction * 100).toFixed(digits)
}

/**
 * formatCompact prints a count or rate in ≤ 6 characters: 12.34, 123.4, 1234, 12.3k, 123k, 1.23M.
 */
export function formatCompact(value: number): string {
  if (!Number.isFinite(value)) return DASH
  const abs = Math.abs(value)
  if (abs === 0) return '0'
  if (abs < 0.01) return value.toExponential(1)
  if (Number.isInteger(value) && abs < 9999.5) return String(value)
  if (abs < 99.995) return value.toFixed(2)
  if (abs < 999.95) return value.toFixed(1)
  if (abs < 9999.5) return value.toFixed(0)
  if (abs < 99_950) return `${(value / 1e3).toFixed(1)}k`
  if (abs < 999_500) return `${(value / 1e3).toFixed(0)}k`
  if (abs < 9_995_000) return `${(value / 1e6).toFixed(2)}M`
  if (abs < 999_500_000) return `${(value / 1e6).toFixed(0)}M`
  return `${(value / 1e9).toFixed(2)}G`
}

/** formatInt prints an integer with thousands separators: 12345 → "12,345". */
export function formatInt(value: number): string {
  if (!Number.isFinite(value)) return DASH
  return Math.round(value).toLocaleString('en-US')
}

/** formatMoney prints dollars with cents below $1000, whole dollars above: 12.3 → "12.30". */
export function formatMoney(usd: number): string {
  if (!Number.isFinite(usd)) return DASH
  return Math.abs(usd) < 1000 ? usd.toFixed(2) : formatInt(usd)
}

/** formatSeconds prints a threshold such as an SLO in words: 1 → "1 s", 0.05 → "50 ms". */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return DASH
  if (seconds !== 0 && Math.abs(seconds) < 1) return `${trimNumber(seconds * 1000)} ms`
  return `${trimNumber(seconds)} s`
}

/** trimNumber prints up to 4 significant digits without trailing zeros: 0.0500 → "0.05". */
export function trimNumber(value: number): string {
  if (!Number.isFinite(value)) return DASH
  return String(Number(value.toPrecision(4)))
}
