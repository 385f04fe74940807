/**
 * @module Heatmaps (rows × time, values 0..1) as static SVG. Up to 64 instances × hundreds of
 * buckets would be tens of thousands of cells, so columns are merged to at most `maxColumns`
 * (keeping each span's peak, since a KV cache that was full for one bucket mattered) and equal
 * neighbouring cells are drawn as one rect.
 */
import { escapeHtml } from '../escape.js'
import { type Frame, linearScale, renderAxes, round, type Scale, type TickFormat } from './axes.js'
import { viridis } from './palette.js'

/** HeatmapRow is one row (an instance) with one value in 0..1 per time bucket. */
export interface HeatmapRow {
  readonly label: string
  readonly values: ReadonlyArray<number>
}

/** HeatmapOptions describe one heatmap. */
export interface HeatmapOptions {
  /** Unique in the page: prefixes the gradient id. */
  readonly id: string
  readonly title: string
  readonly subtitle?: string
  readonly rows: ReadonlyArray<HeatmapRow>
  /** Start of each bucket, in x units. */
  readonly t: ReadonlyArray<number>
  /** Bucket width, in x units. */
  readonly step: number
  readonly xLabel: string
  readonly yLabel: string
  readonly xTickFormat?: TickFormat
  /** Unit of t, for the hover read-out ("s", "min"). */
  readonly hoverUnit?: string
  /** Names the colour scale ("KV usage"). */
  readonly valueLabel: string
  readonly width?: number
  readonly maxColumns?: number
}

const MARGIN = { left: 84, right: 96, bottom: 46 }
const LEVELS = 20 // colour steps of 5 % KV: as fine as the eye separates, and merges cells

/** renderHeatmap returns a standalone `<svg>` element. */
export function renderHeatmap(opts: HeatmapOptions): string {
  const width = opts.width ?? 1280
  const n = opts.rows.length
  const rowH = n === 0 ? 20 : Math.min(14, Math.max(3, 256 / n))
  const { head, top } = titleLines(opts)
  const frame: Frame = {
    left: MARGIN.left,
    top,
    width: width - MARGIN.left - MARGIN.right,
    height: Math.max(20, n * rowH),
  }
  const svgHeight = frame.top + frame.height + MARGIN.bottom
  const time = timeAxis(opts, frame)
  const y = linearScale(0, Math.max(1, n), [frame.top, frame.top + frame.height], { nice: false })
  const noY = { ...y, ticks: [] }
  const grid = columnGrid(opts, time)
  const body = [
    renderAxes(frame, time.x, noY, { x: opts.xLabel, y: opts.yLabel, yOffset: 76 }),
    cellPaths(grid, frame, rowH),
    hoverData(opts, grid.levelRows, frame, rowH, grid.per, time.step),
    rowLabels(opts.rows, frame, rowH),
  ]
  if (n === 0 || time.buckets === 0) {
    body.push(
      `<text class="empty" x="${round(frame.left + frame.width / 2)}" y="${round(frame.top + frame.height / 2)}" dy="0.32em" text-anchor="middle">no data</text>`,
    )
  }
  body.push(colorBar(opts, frame))
  return [
    `<svg class="chart" data-hover="heatmap" viewBox="0 0 ${width} ${svgHeight}" width="${width}" height="${svgHeight}" role="img" aria-label="${escapeHtml(opts.title)}">`,
    `<title>${escapeHtml(opts.title)}</title>`,
    ...head,
    ...body,
    '</svg>',
  ].join('')
}

/** titleLines are the title and optional subtitle, and the y at which the plot frame starts. */
function titleLines(opts: HeatmapOptions): { head: string[]; top: number } {
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
  return { head, top: top + 10 }
}

/** TimeAxis is the x axis: `buckets` buckets of width `step` from t0, ending at tEnd. */
interface TimeAxis {
  readonly x: Scale
  readonly buckets: number
  readonly t0: number
  readonly step: number
  readonly tEnd: number
}

