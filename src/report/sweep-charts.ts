/**
 * @module The sweep report's charts, one set per trace: SLO attainment, p99 TTFT and goodput per
 * GPU against the offered request rate, one line per policy (means across seeds), and the legend
 * the three share.
 */
import type { TraceBoard } from '../sweep/leaderboard.js'
import { formatCompact, formatDuration, formatSeconds, trimNumber } from './format.js'
import { spansDecades } from './svg/axes.js'
import { layoutLegend } from './svg/legend.js'
import { type LineSeries, renderLineChart } from './svg/line-chart.js'
import { seriesStyle } from './svg/palette.js'

/** SweepChartOptions place a trace's charts in the page. */
export interface SweepChartOptions {
  /** Unique in the page; prefixes the charts' ids. */
  readonly id: string
  /** Every policy in the order given, so a policy keeps its colour across traces and ranks. */
  readonly policies: ReadonlyArray<string>
}

const WIDTH = 440
const HEIGHT = 330

/** sweepCharts draws the attainment, p99 TTFT and goodput-per-GPU curves of one trace. */
export function sweepCharts(board: TraceBoard, opts: SweepChartOptions): string[] {
  // Without a measurable base rate (an offline batch), the rate scale itself is the x axis.
  const byRate = Number.isFinite(board.base_rps) && board.base_rps > 0
  const xOf = (l: { rate_scale: number; rate_rps: number }): number =>
    byRate ? l.rate_rps : l.rate_scale
  const rows = [...board.rows].sort(
    (a, b) => opts.policies.indexOf(a.policy) - opts.policies.indexOf(b.policy),
  )
  const xs = rows.flatMap((r) => r.levels.map(xOf))
  const logX = spansDecades(xs, Math.log10(8))
  const xLabel = `${byRate ? 'request rate (req/s)' : 'rate scale (×)'}${logX ? ', log scale' : ''}`
  const hoverX = (v: number): string =>
    byRate ? `${trimNumber(v)} req/s (×${trimNumber(v / board.base_rps)})` : `×${trimNumber(v)}`
  const series = (pick: (l: (typeof rows)[number]['levels'][number]) => number): LineSeries[] =>
    rows.map((r) => ({
      name: r.policy,
      style: seriesStyle(Math.max(0, opts.policies.indexOf(r.policy))),
      points: r.levels.map((l) => [xOf(l), pick(l)] as const),
    }))
  const common = {
    xLabel,
    width: WIDTH,
    height: HEIGHT,
    xScale: logX ? ('log' as const) : ('linear' as const),
    hoverX,
    markers: true,
    legend: false,
    emptyText: 'no runs',
  }
  const target = board.attainment_target
  const ttft = series((l) => l.ttft_p99_s.mean)
  // The SLO line belongs on the chart: curves far below it are the news, not a detail to crop.
  const ttftValues = [...ttft.flatMap((s) => s.points.map((p) => p[1])), board.slo.ttft_s]
  const logTtft = spansDecades(ttftValues, 1.5)
  return [
    renderLineChart({
      ...common,
      id: `${opts.id}-attainment`,
      title: `SLO attainment — ${board.trace}`,
      subtitle: `Requests meeting both SLOs; dashed: the ${trimNumber(target * 100)}% target`,
      yLabel: 'requests within SLO (%)',
      series: series((l) => l.slo_attainment.mean),
      yDomain: [0, 1],
      yTickFormat: (v) => `${Math.round(v * 100)}`,
      hoverY: (v) => `${(v * 100).toFixed(1)}%`,
      // Unlabelled: attainment curves cross the target somewhere along it, so any label in the
      // plot lands on one; the subtitle names the line.
      yRefs: [{ value: target, label: '' }],
    }),
    renderLineChart({
      ...common,
      id: `${opts.id}-ttft`,
      title: `p99 TTFT — ${board.trace}`,
      subtitle: `99th-percentile time to first token; dashed: the ${formatSeconds(board.slo.ttft_s)} SLO`,
      yLabel: `p99 TTFT (s${logTtft ? ', log scale' : ''})`,
      series: ttft,
      yScale: logTtft ? 'log' : 'linear',
      yZero: true,
      // Half the SLO too, so on a log axis the line (and its label) clears the frame's bottom.
      yInclude: [board.slo.ttft_s, board.slo.ttft_s / 2],
      hoverY: formatDuration,
      yRefs: [{ value: board.slo.ttft_s, label: `SLO ${formatSeconds(board.slo.ttft_s)}` }],
    }),
    renderLineChart({
      ...common,
      id: `${opts.id}-goodput`,
      title: `Goodput per GPU — ${board.trace}`,
      subtitle: `Requests completed within SLO per second, per GPU (${board.gpus} GPUs)`,
      yLabel: 'goodput (req/s per GPU)',
      series: series((l) => l.goodput_per_gpu.mean),
      yZero: true,
      hoverY: (v) => `${formatCompact(v)} req/s/GPU`,
    }),
  ]
}

/**
 * sweepLegend is one legend for all of a trace's charts, as its own SVG: three legends of a
 * dozen policies each would take more room than the plots.
 */
export function sweepLegend(policies: ReadonlyArray<string>, width = 1300): string {
  const legend = layoutLegend(
    policies.map((name, i) => {
      const style = seriesStyle(i)
      return {
        name,
        color: style.color,
        shape: 'line' as const,
        ...(style.dash === undefined ? {} : { dash: style.dash }),
      }
    }),
    4,
    2,
    width - 8,
  )
  const height = legend.height + 4
  return `<svg class="chart legend-only" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="policies">${legend.svg}</svg>`
}
