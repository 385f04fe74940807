/**
 * @module Autoscaling charts: the GPU-hours/SLO-attainment trade-off (one curve per scaler across
 * its knob), replicas over time as step lines, and the distribution of cold-start durations.
 */
import type { ScalingSeries } from '../scaling/summary.js'
import type { ScalingBoard } from '../sweep/scaling-board.js'
import { cdfPoints } from '../util/stats.js'
import { formatPercent, formatSeconds, trimNumber } from './format.js'
import { type LineSeries, renderLineChart } from './svg/line-chart.js'
import { seriesStyle } from './svg/palette.js'

/** ScaledRun is one autoscaled run as the charts need it. */
export interface ScaledRun {
  readonly label: string
  readonly series: ScalingSeries
  /** The run's last event, seconds: the step lines end here. */
  readonly end: number
}

/** MAX_STEP_BINS bounds a step line's points: a 12-day run can change its count 100,000 times. */
const MAX_STEP_BINS = 1200

interface TimeUnit {
  readonly name: string
  readonly div: number
}

function timeUnit(span: number): TimeUnit {
  if (span >= 3 * 86400) return { name: 'days', div: 86400 }
  if (span >= 3 * 3600) return { name: 'h', div: 3600 }
  if (span >= 20 * 60) return { name: 'min', div: 60 }
  return { name: 's', div: 1 }
}

/**
 * stepPoints turns change points (each value holds until the next time) into a step polyline
 * ending at `end`. Beyond `maxBins` changes it draws each bin's maximum instead, so a brief
 * spike to 8 replicas stays visible in a 12-day chart rather than being averaged away.
 */
export function stepPoints(
  t: ReadonlyArray<number>,
  v: ReadonlyArray<number>,
  end: number,
  maxBins = MAX_STEP_BINS,
): Array<readonly [number, number]> {
  const n = t.length
  if (n === 0) return []
  const start = t[0]!
  const stop = Math.max(end, t[n - 1]!)
  const out: Array<readonly [number, number]> = []
  if (n <= maxBins) {
    for (let i = 0; i < n; i++) {
      if (i > 0) out.push([t[i]!, v[i - 1]!])
      out.push([t[i]!, v[i]!])
    }
    out.push([stop, v[n - 1]!])
    return out
  }
  const width = (stop - start) / maxBins
  let j = 0
  let carry = v[0]!
  for (let b = 0; b < maxBins; b++) {
    const lo = start + b * width
    const hi = b === maxBins - 1 ? stop : lo + width
    // The value in force at the bin's start, then every change inside it.
    let peak = carry
    while (j < n && t[j]! < hi) {
      carry = v[j]!
      peak = Math.max(peak, carry)
      j++
    }
    out.push([lo, peak], [hi, peak])
  }
  return out
}

/** tradeoffChart draws each scaler's GPU-hours against SLO attainment across its knob. */
export function tradeoffChart(
  board: ScalingBoard,
  opts: { readonly id: string; readonly title: string },
): string {
  const series: LineSeries[] = board.curves.map((c, i) => ({
    name: `${c.scaler} (${c.knob})`,
    style: seriesStyle(i),
    points: [...c.points]
      .sort((a, b) => a.gpu_hours - b.gpu_hours)
      .map((p) => [p.gpu_hours, p.attainment] as const),
  }))
  const base = board.baseline
  return renderLineChart({
    id: opts.id,
    title: opts.title,
    subtitle: `One point per knob value; up and left is better${base ? `. Dashed: ${base.scaler} at its defaults` : ''}`,
    xLabel: 'GPU-hours billed',
    yLabel: 'requests within SLO (%)',
    series,
    width: 900,
    height: 420,
    xScale: 'auto',
    markers: true,
    hoverMode: 'point',
    yTickFormat: (v) => `${Math.round(v * 100)}`,
    hoverX: (x) => `${trimNumber(x)} GPU-h`,
    hoverY: (y) => `${formatPercent(y)}%`,
    ...(base ? { yRefs: [{ value: base.point.attainment, label: '' }] } : {}),
    ...(base ? { xRefs: [{ value: base.point.gpu_hours, label: '' }] } : {}),
    emptyText: 'no runs',
  })
}

/** replicaCharts draws, per run, provisioned, ready and desired replicas over time. */
export function replicaCharts(runs: ReadonlyArray<ScaledRun>, idPrefix: string): string[] {
  const span = Math.max(0, ...runs.map((r) => r.end - (r.series.t[0] ?? 0)))
  const unit = timeUnit(span)
  const scale = (pts: Array<readonly [number, number]>): Array<readonly [number, number]> =>
    pts.map(([x, y]) => [x / unit.div, y] as const)
  const xMax = Math.max(0, ...runs.map((r) => r.end)) / unit.div
  return runs.map((r, i) => {
    const s = r.series
    const lines: LineSeries[] = [
      {
        name: 'provisioned (billed)',
        style: seriesStyle(0),
        points: scale(stepPoints(s.t, s.provisioned, r.end)),
      },
      { name: 'ready', style: seriesStyle(1), points: scale(stepPoints(s.t, s.ready, r.end)) },
      { name: 'desired', style: seriesStyle(2), points: scale(stepPoints(s.t, s.desired, r.end)) },
    ]
    return renderLineChart({
      id: `${idPrefix}-${i}`,
      title: `Replicas over time — ${r.label}`,
      subtitle:
        s.t.length > MAX_STEP_BINS
          ? `${trimNumber(s.t.length)} changes; each step shows the most replicas within its bin`
          : 'Each line holds its value until the next change',
      xLabel: `time (${unit.name})`,
      yLabel: 'replicas',
      series: lines,
      width: 640,
      height: 300,
      xScale: 'linear',
      xDomain: [0, xMax > 0 ? xMax : 1],
      yZero: true,
      hoverX: (x) => `t = ${trimNumber(x)} ${unit.name}`,
      hoverY: (y) => `${trimNumber(y)}`,
      emptyText: 'no scaling events',
    })
  })
}

/** coldStartChart draws the distribution (CDF) of cold-start durations, one line per run. */
export function coldStartChart(runs: ReadonlyArray<ScaledRun>, id: string): string {
  const series: LineSeries[] = runs.map((r, i) => {
    const sorted = Float64Array.from(r.series.cold_start_s).sort()
    const values = cdfPoints(sorted)
    return {
      name: `${r.label} (${trimNumber(r.series.cold_start_s.length)})`,
      style: seriesStyle(i),
      points: values.map((v, j) => [v, j / Math.max(1, values.length - 1)] as const),
    }
  })
  // From zero, so identical cold starts (one configured duration) still draw a visible step.
  const longest = Math.max(0, ...runs.flatMap((r) => r.series.cold_start_s))
  return renderLineChart({
    id,
    title: 'Cold-start durations',
    subtitle: 'From asking for a replica to its being ready; the count is in the legend',
    xLabel: 'cold start (s)',
    yLabel: 'share of cold starts',
    series,
    width: 640,
    height: 300,
    xScale: 'linear',
    ...(longest > 0 ? { xDomain: [0, longest * 1.15] as const } : {}),
    yDomain: [0, 1],
    hoverMode: 'point',
    hoverX: (x) => formatSeconds(x),
    hoverY: (y) => `${formatPercent(y)}%`,
    emptyText: 'no cold starts',
  })
}
