/**
 * @module Scales, "nice" ticks (linear 1-2-5 steps, and log decades) and the SVG for axes and
 * grid lines. Charts map data through a `Scale` and call `renderAxes` for the frame around it.
 */
import { escapeHtml } from '../escape.js'

/** Tick is one axis tick; minor ticks get a fainter grid line and usually no label. */
export interface Tick {
  readonly value: number
  readonly label: string
  readonly major: boolean
}

/** Scale maps data values onto one SVG coordinate range. */
export interface Scale {
  readonly kind: 'linear' | 'log'
  readonly domain: readonly [number, number]
  readonly range: readonly [number, number]
  readonly ticks: ReadonlyArray<Tick>
  map(value: number): number
}

/** TickFormat turns a tick value into a label; `step` is the tick spacing (linear scales). */
export type TickFormat = (value: number, step: number) => string

/** Frame is the plot area inside a chart, in SVG units. */
export interface Frame {
  readonly left: number
  readonly top: number
  readonly width: number
  readonly height: number
}

/**
 * niceStep returns a 1, 2 or 5 × 10^k step that cuts `span` into about `count` intervals,
 * rounding the raw step at 1.5, 3 and 7: span 37, count 5 → raw 7.4 → 10 (ticks 0, 10, …, 40);
 * span 30, count 5 → raw 6 → 5; span 0.9, count 5 → raw 0.18 → 0.2.
 */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1
  const raw = span / Math.max(1, count)
  const mag = 10 ** Math.floor(Math.log10(raw))
  const norm = clean(raw / mag) // 0.7 / 0.1 is 6.999…, which must still round up to 10
  const nice = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10
  return nice * mag
}

/** niceDomain widens [min, max] outward to multiples of the nice step. */
export function niceDomain(min: number, max: number, count = 5): [number, number] {
  const [lo, hi] = widen(min, max)
  const step = niceStep(hi - lo, count)
  return [clean(Math.floor(lo / step) * step), clean(Math.ceil(hi / step) * step)]
}

/** linearTicks lists the multiples of the nice step that lie within [min, max]. */
export function linearTicks(min: number, max: number, count = 5): number[] {
  const [lo, hi] = widen(min, max)
  const step = niceStep(hi - lo, count)
  const first = Math.ceil(lo / step - 1e-9)
  const last = Math.floor(hi / step + 1e-9)
  const ticks: number[] = []
  for (let k = first; k <= last; k++) ticks.push(clean(k * step))
  return ticks
}

/**
 * logTicks lists decade ticks (1, 10, 100, …) within [min, max] as majors, and 2…9 multiples as
 * minors. When fewer than two decades fall inside, the 2 and 5 multiples are promoted to majors
 * so the axis still gets labels (0.3..4 → 0.5, 1, 2).
 */
export function logTicks(min: number, max: number): { major: number[]; minor: number[] } {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) return { major: [], minor: [] }
  const major: number[] = []
  const minor: number[] = []
  const inside = (v: number): boolean => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (let m = 1; m <= 9; m++) {
      const v = clean(m * 10 ** e)
      if (!inside(v)) continue
      if (m === 1) major.push(v)
      else minor.push(v)
    }
  }
  if (major.length < 2) {
    const promoted = minor.filter((v) => leadingDigit(v) === 2 || leadingDigit(v) === 5)
    return {
      major: [...major, ...promoted].sort((a, b) => a - b),
      minor: minor.filter((v) => !promoted.includes(v)),
    }
  }
  return { major, minor }
}

/**
 * formatTick prints a linear tick with as many decimals as the step needs (step 0.25 → "0.25",
 * step 5 → "15"), and with a k or M suffix from 10,000 up so labels stay short ("25k").
 */
export function formatTick(value: number, step: number): string {
  const abs = Math.abs(value)
  if (abs >= 1e7) return `${clean(value / 1e6)}M`
  if (abs >= 1e4) return `${fixed(value / 1e3, step / 1e3)}k`
  return fixed(value, step)
}

