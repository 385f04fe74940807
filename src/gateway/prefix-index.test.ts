import { describe, expect, it } from 'vitest'
import { PrefixIndex } from './prefix-index.js'

describe('PrefixIndex', () => {
  it('matches the leading blocks recorded for a backend only', () => {
    const idx = new PrefixIndex(100)
    idx.record('a', [1, 2, 3, 4])
    expect(idx.match('a', [1, 2, 3, 9])).toBe(3)
    expect(idx.match('a', [9, 2, 3])).toBe(0)
    expect(idx.match('b', [1, 2])).toBe(0)
  })

  it('evicts least recently used blocks beyond the capacity', () => {
    const idx = new PrefixIndex()
    idx.setCapacity('a', 4)
    idx.record('a', [1, 2, 3, 4])
    idx.record('a', [1, 2]) // touch 1 and 2: now 3 and 4 are the oldest
    idx.record('a', [7, 8])
    expect(idx.size('a')).toBe(4)
    expect(idx.match('a', [1, 2])).toBe(2)
    expect(idx.match('a', [3])).toBe(0)
    expect(idx.match('a', [7, 8])).toBe(2)
  })

  it('keeps the last blocks of a prompt longer than the whole cache', () => {
    const idx = new PrefixIndex()
    idx.setCapacity('a', 3)
    idx.record('a', [9])
    idx.record('a', [1, 2, 3, 4, 5])
    expect(idx.size('a')).toBe(3)
    expect(idx.match('a', [3, 4, 5])).toBe(3)
    expect(idx.match('a', [9])).toBe(0)
    idx.record('a', [6, 7])
    expect([idx.match('a', [5]), idx.match('a', [6, 7]), idx.match('a', [4])]).toEqual([1, 2, 0])
  })

  it('forgets a backend on reset or when its capacity changes', () => {
    const idx = new PrefixIndex()
    idx.record('a', [1, 2])
    idx.reset('a')
    expect(idx.match('a', [1])).toBe(0)
    idx.record('a', [1, 2])
    idx.setCapacity('a', 10)
    expect(idx.match('a', [1])).toBe(0)
  })
})
