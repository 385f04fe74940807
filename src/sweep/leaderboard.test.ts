import { describe, expect, it } from 'vitest'
import { fakeSummary } from '../../test/report/fixtures.js'
import { buildLeaderboard, capacityIndex, type SweepRun, spread } from './leaderboard.js'

const BASE_RPS = 5

/** run places a hand-made summary on the grid: `att` attainment, `good` goodput req/s (8 GPUs). */
function run(
  policy: string,
  scale: number,
  att: number,
  good: number,
  extra: { trace?: string; seed?: number; ttftP99?: number } = {},
): SweepRun {
  const s = fakeSummary({
    router: policy,
    policy,
    trace: extra.trace ?? 'azure-conv',
    seed: extra.seed ?? 1,
    slo: { ttft_s: 2, tpot_s: 0.1, attainment: att },
    goodput_rps: good,
    ttft_s: { mean: 0.2, p50: 0.1, p90: 0.5, p99: extra.ttftP99 ?? 1 },
    cost_usd: 2,
    requests: 1000,
  })
  return { ...s, rate_scale: scale, rate_rps: BASE_RPS * scale }
}

describe('buildLeaderboard', () => {
  // Both hold the target at ×1 and ×2; at ×4 only `a` does, so ×4 is the reference load.
  const runs = [
    run('b', 1, 1, 8),
    run('b', 2, 0.95, 16),
    run('b', 4, 0.5, 12),
    run('a', 1, 1, 8),
    run('a', 2, 0.99, 16),
    run('a', 4, 0.92, 30),
    run('a', 8, 0.4, 20),
    run('b', 8, 0.1, 5),
  ]
  const [board] = buildLeaderboard(runs, 0.9)

  it('ranks at the highest level the best policy sustains', () => {
    expect(board?.reference).toEqual({ rate_scale: 4, rate_rps: 20, basis: 'target' })
    expect(board?.rows.map((r) => [r.rank, r.policy])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ])
    const a = board!.rows[0]!
    expect(a.at_reference.goodput_per_gpu.mean).toBeCloseTo(30 / 8)
    expect(a.at_reference.slo_attainment.mean).toBeCloseTo(0.92)
    expect(a.at_reference.cost_per_1k_usd.mean).toBeCloseTo(2)
    expect(board?.base_rps).toBe(BASE_RPS)
    expect(board?.gpus).toBe(8)
  })

  it('interpolates capacity geometrically between the last level held and the next', () => {
    const [a, b] = board!.rows
    // a: 0.92 at ×4, 0.40 at ×8 → f = 0.02/0.52 → ×4·2^f.
    expect(a?.capacity?.bound).toBe('interpolated')
    expect(a?.capacity?.rate_scale).toBeCloseTo(4 * 2 ** (0.02 / 0.52))
    expect(a?.capacity?.rate_rps).toBeCloseTo(BASE_RPS * 4 * 2 ** (0.02 / 0.52))
    // b: 0.95 at ×2, 0.50 at ×4 → f = 0.05/0.45.
    expect(b?.capacity?.rate_scale).toBeCloseTo(2 * 2 ** (0.05 / 0.45))
  })

  it('sorts levels ascending and keeps every level per row', () => {
    expect(board?.rows[1]?.levels.map((l) => l.rate_scale)).toEqual([1, 2, 4, 8])
    expect(board?.rows[0]?.mean_goodput_per_gpu).toBeCloseTo((8 + 16 + 30 + 20) / 4 / 8)
  })

  it('reports "at least" the top level when a policy never drops below the target', () => {
    const [only] = buildLeaderboard([run('x', 1, 1, 8), run('x', 2, 0.97, 16)], 0.9)
    expect(only?.rows[0]?.capacity).toEqual({ rate_scale: 2, rate_rps: 10, bound: 'at-least' })
    expect(only?.reference.rate_scale).toBe(2)
  })

  it('falls back to the peak-goodput level when no policy reaches the target', () => {
    const [fallback] = buildLeaderboard(
      [
        run('p', 1, 0.8, 4),
        run('p', 2, 0.7, 9),
        run('p', 4, 0.1, 2),
        run('q', 1, 0.85, 4),
        run('q', 2, 0.6, 7),
        run('q', 4, 0.2, 3),
      ],
      0.9,
    )
    expect(fallback?.reference).toEqual({ rate_scale: 2, rate_rps: 10, basis: 'peak-goodput' })
    expect(fallback?.rows.map((r) => r.policy)).toEqual(['p', 'q'])
    expect(fallback?.rows.every((r) => r.capacity === null)).toBe(true)
  })

  it('breaks goodput ties by capacity, then attainment, then p99 TTFT, then given order', () => {
    const tie = (target: number, rs: SweepRun[]): string[] =>
      buildLeaderboard(rs, target)[0]!.rows.map((r) => r.policy)
    // Same goodput at the reference (×1); `late` holds the target longer.
    expect(
      tie(0.9, [
        run('early', 1, 0.95, 8),
        run('early', 2, 0.5, 8),
        run('late', 1, 0.95, 8),
        run('late', 2, 0.8, 8),
      ]),
    ).toEqual(['late', 'early'])
    expect(tie(0.9, [run('low', 1, 0.93, 8), run('high', 1, 0.97, 8)])).toEqual(['high', 'low'])
    expect(
      tie(0.9, [run('slow', 1, 0.95, 8, { ttftP99: 3 }), run('fast', 1, 0.95, 8, { ttftP99: 1 })]),
    ).toEqual(['fast', 'slow'])
    expect(tie(0.9, [run('first', 1, 0.95, 8), run('second', 1, 0.95, 8)])).toEqual([
      'first',
      'second',
    ])
  })

  it('averages seeds and reports their standard deviation', () => {
    const [seeded] = buildLeaderboard(
      [run('s', 1, 0.9, 8, { seed: 1 }), run('s', 1, 1, 16, { seed: 2 })],
      0.9,
    )
    const g = seeded!.rows[0]!.at_reference.goodput_per_gpu
    expect(g.mean).toBeCloseTo(1.5)
    expect(g.n).toBe(2)
    expect(g.sd).toBeCloseTo(Math.SQRT1_2)
    expect(seeded!.rows[0]!.at_reference.slo_attainment.mean).toBeCloseTo(0.95)
  })

  it('keeps traces apart, in the order the runs name them', () => {
    const boards = buildLeaderboard(
      [run('a', 1, 1, 8, { trace: 'mooncake' }), run('a', 1, 1, 4, { trace: 'azure-conv' })],
      0.9,
    )
    expect(boards.map((b) => b.trace)).toEqual(['mooncake', 'azure-conv'])
  })
})

describe('capacityIndex', () => {
  it('stops at the first level below the target, ignoring a later recovery', () => {
    const levels = [0.99, 0.95, 0.8, 0.91].map((a, i) => ({
      ...buildLeaderboard([run('x', 2 ** i, a, 1)], 0.9)[0]!.rows[0]!.levels[0]!,
    }))
    expect(capacityIndex(levels, 0.9)).toBe(1)
    expect(capacityIndex(levels.slice(2), 0.9)).toBe(-1)
  })
})

describe('spread', () => {
  it('skips non-finite values and nulls', () => {
    expect(spread([1, Number.NaN, null, 3])).toEqual({ mean: 2, sd: Math.SQRT2, n: 2 })
    expect(spread([4])).toEqual({ mean: 4, sd: 0, n: 1 })
    const none = spread([])
    expect(none.n).toBe(0)
    expect(none.mean).toBeNaN()
  })
})
