/**
 * @module Colours. Series use the Okabe–Ito palette (distinguishable under the common forms of
 * colour blindness); heatmaps use viridis (perceptually uniform, readable in greyscale).
 */

/**
 * OKABE_ITO in the order series take them. Yellow (#F0E442) is left out: it vanishes on white.
 * Black comes last so a reader does not mistake the first run for an axis.
 */
export const OKABE_ITO: ReadonlyArray<string> = [
  '#0072B2', // blue
  '#D55E00', // vermillion
  '#009E73', // bluish green
  '#CC79A7', // reddish purple
  '#E69F00', // orange
  '#56B4E9', // sky blue
  '#000000', // black
]

const DASHES: ReadonlyArray<string | undefined> = [undefined, '6 3', '2 2', '8 3 2 3']

/** SeriesStyle is how the i-th series is stroked. */
export interface SeriesStyle {
  readonly color: string
  /** SVG stroke-dasharray; absent for solid lines. */
  readonly dash?: string
}

/**
 * seriesStyle gives series `i` a colour, and once the 7 colours are used up, a dash pattern too,
 * so the 8th series (blue, dashed) is still told apart from the 1st (blue, solid).
 */
export function seriesStyle(i: number): SeriesStyle {
  const n = OKABE_ITO.length
  const color = OKABE_ITO[((i % n) + n) % n] ?? '#000000'
  const dash = DASHES[Math.floor(Math.max(0, i) / n) % DASHES.length]
  return dash === undefined ? { color } : { color, dash }
}

// Viridis sampled at 9 evenly spaced stops (matplotlib's _viridis_data at 0, 1/8, …, 1).
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
]

/** viridis maps t in 0..1 to a hex colour by linear interpolation between stops; NaN → grey. */
export function viridis(t: number): string {
  if (!Number.isFinite(t)) return '#d9d9d9'
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1)
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x))
  const f = x - i
  const a = VIRIDIS[i] ?? [0, 0, 0]
  const b = VIRIDIS[i + 1] ?? a
  const mix = (k: 0 | 1 | 2): number => Math.round(a[k] + (b[k] - a[k]) * f)
  return `#${[mix(0), mix(1), mix(2)].map((v) => v.toString(16).padStart(2, '0')).join('')}`
}
