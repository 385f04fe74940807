import { describe, expect, it } from 'vitest'
import { createPoolQueue, FairQueue } from './fair-queue.js'

describe('FairQueue (virtual token counters)', () => {
  it('serves a light tenant ahead of a heavy one that has used more tokens', () => {
    const q = new FairQueue<string>(100)
    for (let i = 0; i < 5; i++) q.push('heavy', `h${i}`)
    q.push('light', 'l0')
    const order: string[] = []
    for (let next = q.pop(); next; next = q.pop()) {
      order.push(next.item)
      q.charge(next.tenant, next.tenant === 'heavy' ? 1000 : 100)
    }
    // heavy goes first (seen first, counters equal), then light, whose counter stays lower.
    expect(order.slice(0, 2)).toEqual(['h0', 'l0'])
    expect(order).toHaveLength(6)
  })

  it('weights shares: weight 2 gets about twice the tokens of weight 1 under backlog', () => {
    const q = new FairQueue<number>(10_000)
    for (let i = 0; i < 3000; i++) {
      q.push('a', i, 2)
      q.push('b', i, 1)
    }
    const served = { a: 0, b: 0 }
    for (let k = 0; k < 3000; k++) {
      const next = q.pop()!
      served[next.tenant as 'a' | 'b'] += 100
      q.charge(next.tenant, 100)
    }
    expect(served.a / served.b).toBeGreaterThan(1.9)
    expect(served.a / served.b).toBeLessThan(2.1)
  })

  it('gives a returning tenant no credit for its idle time', () => {
    const q = new FairQueue<number>(100)
    q.push('a', 1)
    q.pop()
    q.charge('a', 10)
    q.push('b', 1)
    q.charge('b', 5000) // b has been served a lot while a was idle
    q.push('b', 2)
    q.push('a', 2) // a re-joins: lifted to b's counter, not left at 10
    expect(q.counter('a')).toBe(q.counter('b'))
  })

  it('is bounded and removes timed-out items', () => {
    const q = new FairQueue<string>(2)
    expect(q.push('a', 'x')).toBe(true)
    expect(q.push('b', 'y')).toBe(true)
    expect(q.push('a', 'z')).toBe(false)
    expect(q.remove('a', 'x')).toBe(true)
    expect(q.size).toBe(1)
    expect(q.pop()?.item).toBe('y')
    expect(q.pop()).toBeUndefined()
  })
})

describe('pool queues by admission policy', () => {
  const drain = (q: ReturnType<typeof createPoolQueue<string>>): string[] => {
    const out: string[] = []
    for (let next = q.pop(); next; next = q.pop()) out.push(`${next.tenant}:${next.item}`)
    return out
  }

  it('fcfs serves in arrival order across tenants', () => {
    const q = createPoolQueue<string>('fcfs', 10)
    q.push('a', 'x', 1, { arrival: 0, priority: undefined })
    q.push('b', 'y', 5, { arrival: 1, priority: 0 })
    q.push('a', 'z', 1, { arrival: 2, priority: undefined })
    expect(drain(q)).toEqual(['a:x', 'b:y', 'a:z'])
  })

  it("priority-edf serves by deadline: arrival + the tenant's class target", () => {
    const q = createPoolQueue<string>('priority-edf', 10)
    q.push('batch', 'b1', 1, { arrival: 0, priority: 2 }) // 60
    q.push('std', 's1', 1, { arrival: 0, priority: undefined }) // 10
    q.push('chat', 'c1', 1, { arrival: 5, priority: 0 }) // 7
    q.push('chat', 'c2', 1, { arrival: 9, priority: 0 }) // 11
    expect(q.remove('std', 'nope')).toBe(false)
    expect(drain(q)).toEqual(['chat:c1', 'std:s1', 'chat:c2', 'batch:b1'])
  })

  it('is bounded and removes waiting items', () => {
    const q = createPoolQueue<string>('priority-edf', 2)
    const meta = { arrival: 0, priority: 0 }
    expect(q.push('a', 'x', 1, meta)).toBe(true)
    expect(q.push('a', 'y', 1, meta)).toBe(true)
    expect(q.push('a', 'z', 1, meta)).toBe(false)
    expect(q.remove('a', 'x')).toBe(true)
    expect(q.size).toBe(1)
    expect(drain(q)).toEqual(['a:y'])
  })

  it('fair-share is the VTC FairQueue', () => {
    expect(createPoolQueue('fair-share', 5)).toBeInstanceOf(FairQueue)
  })
})
