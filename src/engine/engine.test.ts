import { describe, expect, it } from 'vitest'
import { getGpu, getModel } from '../catalog/index.js'
import { createIterationModel } from '../perf/iteration.js'
import { blockHashes } from '../trace/prompt.js'
import { uniqueKey } from '../trace/types.js'
import { createRng } from '../util/rng.js'
import { DEFAULT_ENGINE, type EngineConfig } from './config.js'
import { Engine } from './engine.js'
import { SeqStatus, Sequence } from './sequence.js'

const model = createIterationModel({
  gpu: getGpu('h100-80g'),
  model: getModel('llama-3.1-8b'),
  tp: 1,
  dtype: 'bf16',
})

function makeEngine(numBlocks: number, over: Partial<EngineConfig> = {}) {
  const finished: Sequence[] = []
  const tokens: number[] = []
  const engine = new Engine(
    { ...DEFAULT_ENGINE, maxModelLen: 1 << 20, ...over },
    model,
    numBlocks,
    {
      onToken: (s) => tokens.push(s.id),
      onFinish: (s) => finished.push(s),
    },
  )
  return { engine, finished, tokens }
}

function seq(id: number, prompt: number, output: number, sharedKey?: number, sharedLen = 0) {
  const segments =
    sharedKey === undefined
      ? [{ key: uniqueKey(id), tokens: prompt }]
      : [
          { key: sharedKey, tokens: sharedLen },
          { key: uniqueKey(id), tokens: prompt - sharedLen },
        ]
  return new Sequence({
    id,
    arrival: 0,
    promptTokens: prompt,
    outputTokens: output,
    blockHashes: blockHashes(segments, 16),
  })
}

/** run steps the engine to completion, checking invariants after every step. */
function run(engine: Engine, start = 0, check = true): number {
  let now = start
  let steps = 0
  while (engine.hasWork) {
    const dt = engine.step(now)
    expect(dt).toBeGreaterThan(0)
    if (check) engine.checkInvariants()
    expect(engine.pool.numFree).toBeGreaterThanOrEqual(0)
    now += dt
    engine.complete(now)
    if (check) engine.checkInvariants()
    if (++steps > 1e6) throw new Error('no progress')
  }
  return now
}

