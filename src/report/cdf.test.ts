import { describe, expect, it } from 'vitest'
import { cdfPoints, fractionAtMost } from './cdf.js'

describe('cdfPoints', () => {
  it('pairs values with evenly spaced quantiles and drops NaN', () => {
    expect(cdfPoints([1, 2, Number.NaN, 4, 5])).toEqual([
      [1, 0],
      [2, 0.25],
      [4, 0.75],
      [5, 1],
    ])
    expect(cdfPoints([3])).toEqual([[3, 1]])
    expect(cdfPoints([])).toEqual([])
  })
})

describe('fractionAtMost', () => {
  it('interpolates between the quantiles around the threshold', () => {
    expect(fractionAtMost([0.1, 0.3, 0.9], 0.6)).toBeCloseTo(0.75)
    expect(fractionAtMost([0.1, 0.3, 0.9], 0.05)).toBe(0)
    expect(fractionAtMost([0.1, 0.3, 0.9], 0.9)).toBe(1)
    expect(fractionAtMost([0.1, 0.3, 0.3, 0.9], 0.3)).toBeCloseTo(2 / 3)
  })
  it('is NaN without data', () => {
    expect(fractionAtMost([], 1)).toBeNaN()
  })
})
