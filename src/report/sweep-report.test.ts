import { describe, expect, it } from 'vitest'
import { fakeSummary } from '../../test/report/fixtures.js'
import { buildLeaderboard, type SweepRun } from '../sweep/leaderboard.js'
import { renderSweepReport } from './sweep-report.js'

function run(trace: string, policy: string, scale: number, att: number, ttft: number): SweepRun {
  const s = fakeSummary({
    router: policy,
    policy,
    trace,
    slo: { ttft_s: 2, tpot_s: 0.1, attainment: att },
    ttft_s: { mean: ttft, p50: ttft, p90: ttft, p99: ttft },
    goodput_rps: 8 * scale * att,
  })
  return { ...s, rate_scale: scale, rate_rps: 3 * scale }
}

const POLICIES = ['least-outstanding', '<b>&evil']
const runs = ['azure-conv', 'mooncake'].flatMap((trace) =>
  POLICIES.flatMap((p, i) => [
    run(trace, p, 1, 1, 0.1),
    run(trace, p, 4, 0.95 - i * 0.1, 0.4),
    run(trace, p, 16, 0.3, 90),
  ]),
)
const boards = buildLeaderboard(runs, 0.9)
const html = renderSweepReport({
  title: 'Sweep <test>',
  generatedBy: 'flotilla test',
  command: 'flotilla sweep --policies "<b>&evil"',
  boards,
  runs,
  policies: POLICIES,
  rateScales: [1, 4, 16],
  seeds: [1],
  requests: new Map([
    ['azure-conv', 1000],
    ['mooncake', 1000],
  ]),
  wallS: 12,
  workers: 2,
})

/** chart returns the SVG element whose aria-label is `label`. */
function chart(label: string): string {
  const start = html.indexOf(`aria-label="${label}"`)
  expect(start, label).toBeGreaterThan(-1)
  const open = html.lastIndexOf('<svg', start)
  return html.slice(open, html.indexOf('</svg>', start) + 6)
}

describe('renderSweepReport', () => {
  it('draws attainment, p99 TTFT and goodput charts for each trace', () => {
    for (const trace of ['azure-conv', 'mooncake']) {
      const att = chart(`SLO attainment — ${trace}`)
      expect(att.split('<polyline')).toHaveLength(POLICIES.length + 1)
      // Markers on every measured point: 3 load levels × 2 policies.
      expect(att.split('<circle cx=')).toHaveLength(3 * POLICIES.length + 1)
      expect(att).toContain('the 90% target')
      expect(att).toContain('request rate (req/s), log scale')
      // 0.1 s to 90 s spans three decades: a log axis, with the 2 s SLO line on it.
      const ttft = chart(`p99 TTFT — ${trace}`)
      expect(ttft).toContain('p99 TTFT (s, log scale)')
      expect(ttft).toContain('SLO 2 s')
      expect(chart(`Goodput per GPU — ${trace}`)).toContain('req/s per GPU')
    }
  })

  it('has a ranked leaderboard per trace and escapes user text', () => {
    expect(html.split('<table class="summary">')).toHaveLength(3)
    expect(html).toContain('&lt;b&gt;&amp;evil')
    expect(html).not.toContain('<b>&evil')
    expect(html).toContain('<title>Sweep &lt;test&gt;</title>')
    expect(html).toContain('ranked at ×4 (12 req/s)')
  })
})
