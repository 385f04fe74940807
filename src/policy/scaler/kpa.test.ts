/**
 * @module Tests for the KPA: hand-computed runs of Knative's algorithm (cc = 10, util 0.7 → target
 * value 7 per replica; stable window 60 s, panic window 6 s, tick 2 s).
 */
import { describe, expect, it } from 'vitest'
import { drive, makePool, samplesIn } from '../../../test/policy/scale-fixture.js'
import { createKpa, type KpaOptions, KpaPool, type KpaStep } from './kpa.js'
import type { PoolScaleView } from './types.js'

/**
 * Stepper drives one KpaPool tick by tick: `to(now, ready, conc)` hands it the samples since the
 * previous call, each with concurrency conc(t).
 */
function stepper(opts: KpaOptions = {}, pool: Partial<PoolScaleView> = {}) {
  const kpa = new KpaPool(opts)
  let last = 0
  return function to(now: number, ready: number, conc: (t: number) => number): KpaStep {
    const samples = samplesIn(last, Math.floor(now), (t) => ({ concurrency: conc(t) }))
    last = Math.floor(now)
    return kpa.decide(makePool({ ...pool, ready, samples }), now)
  }
}

/** run calls `to` every 2 s over (from, until] and returns the steps by time. */
function run(
  to: ReturnType<typeof stepper>,
  from: number,
  until: number,
  ready: number | ((t: number) => number),
  conc: (t: number) => number,
): Map<number, KpaStep> {
  const out = new Map<number, KpaStep>()
  for (let t = from + 2; t <= until; t += 2) {
    out.set(t, to(t, typeof ready === 'number' ? ready : ready(t), conc))
  }
  return out
}

