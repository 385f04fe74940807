/**
 * @module The simulator's event order: `compareEvents` (time, then kind StepDone < Arrival <
 * Kick, then insertion sequence) and the `EventQueue` heap, which must pop in exactly that order
 * for many random events with heavy ties, pushed all at once or interleaved with pops.
 */
import { describe, expect, it } from 'vitest'
import {
  compareEvents,
  EventKind,
  EventQueue,
  rankOf,
  type SimEvent,
} from '../../src/sim/event-queue.js'
import { createRng } from '../../src/util/rng.js'

const ev = (time: number, kind: EventKind, seq: number, instance = 0): SimEvent => ({
  time,
  kind,
  rank: rankOf(kind),
  seq,
  instance,
})

const KINDS = [EventKind.StepDone, EventKind.Transfer, EventKind.Arrival, EventKind.Kick] as const

describe('compareEvents', () => {
  it('orders by time first, whatever the kind and sequence', () => {
    expect(compareEvents(ev(1, EventKind.Kick, 9), ev(2, EventKind.StepDone, 0))).toBeLessThan(0)
    expect(compareEvents(ev(2, EventKind.StepDone, 0), ev(1, EventKind.Kick, 9))).toBeGreaterThan(0)
    expect(
      compareEvents(ev(0.1, EventKind.Arrival, 5), ev(0.2, EventKind.Arrival, 1)),
    ).toBeLessThan(0)
  })

  it('at equal time: StepDone < Transfer < Arrival < Kick', () => {
    expect(EventKind.StepDone).toBeLessThan(EventKind.Transfer)
    expect(EventKind.Transfer).toBeLessThan(EventKind.Arrival)
    expect(compareEvents(ev(3, EventKind.Transfer, 9), ev(3, EventKind.Arrival, 1))).toBeLessThan(0)
    expect(EventKind.Arrival).toBeLessThan(EventKind.Kick)
    const step = ev(3, EventKind.StepDone, 10)
    const arrival = ev(3, EventKind.Arrival, 5)
    const kick = ev(3, EventKind.Kick, 0)
    expect(compareEvents(step, arrival)).toBeLessThan(0)
    expect(compareEvents(arrival, kick)).toBeLessThan(0)
    expect(compareEvents(step, kick)).toBeLessThan(0)
    expect(compareEvents(kick, arrival)).toBeGreaterThan(0)
    expect(compareEvents(arrival, step)).toBeGreaterThan(0)
  })

  it('at equal time and kind: by sequence number', () => {
    expect(compareEvents(ev(3, EventKind.Kick, 1), ev(3, EventKind.Kick, 2))).toBeLessThan(0)
    expect(compareEvents(ev(3, EventKind.Kick, 2), ev(3, EventKind.Kick, 1))).toBeGreaterThan(0)
    expect(compareEvents(ev(3, EventKind.Kick, 2, 0), ev(3, EventKind.Kick, 2, 7))).toBe(0)
  })

  it('sorts a shuffled list into the documented order', () => {
    const sorted = [
      ev(0, EventKind.StepDone, 3),
      ev(0, EventKind.Arrival, 1),
      ev(0, EventKind.Arrival, 2),
      ev(0, EventKind.Kick, 0),
      ev(1, EventKind.StepDone, 7),
      ev(1, EventKind.Kick, 4),
      ev(2.5, EventKind.Arrival, 5),
    ]
    const shuffled = [
      sorted[4]!,
      sorted[6]!,
      sorted[2]!,
      sorted[0]!,
      sorted[5]!,
      sorted[3]!,
      sorted[1]!,
    ]
    expect([...shuffled].sort(compareEvents)).toEqual(sorted)
  })
})

describe('EventQueue', () => {
  it('is empty to begin with', () => {
    const q = new EventQueue()
    expect(q.size).toBe(0)
    expect(q.peek()).toBeUndefined()
    expect(q.pop()).toBeUndefined()
  })

  it('numbers events in push order', () => {
    const q = new EventQueue()
    const a = q.push(5, EventKind.Kick, 2)
    const b = q.push(5, EventKind.Kick, 1)
    expect(b.seq).toBeGreaterThan(a.seq)
    expect(q.pop()).toBe(a)
    expect(q.pop()).toBe(b)
  })

  it('pops 10,000 random events in exactly sorted order', () => {
    const rng = createRng(42)
    const q = new EventQueue()
    const pushed: SimEvent[] = []
    for (let i = 0; i < 10_000; i++) {
      // Few distinct times and kinds, so ties on time and on kind are frequent.
      const time = Math.floor(rng() * 50) / 4
      const kind = KINDS[Math.floor(rng() * 3)]!
      pushed.push(q.push(time, kind, Math.floor(rng() * 16)))
    }
    expect(q.size).toBe(10_000)
    const popped: SimEvent[] = []
    for (let e = q.pop(); e; e = q.pop()) popped.push(e)
    expect(q.size).toBe(0)
    expect(popped).toEqual([...pushed].sort(compareEvents))
    for (let i = 1; i < popped.length; i++) {
      expect(compareEvents(popped[i - 1]!, popped[i]!)).toBeLessThan(0)
    }
  })

  it('keeps the minimum on top when pushes and pops interleave', () => {
    const rng = createRng(7)
    const q = new EventQueue()
    const live: SimEvent[] = []
    let now = 0
    for (let i = 0; i < 5_000; i++) {
      if (live.length > 0 && rng() < 0.4) {
        live.sort(compareEvents)
        const want = live.shift()!
        expect(q.peek()).toBe(want)
        expect(q.pop()).toBe(want)
        now = want.time
      } else {
        // As in the simulator, new events are never scheduled before the current time.
        const time = now + Math.floor(rng() * 8) / 8
        live.push(q.push(time, KINDS[Math.floor(rng() * 3)]!, i % 5))
      }
      expect(q.size).toBe(live.length)
    }
  })
})