describe('Engine', () => {
  it('runs one request: prefill then output−1 decode steps, timestamps in order', () => {
    const { engine, finished } = makeEngine(1000)
    const s = seq(1, 100, 5)
    engine.add(s)
    run(engine)
    expect(finished).toEqual([s])
    expect(s.generated).toBe(5)
    expect(engine.counters.iterations).toBe(5)
    expect(s.scheduledAt).toBe(0)
    expect(s.firstTokenAt).toBeGreaterThan(0)
    expect(s.finishedAt).toBeGreaterThan(s.firstTokenAt)
    expect(engine.pool.numFree).toBe(1000)
    // Four near-equal decode steps (context grows by one token each): the gap summary gives
    // the mean exactly, a max just above it and a variance near zero.
    const mean = (s.lastTokenAt - s.firstTokenAt) / 4
    expect(s.maxItl).toBeGreaterThanOrEqual(mean)
    expect(s.maxItl).toBeLessThan(mean * 1.001)
    const variance = s.itlSumSq / 4 - mean * mean
    expect(variance).toBeGreaterThanOrEqual(-1e-15)
    expect(variance).toBeLessThan(1e-6 * mean * mean)
  })

  it('chunks a long prompt by the token budget', () => {
    const { engine } = makeEngine(1000, { maxNumBatchedTokens: 512 })
    const s = seq(1, 2000, 2)
    engine.add(s)
    run(engine)
    // ceil(2000/512) = 4 prefill chunks, then 1 decode step.
    expect(engine.counters.iterations).toBe(5)
    expect(s.generated).toBe(2)
  })

  it('never holds more blocks than it has and frees all at the end', () => {
    const { engine, finished } = makeEngine(200, { maxNumBatchedTokens: 2048 })
    const rng = createRng(7)
    for (let i = 0; i < 60; i++) {
      engine.add(seq(i, 50 + Math.floor(rng() * 600), 1 + Math.floor(rng() * 300)))
    }
    run(engine)
    expect(finished.length).toBe(60)
    expect(engine.pool.numFree).toBe(200)
    // KV this small for this much work must have preempted, and every request still finished.
    expect(engine.counters.preemptions).toBeGreaterThan(0)
    for (const s of finished) {
      expect(s.status).toBe(SeqStatus.Finished)
      expect(s.generated).toBe(s.outputTokens)
    }
  })

  it('a preempted request resumes by recompute and completes exactly once', () => {
    const { engine, finished, tokens } = makeEngine(40, { maxNumBatchedTokens: 4096 })
    // Two requests of 20 blocks of prompt each grow past 40 blocks together: one must yield.
    const a = seq(1, 300, 200)
    const b = seq(2, 300, 200)
    engine.add(a)
    engine.add(b)
    run(engine)
    expect(a.preemptions + b.preemptions).toBeGreaterThan(0)
    expect(finished.map((s) => s.id).sort()).toEqual([1, 2])
    expect(tokens.filter((id) => id === 1).length).toBe(200)
    expect(tokens.filter((id) => id === 2).length).toBe(200)
    const victim = a.preemptions > 0 ? a : b
    // The stall shows up as a large inter-token gap.
    expect(victim.maxItl).toBeGreaterThan(victim === a ? b.maxItl : a.maxItl)
  })

  it('a resumed request reuses its own surviving blocks, exactly as a hash lookup would', () => {
    const resumeHits = (shareable: boolean) => {
      const { engine } = makeEngine(30, { maxNumBatchedTokens: 4096 })
      const mk = (id: number) => {
        const hashes = blockHashes([{ key: uniqueKey(id), tokens: 160 }], 16)
        return new Sequence({
          id,
          arrival: 0,
          promptTokens: 160,
          outputTokens: 200,
          blockHashes: hashes,
          shareableBlocks: shareable ? hashes.length : 0,
        })
      }
      const a = mk(1)
      const b = mk(2)
      engine.add(a)
      engine.add(b)
      run(engine)
      expect(b.preemptions).toBeGreaterThan(0)
      return {
        hit: b.hitTokens,
        prefixHits: engine.counters.prefixHits,
        it: engine.counters.iterations,
      }
    }
    const viaHashes = resumeHits(true)
    const viaIdentity = resumeHits(false)
    expect(viaHashes.hit).toBeGreaterThan(0)
    expect(viaIdentity).toEqual(viaHashes)
  })

  it('reuses cached prefix blocks and counts hits in tokens', () => {
    const { engine } = makeEngine(1000)
    const a = seq(1, 1000, 2, 42, 512)
    engine.add(a)
    run(engine)
    expect(engine.counters.prefixHits).toBe(0)
    expect(engine.counters.prefixQueries).toBe(1000)
    const b = seq(2, 1000, 2, 42, 512)
    engine.add(b)
    run(engine)
    // 512 shared tokens = 32 full blocks hit.
    expect(b.hitTokens).toBe(512)
    expect(engine.counters.prefixHits).toBe(512)
    expect(engine.counters.prefixQueries).toBe(2000)
  })

  it('a full-prompt hit still computes the last block', () => {
    const { engine } = makeEngine(1000)
    const a = seq(1, 64, 1, 9, 64)
    engine.add(a)
    run(engine)
    const b = seq(2, 64, 1, 9, 64)
    engine.add(b)
    run(engine)
    expect(b.hitTokens).toBe(48)
  })

  it('evicts cached blocks in LRU order when blocks are needed', () => {
    const { engine } = makeEngine(70)
    engine.add(seq(1, 512, 1, 100, 512)) // 32 blocks cached under prefix 100
    run(engine)
    engine.add(seq(2, 512, 1, 200, 512)) // 32 more under prefix 200
    run(engine)
    expect(engine.pool.numCached).toBe(64)
    // A third prefix needs 32 blocks: 6 empty ones, then 26 evicted from prefix 100 (older).
    engine.add(seq(3, 512, 1, 300, 512))
    run(engine)
    expect(engine.pool.evictions).toBe(26)
    const again200 = seq(4, 512, 1, 200, 512)
    expect(engine.cachedPrefixBlocks(again200.blockHashes)).toBe(32)
    const again100 = seq(5, 512, 1, 100, 512)
    // Freed in reverse order, so the evicted ones were prefix 100's tail: its head survives.
    expect(engine.cachedPrefixBlocks(again100.blockHashes)).toBe(6)
  })

  it('rejects requests that exceed max_model_len or the whole KV cache', () => {
    const { engine } = makeEngine(10, { maxModelLen: 1000 })
    expect(engine.add(seq(1, 900, 200))).toBe('too-long')
    expect(engine.add(seq(2, 200, 10))).toBe('exceeds-kv')
    expect(engine.add(seq(3, 100, 10))).toBeUndefined()
    expect(engine.counters.rejected).toBe(2)
  })

  it('abort frees a running request at once, even mid-iteration, and drops a waiting one', () => {
    const { engine, finished } = makeEngine(1000, { maxNumSeqs: 1 })
    const a = seq(1, 200, 50)
    const b = seq(2, 200, 50)
    const c = seq(3, 200, 5)
    engine.add(a)
    engine.add(b)
    engine.add(c)
    const dt = engine.step(0) // a runs; b and c wait
    expect(engine.numWaiting).toBe(2)
    expect(engine.abort(a)).toBe(true) // while its iteration is in flight
    expect(engine.abort(b)).toBe(true)
    expect(engine.numWaiting).toBe(1)
    expect(engine.pool.numFree).toBe(1000)
    engine.complete(dt)
    engine.checkInvariants()
    expect(a.generated).toBe(0)
    run(engine, dt)
    expect(finished).toEqual([c])
    expect(engine.counters.aborted).toBe(2)
    expect(engine.abort(c)).toBe(false)
    expect(engine.pendingPrefillTokens).toBe(0)
  })

  it('respects max_num_seqs', () => {
    const { engine } = makeEngine(10000, { maxNumSeqs: 4 })
    for (let i = 0; i < 10; i++) engine.add(seq(i, 16, 50))
    engine.step(0)
    expect(engine.numRunning).toBe(4)
    expect(engine.numWaiting).toBe(6)
  })
})
