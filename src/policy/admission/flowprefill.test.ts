import { describe, expect, it } from 'vitest'
import { engineView, reqView } from '../../../test/policy/admission-fixture.js'
import { createFlowPrefill } from './flowprefill.js'

describe('flowprefill', () => {
  it('a long running prefill steps aside only while a short request waits', () => {
    const p = createFlowPrefill({ shortTokens: 1024 })
    const view = engineView()
    const long = reqView({ id: 1, promptTokens: 20_000, numComputed: 8192 })
    expect(p.defersPrefill!(long, 1, view)).toBe(false) // nobody waits
    p.queue!.push(reqView({ id: 2, promptTokens: 5000 }), 1, view)
    expect(p.defersPrefill!(long, 1, view)).toBe(false) // only a long one waits
    p.queue!.push(reqView({ id: 3, promptTokens: 500 }), 1, view)
    expect(p.defersPrefill!(long, 1, view)).toBe(true)
    expect(p.queue!.peek(1, view)?.req.id).toBe(3) // short first
    // A prefill with little left does not step aside, nor one past its own TTFT deadline.
    expect(p.defersPrefill!(reqView({ promptTokens: 20_000, numComputed: 19_500 }), 1, view)).toBe(
      false,
    )
    expect(p.defersPrefill!(long, 10.5, view)).toBe(false) // standard class: 10 s target
  })
})
