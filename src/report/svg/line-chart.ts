/**
 * @module Line charts (latency CDFs, time series) as static SVG. Each series is a `<g
 * class="series">` of `<polyline>`s, one per run of finite points (a NaN breaks the line rather
 * than dragging it to zero), with the formatted values in `data-v` for the page's hover script.
 */
import { escapeHtml } from '../escape.js'
import {
  type Frame,
  linearScale,
  logScale,
  renderAxes,
  round,
  type Scale,
  spansDecades,
  type TickFormat,
} from './axes.js'
import { layoutLegend } from './legend.js'
import type { SeriesStyle } from './palette.js'

/** LineSeries is one named line. Points are [x, y] in data units; non-finite ones are gaps. */
export interface LineSeries {
  readonly name: string
  readonly style: SeriesStyle
  readonly points: ReadonlyArray<readonly [number, number]>
  /** Appended to the legend entry, e.g. "(no completed requests)". */
  readonly note?: string
}

/** RefLine is a labelled reference line (an SLO threshold, a percentile). */
export interface RefLine {
  readonly value: number
  readonly label: string
}

/** LineChartOptions describe one chart. */
export interface LineChartOptions {
  /** Unique in the page: prefixes the clip-path id. */
  readonly id: string
  readonly title: string
  readonly subtitle?: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: ReadonlyArray<LineSeries>
  readonly width?: number
  readonly height?: number
  /** 'auto' (default) goes logarithmic when positive x values span more than two decades. */
  readonly xScale?: 'linear' | 'log' | 'auto'
  /** Fix the x domain (a timeline's full span) instead of fitting it to the points; linear only. */
  readonly xDomain?: readonly [number, number]
  /** Fix the y domain (a CDF's 0..1) instead of fitting it to the data. */
  readonly yDomain?: readonly [number, number]
  /** Start the y axis at zero (counts, rates). */
  readonly yZero?: boolean
  /** Values the fitted y domain must reach, such as an SLO threshold drawn as a reference line. */
  readonly yInclude?: ReadonlyArray<number>
  /**
   * 'log' puts y on a log axis (a tail latency that grows 1000× past a knee); points with y ≤ 0
   * break the line. Default 'linear'.
   */
  readonly yScale?: 'linear' | 'log'
  /** Mark every point with a dot: for a few measured points (a sweep), not a dense series. */
  readonly markers?: boolean
  /** Draw the legend (default true); off when several charts share one legend above them. */
  readonly legend?: boolean
  readonly xTickFormat?: TickFormat
  readonly yTickFormat?: TickFormat
  readonly logTickFormat?: (value: number) => string
  /** Formats values for hover tooltips. */
  readonly hoverX?: (x: number) => string
  readonly hoverY?: (y: number) => string
  /** Vertical reference lines at x values (drawn only when inside the domain). */
  readonly xRefs?: ReadonlyArray<RefLine>
  /** Horizontal reference lines at y values. */
  readonly yRefs?: ReadonlyArray<RefLine>
  /**
   * How the hover tooltip reads: 'shared-x' (time series: one x, each series' y) or 'point'
   * (CDFs: each series' nearest point as "y at x"). Default 'shared-x'.
   */
  readonly hoverMode?: 'shared-x' | 'point'
  /** Shown in the plot when no series has a finite point. */
  readonly emptyText?: string
}

const MARGIN = { left: 62, right: 18, bottom: 46 }

