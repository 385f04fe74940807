/**
 * @module The report's charts, built from `RunDetail`s: latency CDFs, throughput and queue
 * length over time, KV usage heatmaps and SLO attainment. Chooses units and scales; the drawing
 * itself is in `svg/`.
 */
import type { RunDetail } from '../sim/result.js'
import { cdfPoints, fractionAtMost } from './cdf.js'
import { formatCompact, formatDuration, formatSeconds, trimNumber } from './format.js'
import { formatTick, spansDecades } from './svg/axes.js'
import { renderBarChart } from './svg/bar-chart.js'
import { renderHeatmap } from './svg/heatmap.js'
import { type LineSeries, renderLineChart } from './svg/line-chart.js'
import { seriesStyle } from './svg/palette.js'

type LatencyKey = 'ttft_s' | 'tpot_s' | 'e2e_s'

const LATENCIES: ReadonlyArray<{ key: LatencyKey; name: string; long: string }> = [
  { key: 'ttft_s', name: 'TTFT', long: 'Time to first token' },
  { key: 'tpot_s', name: 'TPOT', long: 'Time per output token' },
  { key: 'e2e_s', name: 'E2E', long: 'End-to-end latency' },
]

/**
 * latencyCharts draws one CDF per latency metric, one line per run. Values are shown in ms when
 * every one is below a second; the x axis turns logarithmic past two decades, where a linear
 * axis would crush the body of the distribution against zero to make room for the tail.
 */
export function latencyCharts(runs: ReadonlyArray<RunDetail>): string[] {
  return LATENCIES.map(({ key, name, long }) => {
    const all = runs.flatMap((r) => r.cdf[key].filter(Number.isFinite))
    const maxValue = all.reduce((m, v) => Math.max(m, v), 0)
    const ms = maxValue < 1
    const k = ms ? 1000 : 1
    const unit = ms ? 'ms' : 's'
    const log = spansDecades(all, 2)
    const series: LineSeries[] = runs.map((r, i) => {
      const points = cdfPoints(r.cdf[key]).map(([v, q]) => [v * k, q] as const)
      return {
        name: r.summary.policy,
        style: seriesStyle(i),
        points,
        ...(points.length === 0 ? { note: '(no completed requests)' } : {}),
      }
    })
    const slo =
      key === 'ttft_s'
        ? runs[0]?.summary.slo.ttft_s
        : key === 'tpot_s'
          ? runs[0]?.summary.slo.tpot_s
          : undefined
    const xRefs =
      slo !== undefined && Number.isFinite(slo) && slo > 0
        ? [{ value: slo * k, label: `SLO ${formatSeconds(slo)}` }]
        : []
    return renderLineChart({
      id: `cdf-${key}`,
      title: `${name} CDF`,
      subtitle: `${long} of completed requests`,
      xLabel: `${name} (${unit}${log ? ', log scale' : ''})`,
      yLabel: 'requests at or below (%)',
      series,
      width: 440,
      height: 340,
      xScale: log ? 'log' : 'linear',
      yDomain: [0, 1],
      yTickFormat: (v) => `${Math.round(v * 100)}`,
      hoverMode: 'point',
      hoverX: (v) => formatDuration(v / k),
      hoverY: (q) => `p${trimNumber(Math.round(q * 1000) / 10)}`,
      xRefs,
      yRefs: [
        { value: 0.5, label: 'p50' },
        { value: 0.99, label: 'p99' },
      ],
      emptyText: 'no completed requests',
    })
  })
}

/** TimeUnit converts simulated seconds for a time axis. */
interface TimeUnit {
  readonly name: string
  readonly div: number
}

/** timeUnit picks s, min or h so a run's span reads in small numbers. */
function timeUnit(runs: ReadonlyArray<RunDetail>): TimeUnit {
  const span = runs.reduce((m, r) => {
    const t = r.timeline.t
    const end =
      (t[t.length - 1] ?? 0) + (Number.isFinite(r.timeline.step_s) ? r.timeline.step_s : 0)
    return Number.isFinite(end) ? Math.max(m, end) : m
  }, 0)
  if (span >= 3 * 3600) return { name: 'h', div: 3600 }
  if (span >= 20 * 60) return { name: 'min', div: 60 }
  return { name: 's', div: 1 }
}

/** stepOf is a run's bucket width, 0 when unusable (the points then sit at bucket starts). */
function stepOf(r: RunDetail): number {
  const s = r.timeline.step_s
  return Number.isFinite(s) && s > 0 ? s : 0
}

/** timeHover prints a time in the run's unit: 312 → "t = 312 s". */
function timeHover(unit: TimeUnit): (x: number) => string {
  return (x) => `t = ${trimNumber(x)} ${unit.name}`
}

