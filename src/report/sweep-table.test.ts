import { describe, expect, it } from 'vitest'
import { fakeSummary } from '../../test/report/fixtures.js'
import { buildLeaderboard, type SweepRun } from '../sweep/leaderboard.js'
import { formatLeaderboard, formatSweepFooter } from './sweep-table.js'

function run(policy: string, scale: number, att: number, good: number, seed = 1): SweepRun {
  const s = fakeSummary({
    router: policy,
    policy,
    seed,
    slo: { ttft_s: 2, tpot_s: 0.1, attainment: att },
    goodput_rps: good,
  })
  return { ...s, rate_scale: scale, rate_rps: 5 * scale }
}

describe('formatLeaderboard', () => {
  const boards = buildLeaderboard(
    [
      run('least-outstanding', 1, 0.99, 16),
      run('least-outstanding', 2, 0.5, 12),
      run('round-robin', 1, 0.95, 15, 1),
      run('round-robin', 1, 0.93, 14, 2),
      run('round-robin', 2, 0.4, 10),
    ],
    0.9,
  )
  const text = formatLeaderboard(boards, {
    seeds: [1, 2],
    requests: new Map([['burstgpt-sample', 1000]]),
  })
  const lines = text.split('\n')

  it('states the trace, the ranking load and the definitions', () => {
    expect(lines[0]).toMatch(/^burstgpt-sample {2}· {2}1,000 requests at 5 req\/s × rate scale/)
    expect(lines[1]).toBe(
      'ranked at ×1 (5 req/s): the highest load at which the best policy keeps >= 90% of requests within SLO',
    )
    expect(text).toContain('Capacity at SLO:')
    expect(text).toContain('± the standard deviation')
  })

  it('aligns one row per policy, best first, with ± only where seeds disagree', () => {
    const rows = lines.filter((l) => /^\s+\d\s/.test(l))
    expect(rows).toHaveLength(2)
    expect(rows[0]).toMatch(/^\s+1\s+least-outstanding\s+2\.00\s+×1\.\d+\s/)
    expect(rows[0]).not.toContain('±')
    expect(rows[1]).toMatch(/^\s+2\s+round-robin\s+1\.81 ± 0\.088\s/)
    const header = lines.find((l) => l.startsWith('rank'))!
    expect(header.length).toBeLessThanOrEqual(Math.max(...rows.map((r) => r.length)))
  })

  it('has no colour unless asked', () => {
    expect(text).not.toContain('\u001b[')
  })
})

describe('formatSweepFooter', () => {
  it('reports runs, workers and times', () => {
    expect(
      formatSweepFooter({ runs: 98, workers: 2, wallS: 34.2, simS: 61, events: 12_300_000 }),
    ).toBe('sweep: 98 runs on 2 workers, 34.2s wall (sim 61.0s, 12M events)')
  })
})
