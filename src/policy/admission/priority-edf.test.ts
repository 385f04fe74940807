import { describe, expect, it } from 'vitest'
import { engineView, reqView } from '../../../test/policy/admission-fixture.js'
import { classTarget, createPriorityEdf, DEFAULT_CLASS_TARGETS } from './priority-edf.js'

describe('priority-edf', () => {
  it('admits in deadline order: arrival + class target', () => {
    const p = createPriorityEdf()
    const q = p.queue!
    const view = engineView()
    const batch = reqView({ id: 1, arrival: 0, priority: 2 }) // deadline 60
    const standard = reqView({ id: 2, arrival: 1 }) // no class: standard, deadline 11
    const chat = reqView({ id: 3, arrival: 5, priority: 0 }) // deadline 7
    for (const r of [batch, standard, chat]) q.push(r, r.arrival, view)
    const order: number[] = []
    for (let o = q.peek(6, view); o; o = q.peek(6, view)) {
      expect(o.verdict).toBe('admit')
      order.push(o.req.id)
      q.pop(o.req, 6)
    }
    expect(order).toEqual([3, 2, 1])
    expect(q.length).toBe(0)
  })

  it('sheds a request that never started once it is a class target past its deadline', () => {
    const q = createPriorityEdf().queue!
    const view = engineView()
    const chat = reqView({ id: 1, arrival: 0, priority: 0 }) // deadline 2, shed after 4
    q.push(chat, 0, view)
    expect(q.peek(4, view)?.verdict).toBe('admit')
    expect(q.peek(4.01, view)?.verdict).toBe('shed')
    // A preempted request has streamed output: it is never shed.
    q.pop(chat, 4.01)
    const resumed = reqView({ id: 2, arrival: 0, priority: 0, generated: 5, preemptions: 1 })
    q.pushPreempted(resumed, 100, view)
    expect(q.peek(100, view)?.verdict).toBe('admit')
  })

  it('never sheds with shedAfter = Infinity; classes past the table take the last target', () => {
    const q = createPriorityEdf({ shedAfter: Number.POSITIVE_INFINITY }).queue!
    q.push(reqView({ arrival: 0, priority: 0 }), 0, engineView())
    expect(q.peek(1e9, engineView())?.verdict).toBe('admit')
    expect(classTarget(7)).toBe(DEFAULT_CLASS_TARGETS.at(-1))
    expect(classTarget(undefined)).toBe(DEFAULT_CLASS_TARGETS[1])
  })
})
