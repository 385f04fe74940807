/** @module Tests for moving a request between engines: detach on one, adopt on another. */
import { describe, expect, it } from 'vitest'
import { getGpu, getModel } from '../catalog/index.js'
import { createIterationModel } from '../perf/iteration.js'
import { blockHashes } from '../trace/prompt.js'
import { uniqueKey } from '../trace/types.js'
import { DEFAULT_ENGINE } from './config.js'
import { Engine } from './engine.js'
import { SeqStatus, Sequence } from './sequence.js'

const model = createIterationModel({
  gpu: getGpu('h100-80g'),
  model: getModel('llama-3.1-8b'),
  tp: 1,
  dtype: 'bf16',
})

function engine(blocks: number) {
  const finished: Sequence[] = []
  const e = new Engine({ ...DEFAULT_ENGINE, maxModelLen: 1 << 20 }, model, blocks, {
    onFinish: (s) => finished.push(s),
  })
  return { e, finished }
}

function seq(id: number, prompt: number, output: number): Sequence {
  return new Sequence({
    id,
    arrival: 0,
    promptTokens: prompt,
    outputTokens: output,
    blockHashes: blockHashes([{ key: uniqueKey(id), tokens: prompt }], 16),
  })
}

/** run steps an engine until idle, returning the end time. */
function run(e: Engine, t: number): number {
  for (;;) {
    const dt = e.step(t)
    if (dt === 0) return t
    t += dt
    e.complete(t)
  }
}

describe('detach and adopt', () => {
  it('moves a prefilled request without recomputing its prompt, and it finishes once', () => {
    const a = engine(1000)
    const b = engine(1000)
    const s = seq(1, 1000, 10)
    a.e.add(s)
    let t = a.e.step(0)
    a.e.complete(t)
    expect(s.generated).toBe(1)
    expect(a.e.detach(s)).toBe(true)
    expect(s.status).toBe(SeqStatus.Detached)
    expect(a.e.numRunning).toBe(0)
    expect(a.e.pendingPrefillTokens).toBe(0)
    a.e.checkInvariants()
    // The prompt's blocks stay findable in the source's prefix cache.
    expect(a.e.cachedPrefixBlocks(s.blockHashes)).toBe(62)

    s.preloaded = s.numComputed
    expect(b.e.adopt(s)).toBeUndefined()
    expect(b.e.pendingPrefillTokens).toBe(0)
    const before = b.e.counters.computedTokens
    t = run(b.e, t)
    // Nine decode steps of one token each; no prompt token computed again.
    expect(b.e.counters.computedTokens - before).toBe(9)
    expect(b.finished).toEqual([s])
    expect(a.finished).toEqual([])
    expect(s.generated).toBe(10)
    expect(a.e.counters.detached).toBe(1)
    b.e.checkInvariants()
  })

  it('makes an adopted request wait while the target has no blocks for its KV', () => {
    const b = engine(70) // 1,120 tokens of KV
    const big = seq(1, 1000, 100)
    b.e.add(big)
    b.e.complete(b.e.step(0)) // holds 63 blocks
    const s = seq(2, 300, 5)
    s.preloaded = 300
    s.generated = 1
    s.firstTokenAt = 0
    s.lastTokenAt = 0
    b.e.adopt(s)
    b.e.complete(0.1 + b.e.step(0.1))
    expect(s.status).toBe(SeqStatus.Waiting)
    expect(b.e.numWaiting).toBe(1)
    run(b.e, 1)
    expect(s.status).toBe(SeqStatus.Finished)
    b.e.checkInvariants()
  })

  it('refuses to detach a request that is not running', () => {
    const a = engine(100)
    const s = seq(1, 100, 2)
    expect(a.e.detach(s)).toBe(false)
    a.e.add(s)
    expect(a.e.detach(s)).toBe(false)
  })
})
