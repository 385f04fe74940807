/** @module Tests for the scalers' time windows (Knative's TimedFloat64Buckets and max window). */
import { describe, expect, it } from 'vitest'
import { BucketWindow, MaxWindow } from './window.js'

describe('BucketWindow', () => {
  it('averages over the time seen until the window is full, then over the window', () => {
    const w = new BucketWindow(3)
    expect(w.isEmpty(0)).toBe(true)
    expect(w.average(0)).toBe(0)
    w.record(1, 6)
    w.record(2, 12)
    // Two buckets seen: (6 + 12) / 2.
    expect(w.average(2)).toBe(9)
    for (let t = 3; t <= 8; t++) w.record(t, 1)
    // Buckets 3..8: six 1s; 6 and 12 have slid out.
    expect(w.average(8)).toBe(1)
  })

  it('adds values recorded in one bucket, and drops ones a window old', () => {
    const w = new BucketWindow(4)
    w.record(10, 1)
    w.record(10.5, 2)
    w.record(11, 3)
    expect(w.average(11)).toBe(3)
    // Bucket 6 is a whole window behind the last write (11): ignored.
    w.record(6, 100)
    expect(w.average(11)).toBe(3)
  })

  it('drops buckets that slid out since the last record when asked later', () => {
    const w = new BucketWindow(4)
    for (let t = 1; t <= 4; t++) w.record(t, t)
    // At 6: buckets 3..6 are in the window, 5 and 6 empty → (3 + 4) / min(4 seen, 4 − 2 gap).
    expect(w.average(6)).toBe(3.5)
    // A whole window with nothing: empty, 0.
    expect(w.isEmpty(9)).toBe(true)
    expect(w.average(9)).toBe(0)
  })

  it('counts gaps inside the window as zeros and restarts after a window of nothing', () => {
    const w = new BucketWindow(4)
    w.record(1, 4)
    w.record(3, 4)
    // Buckets 1..3 seen, bucket 2 empty: 8 / 3.
    expect(w.average(3)).toBeCloseTo(8 / 3)
    w.record(20, 5)
    // Restarted at 20: one bucket seen.
    expect(w.average(20)).toBe(5)
  })

  it('keeps integer bucket boundaries through float noise', () => {
    const w = new BucketWindow(2)
    let t = 0.1
    for (let i = 0; i < 30; i++) t += 1
    // 0.1 + 30 accumulates error; still bucket 30.
    w.record(t - 0.1, 2)
    w.record(30, 2)
    expect(w.average(30)).toBe(4)
  })
})

describe('MaxWindow', () => {
  it('keeps the largest value of the last W seconds', () => {
    const m = new MaxWindow(10)
    expect(m.record(0, 5)).toBe(5)
    expect(m.record(2, 3)).toBe(5)
    expect(m.record(8, 1)).toBe(5)
    // 5 was recorded at 0: 10 − 0 ≥ 10 → out; 3 remains.
    expect(m.current(10)).toBe(3)
    expect(m.current(12)).toBe(1)
    expect(m.current(18)).toBe(0)
  })

  it('stays small over a long run', () => {
    const m = new MaxWindow(60)
    let max = 0
    for (let t = 0; t < 100_000; t += 2) max = m.record(t, (t * 7919) % 13)
    expect(max).toBe(12)
  })
})

describe('BucketWindow rounding', () => {
  it('averages exactly zero after the fractional values leave the window', () => {
    // Mean concurrencies like these do not sum exactly in binary; a plain running total keeps a
    // residue (≈1e-16) after subtracting them, and ceil(residue / target) is a replica forever.
    const w = new BucketWindow(3)
    const values = [0.1, 0.2, 0.3]
    for (let t = 0; t < values.length; t++) w.record(t, values[t]!)
    let naive = 0
    for (const v of values) naive += v
    for (const v of values) naive -= v
    expect(naive).not.toBe(0) // the residue this guards against is real
    for (let t = values.length; t < 6; t++) w.record(t, 0)
    expect(w.average(5)).toBe(0)
    // Six decimals survive, rounded down.
    const v = new BucketWindow(2)
    v.record(0, 1 / 3)
    expect(v.average(0)).toBe(0.333333)
  })
})
