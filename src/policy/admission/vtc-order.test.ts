/** @module The VTC order with worked numbers: weights, the idle lift, live service, FIFO. */
import { describe, expect, it } from 'vitest'
import { VtcOrder } from './vtc-order.js'

describe('VtcOrder', () => {
  it('serves the smallest counter, service divided by weight (module example)', () => {
    const q = new VtcOrder<string>()
    q.push('a0', 'a', 1)
    q.push('b0', 'b', 2)
    q.charge('a', 5000)
    q.charge('b', 4000) // 4,000 / 2 = 2,000
    expect([q.counter('a'), q.counter('b')]).toEqual([5000, 2000])
    expect(q.pop()).toEqual({ tenant: 'b', item: 'b0' })
  })

  it('breaks ties by the tenant seen first, and keeps FIFO within a tenant', () => {
    const q = new VtcOrder<string>()
    q.push('b0', 'b')
    q.push('a0', 'a')
    q.push('b1', 'b')
    expect([q.pop()?.item, q.pop()?.item, q.pop()?.item]).toEqual(['b0', 'b1', 'a0'])
  })

  it('lifts a tenant that rejoins to the smallest backlogged counter, and only then', () => {
    const q = new VtcOrder<string>()
    q.push('b0', 'b')
    q.charge('b', 300)
    q.push('a0', 'a') // a rejoins empty-handed: 0 → 300
    expect(q.counter('a')).toBe(300)
    q.charge('a', 50)
    q.push('a1', 'a') // already backlogged: no lift
    expect(q.counter('a')).toBe(350)
  })

  it('adds live service to the counters it compares', () => {
    const running = new Map([['a', 1000]])
    const q = new VtcOrder<string>((t) => running.get(t) ?? 0)
    q.push('a0', 'a')
    q.push('b0', 'b') // b rejoins: lifted to a's 0 + 1,000 live
    expect(q.counter('b')).toBe(1000)
    running.set('a', 1200)
    expect(q.peek()?.tenant).toBe('b')
  })

  it('puts a preempted item back at its tenant’s head and removes items anywhere', () => {
    const q = new VtcOrder<string>()
    q.push('a0', 'a')
    q.push('a1', 'a')
    q.pushFront('a-back', 'a')
    expect(q.remove('a0', 'a')).toBe(true)
    expect(q.remove('zz', 'a')).toBe(false)
    expect([q.length, q.pop()?.item, q.pop()?.item, q.pop()]).toEqual([
      2,
      'a-back',
      'a1',
      undefined,
    ])
  })
})