/** renderLineChart returns a standalone `<svg>` element. */
export function renderLineChart(opts: LineChartOptions): string {
  const width = opts.width ?? 640
  const height = opts.height ?? 360
  const finite = opts.series.flatMap((s) => s.points.filter(isFinitePoint))

  let top = 26
  const head: string[] = [
    `<text class="chart-title" x="${MARGIN.left}" y="18">${escapeHtml(opts.title)}</text>`,
  ]
  if (opts.subtitle !== undefined) {
    head.push(
      `<text class="chart-subtitle" x="${MARGIN.left}" y="${top + 10}">${escapeHtml(opts.subtitle)}</text>`,
    )
    top += 18
  }
  const legend = layoutLegend(
    ((opts.legend ?? true) ? opts.series : []).map((s) => ({
      name: s.note === undefined ? s.name : `${s.name} ${s.note}`,
      color: s.style.color,
      shape: 'line' as const,
      ...(s.style.dash === undefined ? {} : { dash: s.style.dash }),
    })),
    MARGIN.left,
    top + 4,
    width - MARGIN.left - MARGIN.right,
  )
  // `height` assumes a one-row legend; extra rows make the SVG taller rather than the plot
  // shorter, so charts side by side keep equal plots however many runs they show.
  const plotHeight = Math.max(60, height - top - 18 - 12 - MARGIN.bottom)
  top += legend.height + 12
  const frame: Frame = {
    left: MARGIN.left,
    top,
    width: width - MARGIN.left - MARGIN.right,
    height: plotHeight,
  }
  const svgHeight = frame.top + frame.height + MARGIN.bottom

  const { x, y } = scales(opts, finite, frame)
  const clipId = `${opts.id}-clip`
  const body: string[] = [renderAxes(frame, x, y, { x: opts.xLabel, y: opts.yLabel })]
  body.push(
    `<clipPath id="${escapeHtml(clipId)}"><rect x="${frame.left}" y="${frame.top - 2}" width="${frame.width + 2}" height="${frame.height + 4}"/></clipPath>`,
  )
  body.push(refLines(opts, frame, x, y))
  body.push(`<g clip-path="url(#${escapeHtml(clipId)})">`)
  opts.series.forEach((s, i) => {
    body.push(seriesSvg(s, i, x, y, opts))
  })
  body.push('</g>')
  if (finite.length === 0) {
    body.push(
      `<text class="empty" x="${round(frame.left + frame.width / 2)}" y="${round(frame.top + frame.height / 2)}" text-anchor="middle">${escapeHtml(opts.emptyText ?? 'no data')}</text>`,
    )
  }
  // Hidden until the page script moves them; without JS the chart is complete as it is.
  body.push(
    `<line class="cursor" x1="0" x2="0" y1="${frame.top}" y2="${frame.top + frame.height}" visibility="hidden"/>`,
  )
  for (const s of opts.series) {
    body.push(`<circle class="dot" r="4" fill="${s.style.color}" visibility="hidden"/>`)
  }
  body.push(
    `<rect class="hover-area" x="${frame.left}" y="${frame.top}" width="${frame.width}" height="${frame.height}" fill="transparent"/>`,
  )
  return [
    `<svg class="chart" data-hover="${opts.hoverMode ?? 'shared-x'}" viewBox="0 0 ${width} ${svgHeight}" width="${width}" height="${svgHeight}" role="img" aria-label="${escapeHtml(opts.title)}">`,
    `<title>${escapeHtml(opts.title)}</title>`,
    ...head,
    legend.svg,
    ...body,
    '</svg>',
  ].join('')
}

function scales(
  opts: LineChartOptions,
  finite: ReadonlyArray<readonly [number, number]>,
  frame: Frame,
): { x: Scale; y: Scale } {
  const xs = finite.map((p) => p[0])
  const ys = [...finite.map((p) => p[1]), ...(opts.yInclude ?? []).filter(Number.isFinite)]
  const xRange = [frame.left, frame.left + frame.width] as const
  const yRange = [frame.top + frame.height, frame.top] as const
  const useLog =
    opts.xScale === 'log' || ((opts.xScale ?? 'auto') === 'auto' && spansDecades(xs, 2))
  let x: Scale
  if (useLog) {
    const positive = xs.filter((v) => v > 0)
    x = logScale(minOf(positive, 1e-3), maxOf(positive, 1), xRange, opts.logTickFormat)
  } else {
    const [x0, x1] = opts.xDomain ?? [minOf(xs, 0), maxOf(xs, 1)]
    x = linearScale(x0, x1, xRange, {
      count: Math.max(3, Math.round(frame.width / 90)),
      ...(opts.xTickFormat === undefined ? {} : { format: opts.xTickFormat }),
    })
  }
  const yDomain = opts.yDomain
  if (opts.yScale === 'log') {
    const positive = ys.filter((v) => v > 0)
    return { x, y: logScale(minOf(positive, 1e-3), maxOf(positive, 1), yRange) }
  }
  const y =
    yDomain !== undefined
      ? linearScale(yDomain[0], yDomain[1], yRange, {
          nice: false,
          ...(opts.yTickFormat === undefined ? {} : { format: opts.yTickFormat }),
        })
      : linearScale(minOf(ys, 0), maxOf(ys, 1), yRange, {
          zero: opts.yZero ?? false,
          count: Math.max(3, Math.round(frame.height / 50)),
          ...(opts.yTickFormat === undefined ? {} : { format: opts.yTickFormat }),
        })
  return { x, y }
}

