import { describe, expect, it } from 'vitest'
import { formatRunFooter, formatSummaryTable } from '../../src/report/table.js'
import { fakeSummary } from './fixtures.js'

const runs = [
  fakeSummary({ router: 'round-robin' }),
  fakeSummary({
    router: 'prefix-affinity',
    ttft_s: { mean: 0.1, p50: 0.08, p90: 0.3, p99: 1.7 },
    preemptions: 12345,
  }),
  fakeSummary({ router: 'least-outstanding', goodput_rps: 10.5 }),
]

/** ANSI escape sequences (ESC [ … m), built without a control character in a regex literal. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g')

describe('formatSummaryTable', () => {
  it('names the trace, fleet and SLO above the table', () => {
    const first = formatSummaryTable(runs).split('\n')[0] ?? ''
    expect(first).toContain('burstgpt-sample')
    expect(first).toContain('h100x8 (8 GPUs)')
    expect(first).toContain('TTFT <= 1 s, TPOT <= 50 ms')
  })

  it('has one row per run, router first, and right-aligns numbers', () => {
    const lines = formatSummaryTable(runs).split('\n')
    const rule = lines.findIndex((l) => /^-+ /.test(l))
    const rows = lines.slice(rule + 1)
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual([
      'round-robin',
      'prefix-affinity',
      'least-outstanding',
    ])
    // Every row (and the header) ends at the same column: numbers are right-aligned.
    const ends = [lines[rule - 1], ...rows].map((l) => l?.length)
    expect(new Set(ends).size).toBe(1)
    // Column starts line up with the rule's dashes.
    const ruleLine = lines[rule] ?? ''
    const columnEnds = [...ruleLine.matchAll(/-+/g)].map((m) => (m.index ?? 0) + m[0].length)
    for (const row of rows) {
      for (const end of columnEnds.slice(1)) expect(row[end - 1]).not.toBe(' ')
    }
    expect(rows[1]).toContain('12,345')
    expect(rows[1]).toContain('80ms')
    expect(rows[1]).toContain('1.70s')
  })

  it('stays within 160 columns', () => {
    for (const line of formatSummaryTable(runs).split('\n').slice(1)) {
      expect(line.length).toBeLessThanOrEqual(160)
    }
  })

  it('uses no ANSI colour unless asked', () => {
    expect(formatSummaryTable(runs)).not.toMatch(ANSI)
    const colored = formatSummaryTable(runs, { color: true })
    expect(colored).toMatch(ANSI)
    expect(colored.replace(ANSI, '')).toBe(formatSummaryTable(runs))
  })

  it('cuts very long router names', () => {
    const long = fakeSummary({ router: 'x'.repeat(80) })
    expect(formatSummaryTable([long]).split('\n').at(-1)).toContain(`${'x'.repeat(27)}…`)
  })

  it('prints dashes for runs with nothing completed, and handles no runs', () => {
    const nan = { mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN }
    const table = formatSummaryTable([fakeSummary({ completed: 0, ttft_s: nan, tpot_s: nan })])
    expect(table).toContain(' - ')
    expect(formatSummaryTable([])).toContain('(no runs)')
  })
})

describe('formatRunFooter', () => {
  it('sums wall time and events', () => {
    expect(formatRunFooter(runs)).toBe('sim: 3 runs, 4.50s wall, 900k events, 200k events/s')
    expect(formatRunFooter([fakeSummary({ sim_wall_s: 0 })])).toContain('1 run')
  })
})