/** timeAxis spans the buckets exactly (no nice rounding), so the cells fill the frame. */
function timeAxis(opts: HeatmapOptions, frame: Frame): TimeAxis {
  const buckets = opts.t.length
  const t0 = opts.t[0] ?? 0
  // A bad step (0, negative, NaN) still gives the last bucket a width.
  const step = opts.step > 0 && Number.isFinite(opts.step) ? opts.step : 1
  const tEnd = (opts.t[buckets - 1] ?? t0) + step
  const x = linearScale(t0, tEnd, [frame.left, frame.left + frame.width], {
    nice: false,
    count: Math.max(3, Math.round(frame.width / 100)),
    ...(opts.xTickFormat === undefined ? {} : { format: opts.xTickFormat }),
  })
  return { x, buckets, t0, step, tEnd }
}

/**
 * ColumnGrid is the drawn grid: `cols` columns of `per` buckets each, their left edges in pixels
 * (`colX(cols)` is the right edge), and each row's colour level per column (NaN: no data).
 */
interface ColumnGrid {
  readonly cols: number
  readonly per: number
  readonly colX: (c: number) => number
  readonly levelRows: ReadonlyArray<ReadonlyArray<number>>
}

/** columnGrid merges the buckets into at most `maxColumns` columns, each keeping its span's peak. */
function columnGrid(opts: HeatmapOptions, time: TimeAxis): ColumnGrid {
  const { buckets, t0, tEnd, x } = time
  const cols = Math.max(1, Math.min(opts.maxColumns ?? 160, buckets))
  const per = buckets / cols
  const colX = (c: number): number => {
    // Column c covers buckets [floor(c·per), floor((c+1)·per)); its left edge is the first one's start.
    const b = Math.floor(c * per)
    return round(x.map(b < buckets ? (opts.t[b] ?? t0) : tEnd))
  }
  const levelRows = opts.rows.map((row) =>
    Array.from({ length: cols }, (_, c) =>
      level(peak(row.values, Math.floor(c * per), Math.floor((c + 1) * per))),
    ),
  )
  return { cols, per, colX, levelRows }
}

/**
 * cellPaths draws the cells: one <path> per colour level, each cell a stroked "M x y h w" subpath
 * as thick as a row, equal neighbours merged: a fraction of the bytes of one <rect> per cell (16
 * instances × 160 columns ≈ 40 kB instead of 300 kB).
 */
function cellPaths(grid: ColumnGrid, frame: Frame, rowH: number): string {
  const { cols, colX } = grid
  const paths = new Map<number, string[]>()
  grid.levelRows.forEach((levels, r) => {
    const ry = round(frame.top + (r + 0.5) * rowH)
    let c = 0
    while (c < cols) {
      const lv = levels[c] ?? Number.NaN
      let end = c + 1
      while (end < cols && sameLevel(levels[end] ?? Number.NaN, lv)) end++
      const x0 = colX(c)
      const w = round(Math.max(0.5, colX(end) - x0))
      const key = Number.isNaN(lv) ? -1 : lv
      const list = paths.get(key) ?? []
      list.push(`M${x0} ${ry}h${w}`)
      paths.set(key, list)
      c = end
    }
  })
  const out = ['<g class="cells" shape-rendering="crispEdges">']
  for (const [key, list] of [...paths].sort((a, b) => a[0] - b[0])) {
    out.push(
      `<path fill="none" stroke="${viridis(key < 0 ? Number.NaN : key / LEVELS)}" stroke-width="${round(rowH)}" d="${list.join('')}"/>`,
    )
  }
  out.push('</g>')
  return out.join('')
}

/**
 * hoverData carries what the page script needs to name the cell under the pointer: the grid's
 * geometry, and each row's levels as one character per column ("0"–"9", "a"–"k" for 0–20;
 * "." for no data).
 */