function seriesSvg(s: LineSeries, i: number, x: Scale, y: Scale, opts: LineChartOptions): string {
  const dash = s.style.dash === undefined ? '' : ` stroke-dasharray="${s.style.dash}"`
  const hx = opts.hoverX ?? String
  const hy = opts.hoverY ?? String
  const parts = [
    `<g class="series" data-name="${escapeHtml(s.name)}" data-color="${s.style.color}" data-i="${i}">`,
  ]
  for (const segment of segments(s.points, x.kind === 'log', y.kind === 'log')) {
    const coords = segment.map((p) => `${round(x.map(p[0]))},${round(y.map(p[1]))}`).join(' ')
    const values = segment.map((p) => `${hx(p[0])}|${hy(p[1])}`).join(';')
    parts.push(
      `<polyline points="${coords}" fill="none" stroke="${s.style.color}" stroke-width="1.8" stroke-linejoin="round"${dash} data-v="${escapeHtml(values)}"/>`,
    )
    if (opts.markers) {
      for (const [px, py] of segment) {
        parts.push(
          `<circle cx="${round(x.map(px))}" cy="${round(y.map(py))}" r="3" fill="${s.style.color}"/>`,
        )
      }
    } else if (segment.length === 1 && segment[0] !== undefined) {
      // A lone point draws nothing as a line (one timeline bucket): mark it.
      const [px, py] = segment[0]
      parts.push(
        `<circle cx="${round(x.map(px))}" cy="${round(y.map(py))}" r="3" fill="${s.style.color}"/>`,
      )
    }
  }
  parts.push('</g>')
  return parts.join('')
}

function refLines(opts: LineChartOptions, frame: Frame, x: Scale, y: Scale): string {
  const out: string[] = []
  const [x0, x1] = x.domain
  for (const r of opts.xRefs ?? []) {
    if (!(r.value >= x0 && r.value <= x1)) continue
    const px = round(x.map(r.value))
    out.push(
      `<line class="ref" x1="${px}" x2="${px}" y1="${frame.top}" y2="${frame.top + frame.height}"/>`,
      // Bottom right of the line: a CDF's curves have left that corner by the time they reach an
      // SLO threshold, and a time series rarely sits at zero.
      `<text class="ref-label" x="${px + 4}" y="${frame.top + frame.height - 6}">${escapeHtml(r.label)}</text>`,
    )
  }
  const [y0, y1] = y.domain
  for (const r of opts.yRefs ?? []) {
    if (!(r.value >= y0 && r.value <= y1)) continue
    const py = round(y.map(r.value))
    out.push(
      `<line class="ref" x1="${frame.left}" x2="${frame.left + frame.width}" y1="${py}" y2="${py}"/>`,
      // Left end, under the line (above it, p99 would sit on the frame's top edge): a CDF's
      // top left is empty, since short latencies are never the high quantiles.
      r.label === ''
        ? ''
        : `<text class="ref-label" x="${frame.left + 4}" y="${py + 12}">${escapeHtml(r.label)}</text>`,
    )
  }
  return out.join('')
}

/** segments splits points at non-finite values (and at values ≤ 0 on a log axis). */
function segments(
  points: ReadonlyArray<readonly [number, number]>,
  logX: boolean,
  logY: boolean,
): Array<Array<readonly [number, number]>> {
  const out: Array<Array<readonly [number, number]>> = []
  let current: Array<readonly [number, number]> = []
  for (const p of points) {
    if (isFinitePoint(p) && (!logX || p[0] > 0) && (!logY || p[1] > 0)) {
      current.push(p)
    } else if (current.length > 0) {
      out.push(current)
      current = []
    }
  }
  if (current.length > 0) out.push(current)
  return out
}

function isFinitePoint(p: readonly [number, number]): boolean {
  return Number.isFinite(p[0]) && Number.isFinite(p[1])
}

function minOf(values: ReadonlyArray<number>, fallback: number): number {
  let m = Number.POSITIVE_INFINITY
  for (const v of values) if (v < m) m = v
  return Number.isFinite(m) ? m : fallback
}

function maxOf(values: ReadonlyArray<number>, fallback: number): number {
  let m = Number.NEGATIVE_INFINITY
  for (const v of values) if (v > m) m = v
  return Number.isFinite(m) ? m : fallback
}
