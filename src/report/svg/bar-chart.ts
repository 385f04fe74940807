/**
 * @module Grouped vertical bar charts as static SVG: one group per category (a run), one bar per
 * series within it, each bar labelled with its value so the chart reads without hovering.
 */
import { escapeHtml } from '../escape.js'
import { type Frame, linearScale, renderAxes, round, type Scale, type TickFormat } from './axes.js'
import { layoutLegend } from './legend.js'
import type { RefLine } from './line-chart.js'

/** BarGroup is one category on the x axis with one value per series (NaN: no bar, "n/a"). */
export interface BarGroup {
  readonly label: string
  readonly values: ReadonlyArray<number>
}

/** BarChartOptions describe one chart. */
export interface BarChartOptions {
  readonly title: string
  readonly subtitle?: string
  readonly yLabel: string
  readonly xLabel?: string
  readonly series: ReadonlyArray<{ readonly name: string; readonly color: string }>
  readonly groups: ReadonlyArray<BarGroup>
  readonly yDomain?: readonly [number, number]
  readonly yTickFormat?: TickFormat
  /** Formats the value printed on a bar. */
  readonly valueFormat?: (v: number) => string
  readonly yRefs?: ReadonlyArray<RefLine>
  readonly width?: number
  readonly height?: number
}

const MARGIN = { left: 62, right: 18, bottom: 56 }
const LABEL_CHAR_W = 6.8 // average glyph width of the 12px label font

/** renderBarChart returns a standalone `<svg>` element. */
export function renderBarChart(opts: BarChartOptions): string {
  const width = opts.width ?? 640
  const height = opts.height ?? 340
  let top = 26
  const head = [
    `<text class="chart-title" x="${MARGIN.left}" y="18">${escapeHtml(opts.title)}</text>`,
  ]
  if (opts.subtitle !== undefined) {
    head.push(
      `<text class="chart-subtitle" x="${MARGIN.left}" y="${top + 10}">${escapeHtml(opts.subtitle)}</text>`,
    )
    top += 18
  }
  const legend =
    opts.series.length > 1
      ? layoutLegend(
          opts.series.map((s) => ({ name: s.name, color: s.color, shape: 'box' as const })),
          MARGIN.left,
          top + 4,
          width - MARGIN.left - MARGIN.right,
        )
      : { svg: '', height: 0 }
  // `height` assumes a one-row legend; extra rows make the SVG taller rather than the plot
  // shorter, so charts side by side keep equal plots however many runs they show.
  // 22 below the legend, not 12: a 100 % bar's value label sits above the plot.
  const plotHeight = Math.max(60, height - top - 18 - 22 - MARGIN.bottom)
  top += legend.height + 22
  const frame: Frame = {
    left: MARGIN.left,
    top,
    width: width - MARGIN.left - MARGIN.right,
    height: plotHeight,
  }
  const svgHeight = frame.top + frame.height + MARGIN.bottom

  const values = opts.groups.flatMap((g) => g.values).filter(Number.isFinite)
  const yRange = [frame.top + frame.height, frame.top] as const
  const y = opts.yDomain
    ? linearScale(opts.yDomain[0], opts.yDomain[1], yRange, {
        nice: false,
        ...(opts.yTickFormat === undefined ? {} : { format: opts.yTickFormat }),
      })
    : linearScale(0, Math.max(0, ...values), yRange, {
        zero: true,
        ...(opts.yTickFormat === undefined ? {} : { format: opts.yTickFormat }),
      })
  // Bars have no x scale; an empty one lets renderAxes draw the frame and the y grid.
  const xNone: Scale = {
    kind: 'linear',
    domain: [0, 1],
    range: [frame.left, frame.left + frame.width],
    ticks: [],
    map: (v) => frame.left + v * frame.width,
  }
  const body = [renderAxes(frame, xNone, y, { x: opts.xLabel ?? '', y: opts.yLabel })]
  body.push(bars(opts, frame, y))
  for (const r of opts.yRefs ?? []) {
    const py = round(y.map(r.value))
    if (py < frame.top || py > frame.top + frame.height) continue
    body.push(
      `<line class="ref" x1="${frame.left}" x2="${frame.left + frame.width}" y1="${py}" y2="${py}"/>`,
      `<text class="ref-label" x="${frame.left + frame.width - 4}" y="${py - 4}" text-anchor="end">${escapeHtml(r.label)}</text>`,
    )
  }
  if (opts.groups.length === 0) {
    body.push(
      `<text class="empty" x="${round(frame.left + frame.width / 2)}" y="${round(frame.top + frame.height / 2)}" text-anchor="middle">no runs</text>`,
    )
  }
  return [
    `<svg class="chart" viewBox="0 0 ${width} ${svgHeight}" width="${width}" height="${svgHeight}" role="img" aria-label="${escapeHtml(opts.title)}">`,
    `<title>${escapeHtml(opts.title)}</title>`,
    ...head,
    legend.svg,
    ...body,
    '</svg>',
  ].join('')
}

