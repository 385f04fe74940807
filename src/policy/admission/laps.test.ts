import { describe, expect, it } from 'vitest'
import { engineView, reqView } from '../../../test/policy/admission-fixture.js'
import { createLaps } from './laps.js'
import type { EngineView, WaitQueue } from './types.js'

const busy = engineView({ running: [reqView({ id: 99 })] })

function takeAll(q: WaitQueue, now: number, view: EngineView): number[] {
  const ids: number[] = []
  for (let o = q.peek(now, view); o; o = q.peek(now, view)) {
    ids.push(o.req.id)
    q.pop(o.req, now)
  }
  return ids
}

describe('laps', () => {
  it('splits on uncached prompt tokens and serves short prompts first', () => {
    const q = createLaps({ shortTokens: 256, window: 0 }).queue!
    q.push(reqView({ id: 1, promptTokens: 4000 }), 0, busy)
    q.push(reqView({ id: 2, promptTokens: 200 }), 0, busy)
    // 1,000 tokens of which 900 are cached: 100 to compute, so short.
    q.push(
      reqView({ id: 3, promptTokens: 1000 }),
      0,
      engineView({ cached: 900, running: busy.running }),
    )
    q.push(reqView({ id: 4, promptTokens: 300 }), 0, busy)
    expect(takeAll(q, 0, busy)).toEqual([2, 3, 1, 4])
  })

  it('holds long prompts until the window passes, then releases them together', () => {
    const q = createLaps({ shortTokens: 256, window: 0.1 }).queue!
    q.push(reqView({ id: 1, promptTokens: 1000 }), 0, busy)
    q.push(reqView({ id: 2, promptTokens: 1000 }), 0.05, busy)
    expect(q.peek(0.09, busy)).toBeUndefined()
    q.push(reqView({ id: 3, promptTokens: 100 }), 0.09, busy)
    expect(takeAll(q, 0.09, busy)).toEqual([3]) // short ones are not held
    expect(takeAll(q, 0.1, busy)).toEqual([1, 2]) // the oldest waited 0.1 s: both go
    // A long one arriving after the release opens a new window.
    q.push(reqView({ id: 4, promptTokens: 1000 }), 0.2, busy)
    expect(q.peek(0.25, busy)).toBeUndefined()
    expect(takeAll(q, 0.31, busy)).toEqual([4])
  })

  it('releases at once when the long prompts fill an iteration, or when the engine is idle', () => {
    const q = createLaps({ shortTokens: 256, window: 10 }).queue!
    const view = engineView({ maxNumBatchedTokens: 3000, running: busy.running })
    q.push(reqView({ id: 1, promptTokens: 1000 }), 0, view)
    q.push(reqView({ id: 2, promptTokens: 1000 }), 0, view)
    expect(q.peek(0, view)).toBeUndefined()
    q.push(reqView({ id: 3, promptTokens: 1000 }), 0, view)
    expect(takeAll(q, 0, view)).toEqual([1, 2, 3])
    q.push(reqView({ id: 4, promptTokens: 1000 }), 1, view)
    expect(q.peek(1, view)).toBeUndefined()
    expect(q.peek(1, engineView())?.req.id).toBe(4) // nothing running: no reason to wait
  })

  it('removes waiting requests from either queue', () => {
    const q = createLaps({ window: 0 }).queue!
    const long = reqView({ id: 1, promptTokens: 5000 })
    const short = reqView({ id: 2, promptTokens: 5 })
    q.push(long, 0, busy)
    q.push(short, 0, busy)
    expect(q.remove(long)).toBe(true)
    expect(q.remove(long)).toBe(false)
    expect(q.length).toBe(1)
    expect([...q.requests()]).toEqual([short])
  })
})
