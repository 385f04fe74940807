/**
 * @module Tests for the MetricSampler, Knative style: a synthetic clock, a fixed scenario and the
 * bucket values worked out by hand. Times are binary fractions (0.25, 0.5, 0.75) so the
 * time-weighted means come out exact.
 */
import { describe, expect, it } from 'vitest'
import { BUCKET_SECONDS, emptySample, MetricSampler } from './sampler.js'

/** bucket is a closed bucket with every field 0 unless `over` says otherwise. */
function bucket(time: number, over: Record<string, number> = {}) {
  return { ...emptySample(time), ...over }
}

describe('MetricSampler', () => {
  it('buckets by Knative’s 1-second granularity', () => {
    expect(BUCKET_SECONDS).toBe(1)
  })

  it('weights concurrency by time, across bucket boundaries', () => {
    const s = new MetricSampler(10, 0)
    // Bucket (0, 1]: 1 request over [0.25, 0.5), 3 over [0.5, 1) → 0.25 + 1.5 = 1.75.
    // (Knative: 3 requests in flight for 0.5 s of a 1-s bucket is concurrency 1.5.)
    s.enter(0.25)
    s.enter(0.5)
    s.enter(0.5)
    // Bucket (1, 2]: 3 over [1, 1.75), 2 over [1.75, 2) → 2.25 + 0.5 = 2.75.
    s.leave(1.75)
    // Bucket (2, 3]: 2 throughout → 2.
    expect(s.take(3)).toEqual([
      bucket(1, { concurrency: 1.75, arrivals: 3 }),
      bucket(2, { concurrency: 2.75 }),
      bucket(3, { concurrency: 2 }),
    ])
    expect(s.inFlight).toBe(2)
  })

  it('counts arrivals, completions, SLO verdicts, latencies and tokens in their own bucket', () => {
    const s = new MetricSampler(4, 0)
    s.enter(0.25)
    s.enter(0.5)
    s.enter(0.75)
    s.tokens(0.75, 7)
    // Bucket 2: two finish (latencies 1.25 and 2, one within its SLO), one refused (no verdict).
    s.leave(1.5, { latency: 1.25, met: true })
    s.leave(1.5, { latency: 2, met: false })
    s.tokens(1.75, 5)
    s.leave(1.75)
    // An event exactly on a boundary belongs to the bucket it opens: this arrival is bucket 3's.
    s.enter(2)
    const [b1, b2, b3] = s.take(3)
    // 1 × 0.25 + 2 × 0.25 + 3 × 0.25 = 1.5.
    expect(b1).toEqual(bucket(1, { concurrency: 1.5, arrivals: 3, outputTokens: 7 }))
    // 3 × 0.5 + 1 × 0.25 + 0 × 0.25 = 1.75.
    expect(b2).toEqual(
      bucket(2, {
        concurrency: 1.75,
        completions: 2,
        sloMet: 1,
        latencySum: 3.25,
        outputTokens: 5,
      }),
    )
    expect(b3).toEqual(bucket(3, { concurrency: 1, arrivals: 1 }))
  })

  it('time-weights utilisation = min(1, in flight / (ready × cc)), 0 with no replica ready', () => {
    // cc = 2.
    const s = new MetricSampler(2, 0)
    s.enter(0) // 1 in flight, no replica: contributes nothing
    s.setReady(0.5, 1) // 1 / (1 × 2) = 0.5 over [0.5, 1)
    s.enter(1)
    s.enter(1) // 3 / 2 → capped at 1 over [1, 1.5)
    s.setReady(1.5, 2) // 3 / 4 = 0.75 over [1.5, 2)
    s.leave(2)
    s.leave(2)
    s.leave(2) // 0 / 4 over [2, 3)
    const out = s.take(3)
    // Bucket 1: 0.5 × 0 + 0.5 × 0.5 = 0.25. Bucket 2: 0.5 × 1 + 0.5 × 0.75 = 0.875.
    expect(out.map((b) => b.utilisation)).toEqual([0.25, 0.875, 0])
    expect(out.map((b) => b.concurrency)).toEqual([1, 3, 0])
  })

  it('closes a long idle stretch as one empty bucket per second, then resumes on the grid', () => {
    const s = new MetricSampler(1, 0)
    s.enter(0.5)
    s.leave(0.75, { latency: 0.25, met: true })
    const out = s.take(100.5)
    // Bucket 1 had the request (0.25 s of 1); buckets 2 … 100 are idle; (100, 101] is still open.
    expect(out).toHaveLength(100)
    expect(out[0]).toEqual(
      bucket(1, { concurrency: 0.25, arrivals: 1, completions: 1, sloMet: 1, latencySum: 0.25 }),
    )
    expect(out.slice(1)).toEqual(Array.from({ length: 99 }, (_, i) => bucket(i + 2)))
    // The open bucket kept its start at 100: a request from 100.75 fills a quarter of it.
    s.enter(100.75)
    expect(s.take(101)).toEqual([bucket(101, { concurrency: 0.25, arrivals: 1 })])
  })

  it('closes busy seconds one by one at the running concurrency', () => {
    const s = new MetricSampler(1, 0)
    s.enter(0)
    s.enter(0)
    expect(s.take(4.5).map((b) => [b.time, b.concurrency])).toEqual([
      [1, 2],
      [2, 2],
      [3, 2],
      [4, 2],
    ])
  })

  it('takes only closed buckets, each once', () => {
    const s = new MetricSampler(1, 0)
    s.enter(0.25)
    expect(s.take(0.5)).toEqual([])
    expect(s.take(0.999)).toEqual([])
    // A bucket closes when now reaches its end.
    expect(s.take(1)).toEqual([bucket(1, { concurrency: 0.75, arrivals: 1 })])
    expect(s.take(1)).toEqual([])
    expect(s.take(1.5)).toEqual([])
    expect(s.take(2)).toEqual([bucket(2, { concurrency: 1 })])
  })

  it('starts its first bucket at `start`, not at 0', () => {
    // A sampler begun at the first request, 12.5 s in: buckets end at 13.5, 14.5, …
    const s = new MetricSampler(1, 12.5)
    s.enter(12.5)
    expect(s.take(13)).toEqual([])
    expect(s.take(14.5)).toEqual([
      bucket(13.5, { concurrency: 1, arrivals: 1 }),
      bucket(14.5, { concurrency: 1 }),
    ])
  })

  it('never counts fewer than zero in flight, and treats cc below 1 as 1', () => {
    const s = new MetricSampler(0, 0)
    s.leave(0.25) // a stray leave: stays at 0
    expect(s.inFlight).toBe(0)
    s.setReady(0.25, 1)
    s.enter(0.5)
    // 1 / (1 × max(1, 0)) = 1 over [0.5, 1), 0 before.
    expect(s.take(1)).toEqual([bucket(1, { concurrency: 0.5, arrivals: 1, utilisation: 0.5 })])
  })
})
