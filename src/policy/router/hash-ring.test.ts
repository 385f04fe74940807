import { describe, expect, it } from 'vitest'
import { buildRing, hashName, lowerBound } from './hash-ring.js'

describe('hash ring', () => {
  it('holds sorted points, virtualNodes per name', () => {
    const ring = buildRing(['a', 'b', 'c'], 100)
    expect(ring.points.length).toBe(300)
    for (let i = 1; i < ring.points.length; i++) {
      expect(ring.points[i]!).toBeGreaterThanOrEqual(ring.points[i - 1]!)
    }
    const perOwner = [0, 0, 0]
    for (const o of ring.owners) perOwner[o]!++
    expect(perOwner).toEqual([100, 100, 100])
  })

  it('finds the first point at or after a key, wrapping past the last', () => {
    const points = Float64Array.of(10, 20, 30)
    expect(lowerBound(points, 5)).toBe(0)
    expect(lowerBound(points, 10)).toBe(0)
    expect(lowerBound(points, 11)).toBe(1)
    expect(lowerBound(points, 30)).toBe(2)
    expect(lowerBound(points, 31)).toBe(0)
    expect(lowerBound(new Float64Array(0), 1)).toBe(0)
  })

  it('hashes names stably and distinctly', () => {
    expect(hashName('gpu-1')).toBe(hashName('gpu-1'))
    expect(hashName('gpu-1')).not.toBe(hashName('gpu-2'))
    expect(hashName('gpu-1')).toBeLessThan(2 ** 52)
  })
})
