import { describe, expect, it } from 'vitest'
import { chainHash } from '../util/hash.js'
import { createRng } from '../util/rng.js'
import { HashIndex } from './hash-index.js'

describe('HashIndex', () => {
  it('agrees with Map over a long random sequence of set/get/delete', () => {
    const rng = createRng(3)
    const idx = new HashIndex(500)
    const ref = new Map<number, number>()
    // A small key universe forces collisions, chain shifts and re-inserts.
    const keys = Array.from({ length: 700 }, (_, i) => chainHash(7, i))
    for (let step = 0; step < 200_000; step++) {
      const k = keys[Math.floor(rng() * keys.length)]!
      const op = rng()
      if (op < 0.45 && (ref.size < 500 || ref.has(k))) {
        const v = Math.floor(rng() * 1000)
        idx.set(k, v)
        ref.set(k, v)
      } else if (op < 0.75) {
        expect(idx.delete(k)).toBe(ref.delete(k))
      } else {
        expect(idx.get(k)).toBe(ref.get(k) ?? -1)
      }
      expect(idx.size).toBe(ref.size)
    }
    expect(new Map(idx.entries())).toEqual(ref)
  })

  it('refuses to grow past its capacity', () => {
    const idx = new HashIndex(8)
    for (let i = 0; i < 8; i++) idx.set(chainHash(1, i), i)
    expect(() => idx.set(chainHash(2, 0), 0)).toThrow(/capacity/)
  })
})
