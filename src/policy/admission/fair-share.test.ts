import { describe, expect, it } from 'vitest'
import { engineView, reqView } from '../../../test/policy/admission-fixture.js'
import { createFairShare } from './fair-share.js'
import type { RequestView } from './types.js'

describe('fair-share (VTC)', () => {
  it('admits from the tenant with the least service, FIFO within a tenant', () => {
    const p = createFairShare()
    const q = p.queue!
    const running: RequestView[] = []
    const view = engineView({ running })
    for (let i = 0; i < 4; i++)
      q.push(reqView({ id: i, tenant: 'heavy', promptTokens: 1000 }), 0, view)
    q.push(reqView({ id: 10, tenant: 'light', promptTokens: 100 }), 0, view)
    const admit = () => {
      const o = q.peek(0, view)!
      q.pop(o.req, 0)
      running.push(o.req)
      return o.req.id
    }
    // Counters tie at 0: the first tenant seen goes first; then light (100 < 1,000).
    expect([admit(), admit(), admit()]).toEqual([0, 10, 1])
  })

  it('counts output as it is generated (×2) and gives no credit for idle time', () => {
    const p = createFairShare()
    const q = p.queue!
    const a1 = reqView({ id: 1, tenant: 'a', promptTokens: 10 })
    const running: RequestView[] = [{ ...a1, generated: 500 }] // a streams 500 tokens
    const view = engineView({ running })
    q.push(reqView({ id: 2, tenant: 'b', promptTokens: 10 }), 0, view)
    q.push(reqView({ id: 3, tenant: 'a', promptTokens: 10 }), 0, view)
    // a: 0 input charged here, 1,000 live output; b was lifted to nothing (no one backlogged).
    expect(q.peek(0, view)?.req.id).toBe(2)
    // b idles while a is served a lot; when b comes back it starts level with a, not below.
    const q2 = createFairShare().queue!
    const v2 = engineView({ running: [] })
    q2.push(reqView({ id: 1, tenant: 'a', promptTokens: 5000 }), 0, v2)
    q2.pop(q2.peek(0, v2)!.req, 0) // a charged 5,000
    q2.push(reqView({ id: 2, tenant: 'a', promptTokens: 10 }), 1, v2)
    q2.push(reqView({ id: 3, tenant: 'b', promptTokens: 10 }), 1, v2) // lifted to 5,000
    q2.push(reqView({ id: 4, tenant: 'a', promptTokens: 10 }), 1, v2)
    const ids: number[] = []
    for (let o = q2.peek(1, v2); o; o = q2.peek(1, v2)) {
      ids.push(o.req.id)
      q2.pop(o.req, 1)
    }
    // Level counters: a (seen first) goes, then b (5,000 + 10 < 5,010 + …), then a.
    expect(ids).toEqual([2, 3, 4])
  })

  it('keeps a preempted request’s output counted and charges input once', () => {
    const p = createFairShare()
    const q = p.queue!
    const view = engineView()
    const r = reqView({ id: 1, tenant: 'a', promptTokens: 100 })
    q.push(r, 0, view)
    q.push(reqView({ id: 2, tenant: 'b', promptTokens: 150 }), 0, view)
    q.pop(q.peek(0, view)!.req, 0) // a: 100
    q.pop(q.peek(0, view)!.req, 0) // b: 150
    q.push(reqView({ id: 3, tenant: 'b', promptTokens: 10 }), 1, view)
    q.pushPreempted({ ...r, generated: 40, preemptions: 1 }, 1, view) // a: 100 + 80 = 180
    expect(q.peek(1, view)?.req.id).toBe(3) // b (150) < a (180)
    expect([...q.requests()].map((x) => x.id).sort()).toEqual([1, 3])
    expect(q.remove(r)).toBe(false) // it is the preempted copy that waits
    expect(q.length).toBe(2)
  })
})