function hoverData(
  opts: HeatmapOptions,
  levelRows: ReadonlyArray<ReadonlyArray<number>>,
  frame: Frame,
  rowH: number,
  per: number,
  step: number,
): string {
  const rows = levelRows.map((levels, r) => {
    const code = levels.map((lv) => (Number.isNaN(lv) ? '.' : (LEVEL_CHARS[lv] ?? '.'))).join('')
    return `<g data-name="${escapeHtml(opts.rows[r]?.label ?? '')}" data-l="${code}"></g>`
  })
  const attrs = [
    `data-left="${frame.left}"`,
    `data-top="${frame.top}"`,
    `data-width="${frame.width}"`,
    `data-rowh="${round(rowH)}"`,
    `data-per="${per}"`,
    `data-t0="${opts.t[0] ?? 0}"`,
    `data-step="${step}"`,
    `data-levels="${LEVELS}"`,
    `data-what="${escapeHtml(opts.valueLabel)}"`,
    `data-unit="${escapeHtml(opts.hoverUnit ?? '')}"`,
  ]
  return `<g class="heat-data" ${attrs.join(' ')}>${rows.join('')}</g><rect class="hover-area" x="${frame.left}" y="${frame.top}" width="${frame.width}" height="${round(frame.height)}" fill="transparent"/>`
}

const LEVEL_CHARS = '0123456789abcdefghijklmnopqrstuvwxyz'

/** rowLabels names rows, thinned so labels sit at least 11 units apart. */
function rowLabels(rows: ReadonlyArray<HeatmapRow>, frame: Frame, rowH: number): string {
  const every = Math.max(1, Math.ceil(11 / rowH))
  const out: string[] = []
  rows.forEach((row, r) => {
    if (r % every !== 0) return
    const label = row.label.length > 10 ? `${row.label.slice(0, 9)}…` : row.label
    out.push(
      `<text class="tick" x="${frame.left - 6}" y="${round(frame.top + (r + 0.5) * rowH)}" dy="0.32em" text-anchor="end">${escapeHtml(label)}<title>${escapeHtml(row.label)}</title></text>`,
    )
  })
  return out.join('')
}

function colorBar(opts: HeatmapOptions, frame: Frame): string {
  const gid = `${opts.id}-grad`
  const x = frame.left + frame.width + 24
  const h = Math.max(40, Math.min(frame.height, 160))
  const top = frame.top
  const stops = [0, 0.25, 0.5, 0.75, 1]
    .map((s) => `<stop offset="${s}" stop-color="${viridis(1 - s)}"/>`)
    .join('')
  return [
    `<defs><linearGradient id="${escapeHtml(gid)}" x1="0" x2="0" y1="0" y2="1">${stops}</linearGradient></defs>`,
    `<rect x="${x}" y="${top}" width="12" height="${h}" fill="url(#${escapeHtml(gid)})" stroke="#999" stroke-width="0.5"/>`,
    `<text class="tick" x="${x + 16}" y="${top}" dy="0.7em">100%</text>`,
    `<text class="tick" x="${x + 16}" y="${round(top + h / 2)}" dy="0.32em">50%</text>`,
    `<text class="tick" x="${x + 16}" y="${top + h}">0%</text>`,
    `<text class="tick" x="${x - 4}" y="${top + h + 16}">${escapeHtml(opts.valueLabel)}</text>`,
  ].join('')
}

/** peak is the largest finite value in values[from, to), NaN when there is none. */
function peak(values: ReadonlyArray<number>, from: number, to: number): number {
  let m = Number.NaN
  for (let i = from; i < Math.max(to, from + 1); i++) {
    const v = values[i]
    if (v !== undefined && Number.isFinite(v) && !(v <= m)) m = v
  }
  return m
}

function level(v: number): number {
  return Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * LEVELS) : Number.NaN
}

function sameLevel(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b))
}
