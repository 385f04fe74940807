/** @module The tokens-per-minute bucket: reservations, draws, settlement and debt. */
import { describe, expect, it } from 'vitest'
import { TokenBucket } from './quota.js'

describe('TokenBucket', () => {
  it('refills per minute and says how long to wait', () => {
    const b = new TokenBucket(1000, 0)
    expect(b.reserve(900, 0)).toBe(0)
    expect(b.reserve(300, 0)).toBeCloseTo(12, 9) // 100 left, 200 short at 1000/60 per s
    expect(b.reserve(300, 12)).toBe(0)
    expect(b.reserve(2000, 12)).toBe(Number.POSITIVE_INFINITY)
    b.settle(50, 12)
    expect(b.balance(12)).toBeCloseTo(50, 9)
    expect(b.balance(1e6)).toBe(1000)
  })

  it('draws only what it holds', () => {
    const b = new TokenBucket(600, 0)
    expect(b.draw(500, 0)).toBe(true)
    expect(b.draw(200, 0)).toBe(false)
    expect(b.balance(0)).toBe(100) // a refused draw takes nothing
    expect(b.draw(110, 1)).toBe(true) // 10 refilled in a second
  })

  it('goes into debt when settled past its balance, and admits nothing until repaid', () => {
    const b = new TokenBucket(600, 0)
    expect(b.reserve(600, 0)).toBe(0)
    b.settle(-300, 0) // 300 more were delivered than reserved
    expect(b.balance(0)).toBe(-300)
    // 100 needed from -300: 400 short at 10/s → 40 s.
    expect(b.reserve(100, 0)).toBeCloseTo(40, 9)
    expect(b.fullIn(0)).toBeCloseTo(90, 9)
    expect(b.reserve(100, 40)).toBe(0)
  })
})
