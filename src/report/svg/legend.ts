/**
 * @module Chart legends, laid out in rows above the plot so they can never cover a line.
 */
import { escapeHtml } from '../escape.js'
import { round } from './axes.js'

/** LegendItem is one entry: a swatch (line or box) and a name. */
export interface LegendItem {
  readonly name: string
  readonly color: string
  readonly dash?: string
  readonly shape: 'line' | 'box'
}

/** LegendLayout is the legend's SVG and the height it takes. */
export interface LegendLayout {
  readonly svg: string
  readonly height: number
}

const ROW_H = 18
const CHAR_W = 6.6 // average glyph width of the 12px legend font
const SWATCH = 22
const ITEM_GAP = 18
const MAX_NAME = 40

/** layoutLegend flows items left to right from (x, y), wrapping at `width`. */
export function layoutLegend(
  items: ReadonlyArray<LegendItem>,
  x: number,
  y: number,
  width: number,
): LegendLayout {
  if (items.length === 0) return { svg: '', height: 0 }
  const parts: string[] = ['<g class="legend">']
  let cx = x
  let row = 0
  for (const item of items) {
    const name = item.name.length > MAX_NAME ? `${item.name.slice(0, MAX_NAME - 1)}…` : item.name
    const w = SWATCH + 6 + name.length * CHAR_W
    if (cx > x && cx + w > x + width) {
      row++
      cx = x
    }
    const cy = y + row * ROW_H + ROW_H / 2
    const dash = item.dash === undefined ? '' : ` stroke-dasharray="${item.dash}"`
    parts.push(
      item.shape === 'line'
        ? `<line x1="${round(cx)}" x2="${round(cx + SWATCH)}" y1="${cy}" y2="${cy}" stroke="${item.color}" stroke-width="2.5"${dash}/>`
        : `<rect x="${round(cx + 5)}" y="${cy - 6}" width="12" height="12" rx="2" fill="${item.color}"/>`,
      `<text class="legend-text" x="${round(cx + SWATCH + 6)}" y="${cy}" dy="0.32em">${escapeHtml(name)}</text>`,
    )
    cx += w + ITEM_GAP
  }
  parts.push('</g>')
  return { svg: parts.join(''), height: (row + 1) * ROW_H }
}
