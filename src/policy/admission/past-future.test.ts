import { describe, expect, it } from 'vitest'
import { engineView, reqView } from '../../../test/policy/admission-fixture.js'
import { createPastFuture } from './past-future.js'
import type { RequestView } from './types.js'

/** learn finishes `n` requests of `output` tokens, so the history says outputs are that long. */
function learned(n: number, output: number) {
  const p = createPastFuture({ warmup: 1 })
  for (let i = 0; i < n; i++) p.onFinish!(reqView({ generated: output }), 0)
  return p
}

describe('past-future', () => {
  it('does not admit a request whose forecast peak exceeds the KV cache', () => {
    // History: every output is 1,000 tokens. 100 blocks × 16 = 1,600 tokens of KV.
    const p = learned(50, 1000)
    const q = p.queue!
    const running: RequestView[] = [reqView({ id: 1, promptTokens: 200, generated: 100 })]
    const view = engineView({ numBlocks: 100, numFreeBlocks: 80, running })
    // Running: 300 now, 1,200 at its end (t = 900). A 100-token candidate ends at t = 1,000
    // holding 1,100, and at t = 900 both hold 1,200 + 1,000 = 2,200 tokens > 1,600: refused,
    // though 80 blocks are free now (vLLM would admit it).
    const cand = reqView({ id: 2, promptTokens: 100 })
    q.push(cand, 0, view)
    expect(q.peek(0, view)).toBeUndefined()
    // With twice the cache it fits, and is admitted.
    const roomy = engineView({ numBlocks: 200, running })
    expect(q.peek(0, roomy)).toEqual({ req: cand, verdict: 'admit' })
  })

  it('never looks at a true output length: the view has none', () => {
    const p = learned(50, 10)
    const q = p.queue!
    const view = engineView({ numBlocks: 100, running: [reqView({ id: 1, promptTokens: 50 })] })
    // Short past outputs: a 100-token prompt fits next to a 50-token one.
    const cand = reqView({ id: 2, promptTokens: 100 })
    q.push(cand, 0, view)
    expect(q.peek(0, view)?.req).toBe(cand)
    expect('outputTokens' in cand).toBe(false)
  })

  it('admits as vLLM does while warming up, and always on an idle engine', () => {
    const cold = createPastFuture({ warmup: 5 })
    const view = engineView({ numBlocks: 10, running: [reqView({ id: 1, promptTokens: 150 })] })
    const big = reqView({ id: 2, promptTokens: 10_000 })
    cold.queue!.push(big, 0, view)
    expect(cold.queue!.peek(0, view)?.verdict).toBe('admit')
    const warm = learned(50, 1000)
    warm.queue!.push(big, 0, view)
    expect(warm.queue!.peek(0, view)).toBeUndefined()
    expect(warm.queue!.peek(0, engineView({ numBlocks: 10 }))?.verdict).toBe('admit')
  })

  it('resumes preempted requests first', () => {
    const q = learned(50, 10).queue!
    const view = engineView()
    q.push(reqView({ id: 1 }), 0, view)
    const back = reqView({ id: 2, generated: 3, preemptions: 1 })
    q.pushPreempted(back, 1, view)
    expect(q.peek(1, view)?.req).toBe(back)
  })
})
