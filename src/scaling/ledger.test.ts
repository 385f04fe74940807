/**
 * @module Tests for the ReplicaLedger: a hand-run life of three replicas priced at $3.60 per GPU
 * hour ($0.001 per GPU-second), with the bill, the cold starts, the decisions and the replica
 * series worked out by hand.
 */
import { describe, expect, it } from 'vitest'
import { ReplicaLedger } from './ledger.js'

/** PRICE: $3.60 per GPU-hour is $0.001 per GPU-second. */
const PRICE = 3.6

describe('ReplicaLedger', () => {
  /**
   * The scenario, from t = 0:
   *   A: 1 GPU, asked at 0, ready at 28, drained at 50, stopped at 60 → billed 60 GPU-s.
   *   B: 2 GPUs, asked at 10, cancelled at 15 before it was ready → billed 2 × 5 = 10 GPU-s.
   *   C: 1 GPU, asked at 20, ready at 50, still up at the end (100) → billed 80 GPU-s.
   * Total 150 GPU-s = 150 / 3600 GPU-hours, $0.15; replica-seconds 60 + 5 + 80 = 145.
   */
  function scenario(): ReplicaLedger {
    const l = new ReplicaLedger()
    l.start(0, 1, PRICE)
    l.decision(0, 1, false)
    l.start(10, 2, PRICE)
    l.decision(10, 2, true)
    l.stop(15, 2, PRICE, true)
    l.decision(15, 1, false)
    l.start(20, 1, PRICE)
    l.decision(20, 2, true)
    l.ready(28, 0)
    l.ready(50, 20)
    l.unready(50)
    l.decision(50, 1, false)
    l.stop(60, 1, PRICE, false)
    return l
  }

  it('bills every replica from its ask to its stop, cancelled starts included', () => {
    const l = scenario()
    expect(l.gpuHours(100)).toBeCloseTo(150 / 3600, 12)
    expect(l.costUsd(100)).toBeCloseTo(0.15, 12)
    // Billing up to a time in the middle: at 12, A for 12 s and B for 2 s × 2 GPUs = 16 GPU-s.
    const m = new ReplicaLedger()
    m.start(0, 1, PRICE)
    m.start(10, 2, PRICE)
    expect(m.gpuHours(12)).toBeCloseTo(16 / 3600, 12)
    expect(m.costUsd(12)).toBeCloseTo(0.016, 12)
  })

  it('summarises cold starts, cancels, scale-downs and the replica count', () => {
    const s = scenario().summary('kpa', 100)
    expect(s).toMatchObject({
      scaler: 'kpa',
      // Three asked for, each a cold start; two finished: 28 s (A) and 30 s (C).
      cold_starts: 3,
      cancelled: 1,
      scale_downs: 1,
      // 145 replica-seconds over the 100 s since the first event.
      replicas_mean: 1.45,
      // Never three at once: B stopped at 15, before C was asked for at 20.
      replicas_max: 2,
      held: 0,
      held_rejected: 0,
      decisions: 5,
      panic_decisions: 2,
    })
    expect(s.cold_start_s.mean).toBe(29)
  })

  it('records the replica series at change points, one per time', () => {
    const s = scenario().series()
    // At 50, C's readiness and A's drain (and the decision) merge into one point.
    expect(s.t).toEqual([0, 10, 15, 20, 28, 50, 60])
    expect(s.provisioned).toEqual([1, 2, 1, 2, 2, 2, 1])
    expect(s.ready).toEqual([0, 0, 0, 0, 1, 1, 1])
    expect(s.desired).toEqual([1, 2, 1, 2, 2, 1, 1])
    expect(s.cold_start_s).toEqual([28, 30])
  })

  it('bills warm replicas from when they are recorded, without a cold start', () => {
    const l = new ReplicaLedger()
    l.warm(5, 1, PRICE)
    l.warm(5, 1, PRICE)
    expect(l.gpuHours(3605)).toBeCloseTo(2, 12)
    const s = l.summary('kpa', 3605)
    expect(s).toMatchObject({ cold_starts: 0, replicas_mean: 2, replicas_max: 2 })
    expect(s.cold_start_s).toEqual({ mean: 0, p50: 0, p90: 0, p99: 0 })
    expect(l.series()).toMatchObject({ t: [5], ready: [2], provisioned: [2], desired: [0] })
  })

  it('marks the desired count only when a decision changes it', () => {
    const l = new ReplicaLedger()
    l.decision(0, 0, false)
    l.decision(2, 0, false)
    l.decision(4, 3, true)
    l.decision(6, 3, true)
    l.decision(8, 1, false)
    expect(l.series()).toMatchObject({ t: [4, 8], desired: [3, 1] })
    expect(l.summary('kpa', 8)).toMatchObject({ decisions: 5, panic_decisions: 2 })
  })

  it('keeps the held waits and the refusals', () => {
    const l = new ReplicaLedger()
    l.held(28)
    l.held(26)
    l.heldRejected()
    const s = l.summary('kpa', 0)
    expect(s).toMatchObject({ held: 2, held_rejected: 1 })
    expect(s.held_wait_s.mean).toBe(27)
  })

  it('thins the cold-start series to at most 10,000 values, evenly', () => {
    const l = new ReplicaLedger()
    for (let i = 0; i < 10_001; i++) {
      l.start(i, 1, PRICE)
      l.ready(i + 0.5, i)
    }
    // 10,001 values, stride ⌈10,001 / 10,000⌉ = 2: every other one, 5,001 in all.
    const cs = l.series().cold_start_s
    expect(cs).toHaveLength(5001)
    expect(cs.every((x) => x === 0.5)).toBe(true)
    // The summary still counts every one.
    expect(l.summary('kpa', 10_001).cold_starts).toBe(10_001)
  })

  it('is empty and free before anything happens', () => {
    const l = new ReplicaLedger()
    expect(l.gpuHours(50)).toBe(0)
    expect(l.costUsd(50)).toBe(0)
    expect(l.summary('none', 50)).toMatchObject({ cold_starts: 0, replicas_mean: 0 })
  })
})
