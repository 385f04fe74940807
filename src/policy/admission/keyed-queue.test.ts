import { describe, expect, it } from 'vitest'
import { createRng } from '../../util/rng.js'
import { KeyedQueue } from './keyed-queue.js'

const drain = <T>(q: KeyedQueue<T>): T[] => {
  const out: T[] = []
  for (let x = q.pop(); x !== undefined; x = q.pop()) out.push(x)
  return out
}

describe('KeyedQueue', () => {
  it('is FIFO with one key, and puts front pushes first, the last one first', () => {
    const q = new KeyedQueue<string>()
    q.push('a')
    q.push('b')
    q.pushFront('p1')
    q.push('c')
    q.pushFront('p2')
    expect(drain(q)).toEqual(['p2', 'p1', 'a', 'b', 'c'])
  })

  it('orders by key, ties in push order, and removes from anywhere', () => {
    const q = new KeyedQueue<number>()
    const rng = createRng(7)
    const items = Array.from({ length: 500 }, (_, i) => ({ i, key: Math.floor(rng() * 20) }))
    for (const it of items) q.push(it.i, it.key)
    const gone = new Set<number>()
    for (let i = 0; i < 500; i += 7) {
      expect(q.remove(i)).toBe(true)
      gone.add(i)
    }
    expect(q.remove(7)).toBe(false) // already gone
    expect(q.length).toBe(500 - gone.size)
    const want = items
      .filter((x) => !gone.has(x.i))
      .sort((a, b) => a.key - b.key || a.i - b.i)
      .map((x) => x.i)
    expect(drain(q)).toEqual(want)
  })

  it('peeks the head and its key without removing it', () => {
    const q = new KeyedQueue<string>()
    expect(q.peek()).toBeUndefined()
    expect(q.peekKey()).toBeUndefined()
    q.push('late', 5)
    q.push('early', 2)
    expect(q.peek()).toBe('early')
    expect(q.peekKey()).toBe(2)
    expect([...q.values()].sort()).toEqual(['early', 'late'])
    expect(q.length).toBe(2)
  })
})
