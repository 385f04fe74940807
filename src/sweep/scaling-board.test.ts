import { describe, expect, it } from 'vitest'
import {
  buildScalingBoard,
  type CurvePoint,
  costAtAttainment,
  frontierOf,
  type ScalingRun,
} from './scaling-board.js'

function run(scaler: string, value: number, gpuHours: number, attainment: number, seed = 1) {
  return {
    scaler,
    spec: `${scaler}:k=${value}`,
    knob: 'k',
    value,
    is_default: value === 0.7,
    seed,
    requests: 100,
    completed: 100,
    rejected: 0,
    gpu_hours: gpuHours,
    cost_usd: gpuHours * 2,
    attainment,
    cold_starts: 3,
    replicas_mean: 1,
    replicas_max: 2,
    latency_p99_s: 1,
    sim_wall_s: 0.1,
  } satisfies ScalingRun
}

const point = (gpu_hours: number, attainment: number): CurvePoint => ({
  value: gpu_hours,
  spec: '',
  is_default: false,
  gpu_hours,
  attainment,
  cold_starts: 0,
  replicas_mean: 0,
  latency_p99_s: 0,
})

describe('frontierOf', () => {
  it('drops points a cheaper point matches or beats', () => {
    const f = frontierOf([point(10, 0.9), point(5, 0.95), point(8, 0.97), point(3, 0.5)])
    expect(f.map((p) => p.gpu_hours)).toEqual([3, 5, 8])
  })
})

describe('costAtAttainment', () => {
  const f = [point(2, 0.5), point(4, 0.9), point(10, 0.99)]
  it('interpolates linearly between frontier points', () => {
    // 0.95 is 5/9 of the way from 0.9 to 0.99: 4 + 5/9 × 6 = 7.333…
    expect(costAtAttainment(f, 0.95)).toBeCloseTo(4 + (5 / 9) * 6, 12)
  })
  it('returns the cheapest point at or below the first one', () => {
    expect(costAtAttainment(f, 0.4)).toBe(2)
    expect(costAtAttainment(f, 0.9)).toBe(4)
  })
  it('is null beyond the best attainment', () => {
    expect(costAtAttainment(f, 0.995)).toBeNull()
  })
})

describe('buildScalingBoard', () => {
  it('averages seeds and measures savings at the baseline attainment', () => {
    const board = buildScalingBoard([
      run('kpa', 0.5, 12, 0.96),
      run('kpa', 0.7, 10, 0.9, 1),
      run('kpa', 0.7, 10, 0.94, 2),
      run('kpa', 0.9, 8, 0.8),
      run('predictive', 0.5, 9, 0.97),
      run('predictive', 0.7, 6, 0.9),
      run('predictive', 0.9, 4, 0.85),
    ])
    expect(board.baseline?.scaler).toBe('kpa')
    // Two seeds at the default: attainment (0.9 + 0.94) / 2 = 0.92 at 10 GPU-hours.
    expect(board.baseline?.point.attainment).toBeCloseTo(0.92, 12)
    const kpa = board.comparisons.find((c) => c.scaler === 'kpa')!
    expect(kpa.saving).toBeCloseTo(0, 12)
    // Predictive's frontier: (4, .85), (6, .9), (9, .97). At 0.92: 6 + (0.02 / 0.07) × 3.
    const pred = board.comparisons.find((c) => c.scaler === 'predictive')!
    const at = 6 + (0.02 / 0.07) * 3
    expect(pred.gpu_hours_at_baseline).toBeCloseTo(at, 12)
    expect(pred.saving).toBeCloseTo(1 - at / 10, 12)
    expect(pred.best_attainment).toBe(0.97)
  })
  it('reports null when a scaler never reaches the baseline', () => {
    const board = buildScalingBoard([run('kpa', 0.7, 10, 0.95), run('hpa', 0.7, 20, 0.9)])
    const hpa = board.comparisons.find((c) => c.scaler === 'hpa')!
    expect(hpa.gpu_hours_at_baseline).toBeNull()
    expect(hpa.saving).toBeNull()
  })
})
