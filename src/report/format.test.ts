import { describe, expect, it } from 'vitest'
import {
  formatCompact,
  formatDuration,
  formatMoney,
  formatPercent,
  formatSeconds,
} from './format.js'

describe('formatDuration', () => {
  it('chooses ms or s for about three significant digits', () => {
    expect(formatDuration(0.000421)).toBe('0.42ms')
    expect(formatDuration(0.0042)).toBe('4.2ms')
    expect(formatDuration(0.123)).toBe('123ms')
    expect(formatDuration(0.9999)).toBe('1.00s')
    expect(formatDuration(1.234)).toBe('1.23s')
    expect(formatDuration(57.49)).toBe('57.5s')
    expect(formatDuration(1234)).toBe('1234s')
    expect(formatDuration(0)).toBe('0ms')
  })
  it('prints a dash for missing values', () => {
    expect(formatDuration(Number.NaN)).toBe('-')
  })
})

describe('other formats', () => {
  it('keeps compact numbers short', () => {
    expect(formatCompact(16.876)).toBe('16.88')
    expect(formatCompact(4056.2)).toBe('4056')
    expect(formatCompact(12345)).toBe('12.3k')
    expect(formatCompact(1_470_000)).toBe('1.47M')
    expect(formatCompact(Number.POSITIVE_INFINITY)).toBe('-')
  })
  it('formats percent, money and thresholds', () => {
    expect(formatPercent(0.9765)).toBe('97.7')
    expect(formatMoney(8.5)).toBe('8.50')
    expect(formatMoney(12345.6)).toBe('12,346')
    expect(formatSeconds(0.05)).toBe('50 ms')
    expect(formatSeconds(1)).toBe('1 s')
    expect(formatSeconds(2.5)).toBe('2.5 s')
  })
})
