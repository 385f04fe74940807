/** @module Tests for the HPA: Kubernetes' ratio, tolerance, stabilisation and rate limits. */
import { describe, expect, it } from 'vitest'
import { makePool, samplesIn } from '../../../test/policy/scale-fixture.js'
import { createHpa, type HpaOptions } from './hpa.js'
import type { PoolScaleView, ScaleSample } from './types.js'

/** hpa returns a stepper: `to(now, pool, at)` hands the samples since the last call. */
function hpa(opts: HpaOptions = {}) {
  const scaler = createHpa(opts)
  let last = 0
  return function to(
    now: number,
    pool: Partial<PoolScaleView>,
    at: (t: number) => Partial<ScaleSample>,
  ): number {
    const samples = samplesIn(last, now, at)
    last = now
    return scaler.decide({ now, pools: [makePool({ ...pool, samples })] }).desired[0]!
  }
}

describe('hpa', () => {
  it('is named and syncs every 15 s', () => {
    expect(createHpa()).toMatchObject({ name: 'hpa', tickSeconds: 15 })
  })

  it('scales by the utilisation ratio, outside a ±10% tolerance', () => {
    // 4 ready at 0.91, target 0.7 → ratio 1.3 → ceil(5.2) = 6.
    expect(hpa()(15, { ready: 4 }, () => ({ utilisation: 0.91 }))).toBe(6)
    // 0.75 / 0.7 = 1.07: within 10% → keep 4.
    expect(hpa()(15, { ready: 4 }, () => ({ utilisation: 0.75 }))).toBe(4)
    // 0.35 / 0.7 = 0.5 → ceil(2) = 2 (a fresh HPA has no higher recommendation to hold).
    expect(hpa()(15, { ready: 4 }, () => ({ utilisation: 0.35 }))).toBe(2)
  })

  it('holds the highest recommendation of the last 300 s before scaling down', () => {
    const to = hpa()
    const util = (t: number): number => (t <= 150 ? 0.7 : 0.35)
    const out = new Map<number, number>()
    for (let t = 15; t <= 600; t += 15)
      out.set(
        t,
        to(t, { ready: 4 }, (s) => ({ utilisation: util(s) })),
      )
    // Recommendations: 4 through t=150 (in tolerance), 2 from t=165 (its window is all 0.35).
    // The 4 of t=150 counts while now − 150 < 300.
    expect(out.get(435)).toBe(4)
    expect(out.get(450)).toBe(2)
  })

  it('scales up by at most max(4 pods, 100%) per 15 s', () => {
    const to = hpa({ util: 0.1 })
    // 2 ready at 1.0 / 0.1 → ceil(20) = 20, limited to max(2 + 4, 2 × 2) = 6.
    expect(to(15, { ready: 2 }, () => ({ utilisation: 1 }))).toBe(6)
    // 15 s later the event has left the period: from 6 → max(10, 12) = 12.
    expect(to(30, { ready: 6 }, () => ({ utilisation: 1 }))).toBe(12)
    // A poke 5 s later: 6 were added in the period, so its start is 6 → limit 12 still.
    expect(to(35, { ready: 12 }, () => ({ utilisation: 1 }))).toBe(12)
  })

  it('counts pending replicas as idle when scaling up, so it does not order them twice', () => {
    // 4 ready at 1.0 and 2 starting: 4 × 1.0 / (6 × 0.7) = 0.95 → within tolerance → 6.
    expect(hpa()(15, { ready: 4, pending: 2 }, () => ({ utilisation: 1 }))).toBe(6)
    // Without them: 1.0 / 0.7 = 1.43 → ceil(5.7) = 6 as well, but from 4.
    expect(hpa()(15, { ready: 4 }, () => ({ utilisation: 1 }))).toBe(6)
    // 6 ready at 1.0 and 1 starting: 6 / (7 × 0.7) = 1.22 → ceil(8.6) = 9.
    expect(hpa()(15, { ready: 6, pending: 1 }, () => ({ utilisation: 1 }))).toBe(9)
  })

  it('scales up from zero on held requests', () => {
    // No ready pod: 3 held requests / (10 × 0.7) → 1.
    expect(hpa()(15, { ready: 0 }, () => ({ concurrency: 3 }))).toBe(1)
    // 30 held → ceil(30 / 7) = 5, limited to max(0 + 4, 0) = 4.
    expect(hpa()(15, { ready: 0 }, () => ({ concurrency: 30 }))).toBe(4)
    // Nothing held: stays at zero.
    expect(hpa()(15, { ready: 0 }, () => ({}))).toBe(0)
  })

  it('goes to zero only after 300 s of zero recommendations, and never below the minimum', () => {
    const to = hpa()
    const load = (t: number): Partial<ScaleSample> => (t <= 300 ? { utilisation: 0.5 } : {})
    const out = new Map<number, number>()
    for (let t = 15; t <= 660; t += 15) out.set(t, to(t, { ready: 1 }, load))
    // 0.5 / 0.7 → ceil(0.71) = 1 through t=300; 0 from t=315; the 1 of t=300 holds to 585.
    expect(out.get(300)).toBe(1)
    expect(out.get(585)).toBe(1)
    expect(out.get(600)).toBe(0)
    const floor = hpa()
    for (let t = 15; t <= 660; t += 15) {
      expect(floor(t, { ready: 1, minReplicas: 1 }, load)).toBe(1)
    }
  })
})