/** timelineCharts draws output throughput and queue length over simulated time. */
export function timelineCharts(runs: ReadonlyArray<RunDetail>): string[] {
  const unit = timeUnit(runs)
  // Rates are averages over a bucket, so they sit at its middle; queue lengths are sampled at
  // its end. Either way the axis spans whole buckets, so one bucket still gets a sane axis.
  const seriesOf = (
    pick: (r: RunDetail) => ReadonlyArray<number>,
    at: 'mid' | 'end',
  ): LineSeries[] =>
    runs.map((r, i) => {
      const offset = (at === 'mid' ? 0.5 : 1) * stepOf(r)
      return {
        name: r.summary.policy,
        style: seriesStyle(i),
        points: r.timeline.t.map(
          (t, j) => [(t + offset) / unit.div, pick(r)[j] ?? Number.NaN] as const,
        ),
      }
    })
  const starts = runs.flatMap((r) => r.timeline.t.slice(0, 1)).filter(Number.isFinite)
  const ends = runs
    .map((r) => (r.timeline.t[r.timeline.t.length - 1] ?? Number.NaN) + stepOf(r))
    .filter(Number.isFinite)
  const xDomain =
    starts.length > 0 && ends.length > 0
      ? ([Math.min(...starts) / unit.div, Math.max(...ends) / unit.div] as const)
      : undefined
  const steps = [...new Set(runs.map((r) => r.timeline.step_s))]
  const bucket =
    steps.length === 1 && steps[0] !== undefined
      ? `${formatSeconds(steps[0])} buckets`
      : 'per bucket'
  const common = {
    xLabel: `simulated time (${unit.name})`,
    width: 640,
    height: 330,
    xScale: 'linear' as const,
    ...(xDomain === undefined ? {} : { xDomain }),
    yZero: true,
    hoverX: timeHover(unit),
    emptyText: 'no timeline samples',
  }
  return [
    renderLineChart({
      ...common,
      id: 'throughput',
      title: 'Output throughput',
      subtitle: `Generated tokens per second, ${bucket}`,
      yLabel: 'output tokens/s',
      series: seriesOf((r) => r.timeline.output_tok_s, 'mid'),
      hoverY: (v) => `${formatCompact(v)} tok/s`,
    }),
    renderLineChart({
      ...common,
      id: 'queue',
      title: 'Queue length',
      subtitle: 'Requests waiting in engine queues, all instances, at bucket end',
      yLabel: 'waiting requests',
      series: seriesOf((r) => r.timeline.waiting, 'end'),
      hoverY: (v) => `${trimNumber(v)} waiting`,
    }),
  ]
}

/** kvHeatmaps draws, per run, instances × time coloured by KV-cache usage. */
export function kvHeatmaps(runs: ReadonlyArray<RunDetail>): string[] {
  const unit = timeUnit(runs)
  return runs.map((r, i) => {
    const tl = r.timeline
    const rows = tl.kv_usage.map((values, j) => ({
      label: r.instances[j]?.name ?? `#${j}`,
      values,
    }))
    const all = rows.flatMap((row) => row.values.filter(Number.isFinite))
    const mean = all.length > 0 ? all.reduce((a, b) => a + b, 0) / all.length : Number.NaN
    const full = all.length > 0 ? all.filter((v) => v >= 0.95).length / all.length : Number.NaN
    const stats = Number.isFinite(mean)
      ? ` · mean ${Math.round(mean * 100)}%, ≥ 95% full in ${trimNumber(Math.round(full * 1000) / 10)}% of samples`
      : ''
    return renderHeatmap({
      id: `kv-${i}`,
      title: `KV-cache usage — ${r.summary.policy}`,
      subtitle: `${rows.length} instance${rows.length === 1 ? '' : 's'}${stats}. Each cell shows the peak over its time span.`,
      rows,
      t: tl.t.map((t) => t / unit.div),
      step: tl.step_s / unit.div,
      xLabel: `simulated time (${unit.name})`,
      yLabel: 'instance',
      xTickFormat: formatTick,
      hoverUnit: unit.name,
      valueLabel: 'KV usage',
      width: 1300,
    })
  })
}

/**
 * sloChart compares SLO attainment across runs: the summary's attainment (both SLOs), beside the
 * share of completed requests meeting each SLO alone, read off the CDFs, which shows which of
 * the two a router is failing on.
 */
export function sloChart(runs: ReadonlyArray<RunDetail>, sloLabel: string): string {
  const first = runs[0]?.summary.slo
  const same = runs.every(
    (r) => r.summary.slo.ttft_s === first?.ttft_s && r.summary.slo.tpot_s === first?.tpot_s,
  )
  const ttftName = same && first ? `TTFT ≤ ${formatSeconds(first.ttft_s)}` : 'TTFT SLO met'
  const tpotName = same && first ? `TPOT ≤ ${formatSeconds(first.tpot_s)}` : 'TPOT SLO met'
  return renderBarChart({
    title: 'SLO attainment',
    subtitle: `SLO: ${sloLabel}. Single-SLO bars are shares of completed requests.`,
    yLabel: 'requests meeting SLO (%)',
    series: [
      // Neutral charcoal for the headline bar: blue would read as the first run's colour.
      { name: 'both SLOs (attainment)', color: '#3a3f47' },
      { name: `${ttftName} (completed)`, color: '#56B4E9' },
      { name: `${tpotName} (completed)`, color: '#E69F00' },
    ],
    groups: runs.map((r) => ({
      label: r.summary.policy,
      values: [
        r.summary.slo.attainment,
        fractionAtMost(r.cdf.ttft_s, r.summary.slo.ttft_s),
        fractionAtMost(r.cdf.tpot_s, r.summary.slo.tpot_s),
      ],
    })),
    yDomain: [0, 1],
    yTickFormat: (v) => `${Math.round(v * 100)}`,
    valueFormat: (v) => `${(v * 100).toFixed(1)}%`,
    width: Math.min(1300, Math.max(640, 160 + runs.length * 200)),
    height: 340,
  })
}
