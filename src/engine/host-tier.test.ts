/** @module Tests for the host-memory KV tier. */
import { describe, expect, it } from 'vitest'
import { HostTier } from './host-tier.js'

describe('HostTier', () => {
  it('keeps at most `capacity` blocks, dropping the least recently used', () => {
    const t = new HostTier(3)
    for (const h of [10, 11, 12]) t.put(h)
    expect(t.hashes()).toEqual([10, 11, 12])
    expect(t.touch(10)).toBe(true) // 10 is now the most recently used
    t.put(13) // full: 11 goes
    expect(t.hashes()).toEqual([12, 10, 13])
    expect(t.has(11)).toBe(false)
    t.put(12) // already held: refreshed, nothing dropped
    expect(t.hashes()).toEqual([10, 13, 12])
    expect(t.size).toBe(3)
    expect(t.peak).toBe(3)
    expect(t.stores).toBe(4)
    expect(t.evictions).toBe(1)
    expect(t.touch(11)).toBe(false)
  })

  it('reuses slots over many evictions without losing track of any', () => {
    const t = new HostTier(64)
    for (let h = 0; h < 10_000; h++) t.put(h * 7919)
    expect(t.size).toBe(64)
    const held = t.hashes()
    expect(held.length).toBe(64)
    for (const h of held) expect(t.has(h)).toBe(true)
    expect(t.evictions).toBe(10_000 - 64)
  })

  it('rejects a non-positive capacity', () => {
    expect(() => new HostTier(0)).toThrow(RangeError)
  })
})
