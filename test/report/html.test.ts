import { describe, expect, it } from 'vitest'
import { renderHtmlReport } from '../../src/report/html.js'
import type { RunDetail } from '../../src/sim/result.js'
import { emptyDetail, fakeDetail } from './fixtures.js'

const meta = { title: 'Test report', generatedBy: 'flotilla test', command: 'flotilla simulate' }

/** chart returns the SVG element whose aria-label is `label`. */
function chart(html: string, label: string): string {
  const start = html.indexOf(`aria-label="${label}"`)
  expect(start).toBeGreaterThan(-1)
  const open = html.lastIndexOf('<svg', start)
  return html.slice(open, html.indexOf('</svg>', start) + 6)
}

const count = (text: string, needle: string): number => text.split(needle).length - 1

describe('renderHtmlReport', () => {
  const runs = [
    fakeDetail({ router: 'round-robin' }),
    fakeDetail({ router: 'least-outstanding' }),
    fakeDetail({ router: 'prefix-affinity' }),
  ]
  const html = renderHtmlReport(runs, meta)

  it('is a complete HTML document with every section', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).toContain('</html>')
    for (const h of [
      'Summary',
      'Latency distributions',
      'Load over time',
      'KV-cache usage',
      'SLO attainment',
    ]) {
      expect(html).toContain(`<h2>${h}`)
    }
    expect(html).toContain('burstgpt-sample')
    expect(html).toContain('TTFT ≤ 1 s, TPOT ≤ 50 ms')
    expect(html).toContain('2 × h100-80g · llama-3.1-8b · TP1')
  })

  it('draws one CDF polyline per run in each latency chart', () => {
    for (const label of ['TTFT CDF', 'TPOT CDF', 'E2E CDF']) {
      expect(count(chart(html, label), '<polyline')).toBe(runs.length)
    }
    expect(count(chart(html, 'Output throughput'), '<polyline')).toBe(runs.length)
    expect(count(chart(html, 'Queue length'), '<polyline')).toBe(runs.length)
  })

  it('goes logarithmic only when the range spans more than two decades', () => {
    expect(chart(html, 'TTFT CDF')).toContain('log scale') // 0.01..3 s
    expect(chart(html, 'TPOT CDF')).not.toContain('log scale') // 10..80 ms
  })

  it('has one summary row and one KV heatmap per run', () => {
    expect(count(html, '<tr>')).toBe(runs.length + 1)
    expect(count(html, 'aria-label="KV-cache usage')).toBe(runs.length)
  })

  it('is self-contained', () => {
    expect(html).not.toMatch(/\s(src|href)\s*=\s*["']?\s*(https?:)?\/\//i)
    expect(html).not.toMatch(/<script[^>]*\ssrc/i)
    expect(html).not.toMatch(/<link[^>]*stylesheet/i)
    expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/i)
    expect(html).not.toMatch(/https?:\/\//)
  })

  it('escapes text from the user', () => {
    const evil = renderHtmlReport(
      [fakeDetail({ router: '<script>alert("x")</script>', trace: 'a&b <i>' })],
      { title: '<b>t</b>', generatedBy: 'x', command: `--router '<img onerror=1>'` },
    )
    expect(evil).not.toContain('<script>alert')
    expect(evil).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')
    expect(evil).not.toContain('<img')
    expect(evil).not.toContain('<b>t</b>')
    expect(evil).toContain('a&amp;b &lt;i&gt;')
    // The only script element is the page's own hover script.
    expect(count(evil, '<script')).toBe(1)
  })

  it('highlights the best value per column', () => {
    const mixed = renderHtmlReport(
      [fakeDetail({ router: 'a', preemptions: 9 }), fakeDetail({ router: 'b', preemptions: 2 })],
      meta,
    )
    expect(mixed).toMatch(/<td class="best">2<\/td>/)
    expect(mixed).not.toMatch(/<td class="best">9<\/td>/)
  })
})

describe('renderHtmlReport on degenerate data', () => {
  const cases: Array<[string, RunDetail[]]> = [
    ['no runs', []],
    ['zero completed requests', [emptyDetail()]],
    ['a single run', [fakeDetail()]],
    ['a completed and an empty run', [fakeDetail(), emptyDetail()]],
    [
      'NaN values everywhere',
      [
        {
          ...fakeDetail({ goodput_rps: Number.NaN, cost_usd: Number.NaN }),
          cdf: {
            ttft_s: [Number.NaN, 0.1, Number.NaN],
            tpot_s: [Number.NaN],
            e2e_s: [1, Number.NaN],
          },
          timeline: {
            ...fakeDetail().timeline,
            output_tok_s: [1, Number.NaN, 3, Number.NaN],
            waiting: [Number.NaN, Number.NaN, Number.NaN, Number.NaN],
            kv_usage: [[Number.NaN, 0.5, Number.POSITIVE_INFINITY, -1]],
          },
        },
      ],
    ],
    [
      'one timeline bucket',
      [
        {
          ...fakeDetail(),
          timeline: {
            step_s: 60,
            t: [0],
            arrivals_rps: [3],
            output_tok_s: [400],
            input_tok_s: [900],
            waiting: [2],
            running: [4],
            kv_usage: [[0.5], [0.7]],
          },
        },
      ],
    ],
    [
      'all latencies equal',
      [{ ...fakeDetail(), cdf: { ttft_s: [0.2, 0.2], tpot_s: [0.02], e2e_s: [3, 3, 3] } }],
    ],
    ['a zero step', [{ ...fakeDetail(), timeline: { ...fakeDetail().timeline, step_s: 0 } }]],
  ]
  it.each(cases)('renders %s without throwing or NaN in the SVG', (_, runs) => {
    const html = renderHtmlReport(runs, meta)
    expect(html).toContain('</html>')
    expect(html).not.toMatch(/="[^"]*NaN[^"]*"/)
    expect(html).not.toMatch(/="[^"]*Infinity[^"]*"/)
  })

  it('says so when nothing completed', () => {
    const html = renderHtmlReport([emptyDetail('reject-all')], meta)
    expect(html).toContain('no completed requests')
    expect(chart(html, 'TTFT CDF')).not.toContain('<polyline')
  })
})