describe('kpa', () => {
  it('is named, ticks every 2 s and sizes for the stable average (a)', () => {
    const kpa = createKpa()
    expect(kpa.name).toBe('kpa')
    expect(kpa.tickSeconds).toBe(2)
    const to = stepper()
    // Four ready pods at creation: newAutoscaler starts in panic holding 4.
    expect(to(0, 4, () => 0)).toMatchObject({ desired: 4, panic: true, hasData: false })
    const steps = run(to, 0, 62, 4, () => 35)
    // t=60: still panicking (panicTime 0 + 60 is not before 60); dppc = ceil(35/7) = 5 → 5.
    expect(steps.get(60)).toMatchObject({ desired: 5, panic: true })
    // t=62: 5/4 = 1.25 < 2 and 0 + 60 < 62 → stable: dspc = ceil(35 / 7) = 5.
    expect(steps.get(62)).toMatchObject({ desired: 5, panic: false, stable: 35 })
    // 35.5 / 7 = 5.07 → 6.
    const up = run(to, 62, 130, 5, () => 35.5)
    expect(up.get(130)).toMatchObject({ desired: 6, panic: false })
  })

  it('averages over the time seen while the window is not yet full', () => {
    const to = stepper()
    // Ten seconds of 14 at one pod: 14/7 = 2, and 2/1 ≥ 2 panics; stable is 140/10 = 14, not 140/60.
    const s = to(10, 1, () => 14)
    expect(s.stable).toBe(14)
    expect(s.desired).toBe(2)
  })

  it('enters panic when the 6 s window asks for twice the ready pods, in one tick (b)', () => {
    const to = stepper()
    to(0, 2, () => 10)
    // Two pods at 10 (dspc = ceil(10/7) = 2) until the start-up panic ends at t=62.
    const calm = run(to, 0, 100, 2, () => 10)
    expect(calm.get(100)).toMatchObject({ desired: 2, panic: false })
    // Two seconds of 70: panic = (4×10 + 2×70)/6 = 30 → dppc = ceil(30/7) = 5; 5/2 = 2.5 ≥ 2.
    // Stable = (58×10 + 2×70)/60 = 12 → dspc = 2; in panic the larger, 5.
    const jump = to(102, 2, (t) => (t > 100 ? 70 : 10))
    expect(jump).toMatchObject({ desired: 5, panic: true, stable: 12, panicValue: 30 })
  })

  it('does not scale down in panic, and leaves it a stable window after the last burst (c, d)', () => {
    const to = stepper()
    to(0, 2, () => 10)
    const conc = (t: number): number => (t > 100 && t <= 102 ? 70 : 10)
    run(to, 0, 100, 2, conc)
    expect(to(102, 2, conc)).toMatchObject({ desired: 5, panic: true })
    // Five ready from t=104; the panic value falls to 10 (dppc = 2, 2/5 < 2: not over), yet
    // maxPanicPods holds 5.
    const held = run(to, 102, 162, 5, conc)
    for (const [t, s] of held) expect({ t, ...s }).toMatchObject({ t, desired: 5, panic: true })
    // Last over-threshold tick 102; 102 + 60 < 164 → out of panic; dspc = 2 = floor(5/2).
    expect(to(164, 5, conc)).toMatchObject({ desired: 2, panic: false })
  })

  it('at most halves per tick: 10 ready asking for 1 get 5 (e)', () => {
    const to = stepper()
    // Concurrency 7 → dspc = 1. Ten ready at creation → panic holds 10 until t=62.
    to(0, 10, () => 7)
    const steps = run(to, 0, 62, 10, () => 7)
    expect(steps.get(60)?.desired).toBe(10)
    // maxScaleDown = floor(10 / 2) = 5.
    expect(steps.get(62)).toMatchObject({ desired: 5, panic: false })
    expect(to(64, 10, () => 7).desired).toBe(5)
    // Then floor(5/2) = 2, and floor(2/2) = 1.
    expect(to(66, 5, () => 7).desired).toBe(2)
    expect(to(68, 2, () => 7).desired).toBe(1)
  })

  it('scales to zero only after a stable window of zeros and the grace period (f)', () => {
    const to = stepper()
    const conc = (t: number): number => (t <= 100 ? 3 : 0)
    const steps = run(to, 0, 200, 1, conc)
    // t=158: buckets 99..158 still hold two 3s → dspc = 1.
    expect(steps.get(158)).toMatchObject({ decided: 1, desired: 1 })
    // t=160: buckets 101..160 are all 0 → the decider says 0; the PA (active since t=2, 158 s ≥
    // 60 s) is marked inactive and keeps its pod.
    expect(steps.get(160)).toMatchObject({ decided: 0, desired: 1 })
    // Inactive 28 s at t=188 < 30 s grace; 30 s at t=190 → 0.
    expect(steps.get(188)?.desired).toBe(1)
    expect(steps.get(190)?.desired).toBe(0)
    const first = [...steps].find(([, s]) => s.desired === 0)?.[0]
    expect(first).toBe(190)
  })

  it('keeps one pod until the PA has been active a whole stable window', () => {
    const to = stepper()
    // Two pods at creation, idle: panic holds 2 until t=62, then floor(2/2) = 1 → 1 at t=62;
    // at t=64 the decider says 0, and the PA (active since 0) is marked inactive; 0 at t=94.
    to(0, 2, () => 0)
    const steps = run(
      to,
      0,
      100,
      (t) => (t <= 62 ? 2 : 1),
      () => 0,
    )
    expect(steps.get(62)?.desired).toBe(1)
    expect(steps.get(64)).toMatchObject({ decided: 0, desired: 1 })
    expect(steps.get(92)?.desired).toBe(1)
    expect(steps.get(94)?.desired).toBe(0)
  })

  it('scales from zero as soon as a sample shows a request (g)', () => {
    const to = stepper()
    const idle = run(to, 0, 50, 0, () => 0)
    expect([...idle.values()].every((s) => s.desired === 0)).toBe(true)
    // A poke between ticks: 0.3 in bucket 51 → panic = 0.3/6 = 0.05 → dppc = ceil(0.05/7) = 1
    // (readyPods = max(1, 0)); stable 0.005 → dspc = 1.
    expect(to(51.3, 0, (t) => (t === 51 ? 0.3 : 0)).desired).toBe(1)
    // A burst of 100 held requests: panic 100/6 = 16.7 → dppc = 3, 3/1 ≥ 2 → panic, 3 at once.
    const burst = stepper()
    run(burst, 0, 50, 0, () => 0)
    expect(burst(51.3, 0, (t) => (t === 51 ? 100 : 0))).toMatchObject({ desired: 3, panic: true })
  })

  it('keeps to the pool bounds (h)', () => {
    const to = stepper({}, { minReplicas: 2, maxReplicas: 8 })
    // 700 / 7 = 100 → capped at 8.
    expect(to(2, 1, () => 700)).toMatchObject({ decided: 100, desired: 8 })
    const idle = stepper({}, { minReplicas: 2, maxReplicas: 8 })
    const steps = run(idle, 0, 300, 2, () => 0)
    expect(Math.min(...[...steps.values()].map((s) => s.desired))).toBe(2)
  })

  it('holds the largest count of the scale-down delay window (i)', () => {
    // panic=10 keeps panic mode out of the way. Concurrency 14 until t=60, then 0: the stable
    // average at t > 60 is 14 × (120 − t) / 60, so dspc = ceil((120 − t) / 30): 2 up to t=88,
    // 1 from t=90.
    const conc = (t: number): number => (t <= 60 ? 14 : 0)
    const plain = run(stepper({ panic: 10 }), 0, 110, 2, conc)
    expect(plain.get(88)?.decided).toBe(2)
    expect(plain.get(90)?.decided).toBe(1)
    // delay=10: the 2 decided at t=88 counts while now − 88 < 10, so 1 only from t=98.
    const delayed = run(stepper({ panic: 10, delay: 10 }), 0, 110, 2, conc)
    expect(delayed.get(96)?.decided).toBe(2)
    expect(delayed.get(98)?.decided).toBe(1)
  })

  it('targets min(target, cc) × util', () => {
    const kpa = new KpaPool({ target: 4, util: 0.5 })
    expect(kpa.targetValue(makePool({ containerConcurrency: 10 }))).toBe(2)
    expect(kpa.targetValue(makePool({ containerConcurrency: 3 }))).toBe(1.5)
    expect(new KpaPool().targetValue(makePool({ containerConcurrency: 1 }))).toBeCloseTo(0.7)
  })

  it('scales the pools of a P/D view independently, each from its own samples', () => {
    const kpa = createKpa()
    const prefill = makePool({ name: 'prefill', role: 'prefill' })
    const decode = makePool({ name: 'decode', role: 'decode' })
    const d = kpa.decide({
      now: 2,
      pools: [
        { ...prefill, samples: samplesIn(0, 2, () => ({ concurrency: 7 })) },
        { ...decode, samples: samplesIn(0, 2, () => ({ concurrency: 70 })) },
      ],
    })
    // 7/7 = 1 pod; 70/7 = 10 pods (panic: 10/1 ≥ 2).
    expect(d.desired).toEqual([1, 10])
    expect(d.panic).toBe(true)
  })

  it('gives the same decisions for the same inputs', () => {
    const load = (t: number): { concurrency: number } => ({
      concurrency: 20 + 15 * Math.sin(t / 40) + (t % 17 === 0 ? 30 : 0),
    })
    const a = drive(createKpa(), { to: 600, at: load, lag: 6 })
    const b = drive(createKpa(), { to: 600, at: load, lag: 6 })
    expect(a).toEqual(b)
    expect(Math.max(...a.map((x) => x.desired))).toBeGreaterThan(1)
  })
})