/** formatLogTick prints a log tick compactly: 0.001, 0.5, 20, 1k, 10M. */
export function formatLogTick(value: number): string {
  if (value >= 1e6) return `${clean(value / 1e6)}M`
  if (value >= 1e3) return `${clean(value / 1e3)}k`
  return String(clean(value))
}

/** LinearScaleOptions tune `linearScale`. */
export interface LinearScaleOptions {
  /** Tick count to aim for (default 5). */
  readonly count?: number
  /** Widen the domain to nice multiples (default true). */
  readonly nice?: boolean
  /** Include zero in the domain (default false). */
  readonly zero?: boolean
  readonly format?: TickFormat
}

/** linearScale maps [min, max] (widened when degenerate, then made nice) linearly onto range. */
export function linearScale(
  min: number,
  max: number,
  range: readonly [number, number],
  options: LinearScaleOptions = {},
): Scale {
  const count = options.count ?? 5
  let [lo, hi] = widen(options.zero ? Math.min(0, min) : min, options.zero ? Math.max(0, max) : max)
  if (options.nice ?? true) [lo, hi] = niceDomain(lo, hi, count)
  const step = niceStep(hi - lo, count)
  const format = options.format ?? formatTick
  const ticks = linearTicks(lo, hi, count).map((v) => ({
    value: v,
    label: format(v, step),
    major: true,
  }))
  const [r0, r1] = range
  const map = (v: number): number => r0 + ((v - lo) / (hi - lo)) * (r1 - r0)
  return { kind: 'linear', domain: [lo, hi], range, ticks, map }
}

/**
 * logScale maps [min, max] (both > 0) logarithmically onto range. The domain is widened to the
 * neighbouring 1-2-5 values (0.023..31 → 0.02..50) rather than whole decades, which would waste
 * up to half the axis.
 */
export function logScale(
  min: number,
  max: number,
  range: readonly [number, number],
  format: (value: number) => string = formatLogTick,
): Scale {
  const safeMin = min > 0 && Number.isFinite(min) ? min : 1e-3
  const safeMax = max > safeMin && Number.isFinite(max) ? max : safeMin * 10
  const lo = niceBelow(safeMin)
  const hi = niceAbove(safeMax)
  const { major, minor } = logTicks(lo, hi)
  const ticks: Tick[] = [
    ...major.map((v) => ({ value: v, label: format(v), major: true })),
    ...minor.map((v) => ({ value: v, label: '', major: false })),
  ]
  const [r0, r1] = range
  const l0 = Math.log10(lo)
  const l1 = Math.log10(hi)
  const map = (v: number): number => r0 + ((Math.log10(v) - l0) / (l1 - l0)) * (r1 - r0)
  return { kind: 'log', domain: [lo, hi], range, ticks, map }
}

/**
 * spansDecades says whether the positive values span more than `decades` powers of ten — the
 * point where a linear axis squeezes the body of a latency distribution into one corner.
 */
export function spansDecades(values: Iterable<number>, decades = 2): boolean {
  let lo = Number.POSITIVE_INFINITY
  let hi = 0
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) continue
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  return hi > 0 && hi / lo > 10 ** decades
}

/** AxisLabels are the axis titles, units included ("TTFT (ms)"). */
export interface AxisLabels {
  readonly x: string
  readonly y: string
  /** Distance from the frame's left edge to the y title's centre line (default 44). */
  readonly yOffset?: number
}

const CHAR_W = 6.2 // average glyph width of the 11px tick font, for overlap checks

/**
 * renderAxes draws grid lines, tick marks and labels, the frame's left and bottom edges and the
 * axis titles. X labels that would collide are thinned to every 2nd, 3rd, … major tick.
 */
