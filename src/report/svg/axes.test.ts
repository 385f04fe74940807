import { describe, expect, it } from 'vitest'
import {
  formatLogTick,
  formatTick,
  linearScale,
  linearTicks,
  logScale,
  logTicks,
  niceDomain,
  niceStep,
  spansDecades,
} from './axes.js'

describe('niceStep', () => {
  it('picks 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(37, 5)).toBe(10)
    expect(niceStep(30, 5)).toBe(5)
    expect(niceStep(0.9, 5)).toBe(0.2)
    expect(niceStep(100, 5)).toBe(20)
    expect(niceStep(1000, 4)).toBe(200)
    expect(niceStep(7, 10)).toBe(1)
  })
  it('survives zero and non-finite spans', () => {
    expect(niceStep(0, 5)).toBe(1)
    expect(niceStep(Number.NaN, 5)).toBe(1)
  })
})

describe('linearTicks', () => {
  it('lists multiples of the step inside the range', () => {
    expect(linearTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100])
    expect(linearTicks(3, 37, 5)).toEqual([5, 10, 15, 20, 25, 30, 35])
    expect(linearTicks(3, 52, 5)).toEqual([10, 20, 30, 40, 50])
  })
  it('has no float noise', () => {
    expect(linearTicks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3])
  })
  it('handles a single value and a reversed range', () => {
    expect(linearTicks(5, 5, 5).length).toBeGreaterThan(1)
    expect(linearTicks(10, 0, 5)).toEqual([0, 2, 4, 6, 8, 10])
  })
})

describe('niceDomain', () => {
  it('widens outward to the step', () => {
    expect(niceDomain(3, 37, 5)).toEqual([0, 40])
    expect(niceDomain(0.013, 0.087, 4)).toEqual([0, 0.1])
  })
  it('gives a zero-width domain some room', () => {
    const [lo, hi] = niceDomain(0, 0)
    expect(lo).toBeLessThan(0)
    expect(hi).toBeGreaterThan(0)
  })
})

describe('logTicks', () => {
  it('puts decades as majors and 2..9 multiples as minors', () => {
    const { major, minor } = logTicks(0.01, 10)
    expect(major).toEqual([0.01, 0.1, 1, 10])
    expect(minor).toContain(0.02)
    expect(minor).toContain(5)
    expect(minor).toHaveLength(24) // 8 per decade
  })
  it('promotes 2s and 5s when fewer than two decades fit', () => {
    expect(logTicks(0.3, 4).major).toEqual([0.5, 1, 2])
  })
  it('returns nothing for non-positive ranges', () => {
    expect(logTicks(0, 10)).toEqual({ major: [], minor: [] })
  })
})

describe('tick labels', () => {
  it('uses the decimals the step needs and k/M suffixes', () => {
    expect(formatTick(0.25, 0.05)).toBe('0.25')
    expect(formatTick(15, 5)).toBe('15')
    expect(formatTick(8000, 2000)).toBe('8000')
    expect(formatTick(25000, 5000)).toBe('25k')
    expect(formatTick(12500, 500)).toBe('12.5k')
    expect(formatTick(2.5, 2.5)).toBe('2.5')
    expect(formatTick(2e7, 5e6)).toBe('20M')
    expect(formatTick(-0, 1)).toBe('0')
  })
  it('prints log ticks compactly', () => {
    expect(formatLogTick(0.001)).toBe('0.001')
    expect(formatLogTick(1000)).toBe('1k')
    expect(formatLogTick(5e6)).toBe('5M')
  })
})

describe('scales', () => {
  it('maps linearly with a nice domain', () => {
    const s = linearScale(3, 37, [0, 400])
    expect(s.domain).toEqual([0, 40])
    expect(s.map(20)).toBe(200)
    expect(s.ticks.map((t) => t.label)).toContain('40')
  })
  it('maps logarithmically between 1-2-5 bounds', () => {
    const s = logScale(0.023, 31, [0, 300])
    expect(s.domain).toEqual([0.02, 50])
    expect(s.map(0.02)).toBeCloseTo(0)
    expect(s.map(50)).toBeCloseTo(300)
    expect(s.ticks.filter((t) => t.major).map((t) => t.label)).toEqual(['0.1', '1', '10'])
  })
  it('detects when values span more than two decades', () => {
    expect(spansDecades([0.01, 0.5, 3])).toBe(true)
    expect(spansDecades([0.02, 0.5, 1.9])).toBe(false)
    expect(spansDecades([0, -1, Number.NaN, 5])).toBe(false)
  })
})