function bars(opts: BarChartOptions, frame: Frame, y: Scale): string {
  const n = opts.groups.length
  if (n === 0) return ''
  const k = Math.max(1, opts.series.length)
  const groupW = frame.width / n
  const inner = Math.min(groupW * 0.8, k * 56)
  const barW = inner / k
  const fmt = opts.valueFormat ?? String
  const base = y.map(Math.max(0, y.domain[0]))
  const out: string[] = []
  opts.groups.forEach((g, gi) => {
    const gx = frame.left + gi * groupW + (groupW - inner) / 2
    g.values.forEach((v, si) => {
      const color = opts.series[si]?.color ?? '#888888'
      const bx = round(gx + si * barW + 1)
      const cx = round(gx + si * barW + barW / 2)
      const name = opts.series[si]?.name ?? ''
      if (!Number.isFinite(v)) {
        out.push(
          `<text class="bar-value" x="${cx}" y="${round(base - 4)}" text-anchor="middle">n/a</text>`,
        )
        return
      }
      const py = y.map(Math.min(y.domain[1], Math.max(y.domain[0], v)))
      const h = Math.max(0, base - py)
      out.push(
        `<rect x="${bx}" y="${round(py)}" width="${round(Math.max(1, barW - 2))}" height="${round(h)}" fill="${color}"><title>${escapeHtml(`${g.label} · ${name}: ${fmt(v)}`)}</title></rect>`,
        `<text class="bar-value" x="${cx}" y="${round(py - 4)}" text-anchor="middle">${escapeHtml(fmt(v))}</text>`,
      )
    })
    const lines = wrapLabel(g.label, Math.max(6, Math.floor((groupW - 8) / LABEL_CHAR_W)))
    const lx = round(frame.left + gi * groupW + groupW / 2)
    const ly = frame.top + frame.height + 18
    const tspans = lines
      .map((line, k) => `<tspan x="${lx}" dy="${k === 0 ? 0 : 15}">${escapeHtml(line)}</tspan>`)
      .join('')
    out.push(
      `<text class="bar-label" x="${lx}" y="${ly}" text-anchor="middle">${tspans}<title>${escapeHtml(g.label)}</title></text>`,
    )
  })
  return out.join('')
}

/**
 * wrapLabel fits a category label into at most two lines of `max` characters, breaking after a
 * separator where it can ("least-outstanding+" / "kv=lru-v1") and cutting the rest with "…".
 */
export function wrapLabel(label: string, max: number): string[] {
  if (label.length <= max) return [label]
  let cut = -1
  for (let i = Math.min(max, label.length - 1); i > max / 3; i--) {
    if ('+,= /:-_'.includes(label[i - 1] ?? '')) {
      cut = i
      break
    }
  }
  if (cut < 0) cut = max
  const rest = label.slice(cut).trimStart()
  return [label.slice(0, cut).trimEnd(), rest.length > max ? `${rest.slice(0, max - 1)}…` : rest]
}