export function renderAxes(frame: Frame, x: Scale, y: Scale, labels: AxisLabels): string {
  const { left, top, width, height } = frame
  const bottom = top + height
  const out: string[] = ['<g class="axes">']
  for (const t of y.ticks) {
    const py = round(y.map(t.value))
    if (py < top - 0.5 || py > bottom + 0.5) continue
    out.push(
      `<line class="${t.major ? 'grid' : 'grid minor'}" x1="${left}" x2="${left + width}" y1="${py}" y2="${py}"/>`,
    )
    if (t.label !== '') {
      out.push(
        `<text class="tick" x="${left - 6}" y="${py}" text-anchor="end" dy="0.32em">${escapeHtml(t.label)}</text>`,
      )
    }
  }
  const xMajors = x.ticks.filter((t) => t.major && t.label !== '')
  const widest = Math.max(1, ...xMajors.map((t) => t.label.length)) * CHAR_W + 8
  const every = Math.max(1, Math.ceil((widest * xMajors.length) / Math.max(1, width)))
  let majorIndex = 0
  for (const t of x.ticks) {
    const px = round(x.map(t.value))
    if (px < left - 0.5 || px > left + width + 0.5) continue
    out.push(
      `<line class="${t.major ? 'grid' : 'grid minor'}" x1="${px}" x2="${px}" y1="${top}" y2="${bottom}"/>`,
    )
    if (!t.major || t.label === '') continue
    out.push(`<line class="tickmark" x1="${px}" x2="${px}" y1="${bottom}" y2="${bottom + 4}"/>`)
    if (majorIndex++ % every === 0) {
      out.push(
        `<text class="tick" x="${px}" y="${bottom + 16}" text-anchor="middle">${escapeHtml(t.label)}</text>`,
      )
    }
  }
  out.push(
    `<path class="frame" d="M${left},${top}V${bottom}H${left + width}"/>`,
    `<text class="axis-label" x="${round(left + width / 2)}" y="${bottom + 34}" text-anchor="middle">${escapeHtml(labels.x)}</text>`,
    `<text class="axis-label" transform="translate(${round(left - (labels.yOffset ?? 44))},${round(top + height / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(labels.y)}</text>`,
    '</g>',
  )
  return out.join('')
}

/** round trims SVG coordinates to 0.1 unit: sub-pixel digits only bloat the file. */
export function round(v: number): number {
  return Math.round(v * 10) / 10
}

function widen(min: number, max: number): [number, number] {
  let lo = Number.isFinite(min) ? min : 0
  let hi = Number.isFinite(max) ? max : lo + 1
  if (hi < lo) [lo, hi] = [hi, lo]
  if (hi === lo) {
    // One value (a single bucket, every latency equal): give it room on both sides.
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.5
    return [lo - pad, hi + pad]
  }
  return [lo, hi]
}

/** clean drops float noise: 3 * 0.1 → 0.3, not 0.30000000000000004. */
function clean(v: number): number {
  return Number(v.toPrecision(12))
}

function fixed(value: number, step: number): string {
  // As many decimals as the step has: 0.25 → 2, 2.5 → 1, 5 → 0.
  let decimals = 0
  while (
    decimals < 10 &&
    step > 0 &&
    Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6
  ) {
    decimals++
  }
  const text = value.toFixed(decimals)
  return text === '-0' || /^-0\.0*$/.test(text) ? text.slice(1) : text
}

function leadingDigit(v: number): number {
  return Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9))
}

const STEPS = [1, 2, 5, 10]

function niceBelow(v: number): number {
  const mag = 10 ** Math.floor(Math.log10(v))
  let best = mag
  for (const s of STEPS) if (s * mag <= v * (1 + 1e-9)) best = s * mag
  return clean(best)
}

function niceAbove(v: number): number {
  const mag = 10 ** Math.floor(Math.log10(v))
  for (const s of STEPS) if (s * mag >= v * (1 - 1e-9)) return clean(s * mag)
  return clean(10 * mag)
}
