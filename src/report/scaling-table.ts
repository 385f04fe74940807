/**
 * @module The scaling study's text table: one row per scaler at its default knob, with what it
 * costs at the baseline's SLO attainment (read off its frontier) and the saving over the
 * baseline, then one line per curve listing every knob value's GPU-hours and attainment.
 */

import type { ScalingBoard } from '../sweep/scaling-board.js'
import { formatInt, formatPercent, trimNumber } from './format.js'

const GAP = '  '
const BOLD = '\x1b[1m'
const GREEN = '\x1b[32m'
const RESET = '\x1b[0m'

/** formatScalingBoard renders the board as aligned text (no trailing newline). */
export function formatScalingBoard(
  board: ScalingBoard,
  opts: { readonly title: string; readonly latencyName: string; readonly color?: boolean },
): string {
  const paint = (code: string, s: string): string => (opts.color ? `${code}${s}${RESET}` : s)
  const head = [
    'scaler',
    'default',
    'GPU-h',
    'in SLO',
    'cold starts',
    'replicas',
    opts.latencyName,
    'GPU-h @ base SLO',
    'saving',
  ]
  const bestSaving = Math.max(...board.comparisons.map((c) => c.saving ?? -Infinity))
  const rows = board.curves.map((c) => {
    const d = c.default
    const cmp = board.comparisons.find((x) => x.scaler === c.scaler)
    return {
      best: cmp?.saving != null && cmp.saving === bestSaving && bestSaving > 0,
      cells: [
        c.scaler,
        d ? `${c.knob}=${trimNumber(d.value)}` : '—',
        d ? trimNumber(round(d.gpu_hours)) : '—',
        d ? `${formatPercent(d.attainment)}%` : '—',
        d ? formatInt(d.cold_starts) : '—',
        d ? trimNumber(round(d.replicas_mean)) : '—',
        d ? `${trimNumber(round(d.latency_p99_s))} s` : '—',
        cmp?.gpu_hours_at_baseline == null
          ? 'not reached'
          : trimNumber(round(cmp.gpu_hours_at_baseline)),
        cmp?.saving == null ? '—' : `${formatPercent(cmp.saving)}%`,
      ],
    }
  })
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i]!.length)))
  const line = (cells: ReadonlyArray<string>): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(GAP)
  const out = [opts.title, paint(BOLD, line(head))]
  for (const r of rows) out.push(r.best ? paint(GREEN, line(r.cells)) : line(r.cells))
  const base = board.baseline
  out.push(
    '',
    base
      ? `baseline: ${base.scaler} at its defaults, ${formatPercent(base.point.attainment)}% within SLO for ${trimNumber(round(base.point.gpu_hours))} GPU-h; "GPU-h @ base SLO" reads each scaler's cheapest knob frontier at that attainment`
      : 'no scaler ran at its default knob: no baseline',
    '',
    'trade-off curves (knob=value: GPU-h / within SLO):',
  )
  for (const c of board.curves) {
    const pts = c.points.map(
      (p) =>
        `${c.knob}=${trimNumber(p.value)}: ${trimNumber(round(p.gpu_hours))} / ${formatPercent(p.attainment)}%`,
    )
    out.push(`  ${c.scaler.padEnd(12)} ${pts.join('  ·  ')}`)
  }
  return out.join('\n')
}

/** round keeps three significant digits for the table. */
function round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))))
  return Number(x.toFixed(Math.min(6, digits)))
}
