/** @module Scenario tests for KV policies in the engine: TTL pins and the host-memory tier. */
import { describe, expect, it } from 'vitest'
import { getGpu, getModel } from '../catalog/index.js'
import { addPrefillChunk, emptyBatch } from '../perf/batch.js'
import { createIterationModel } from '../perf/iteration.js'
import { kvTransferBytes } from '../perf/kv-transfer.js'
import { createKv } from '../policy/kv/registry.js'
import type { KvPolicy } from '../policy/kv/types.js'
import { blockHashes } from '../trace/prompt.js'
import { uniqueKey } from '../trace/types.js'
import { DEFAULT_ENGINE } from './config.js'
import { Engine } from './engine.js'
import { Sequence } from './sequence.js'

const deployment = {
  gpu: getGpu('h100-80g'),
  model: getModel('llama-3.1-8b'),
  tp: 1,
  dtype: 'bf16' as const,
}
const model = createIterationModel(deployment)

function makeEngine(numBlocks: number, kv: KvPolicy): Engine {
  return new Engine(
    { ...DEFAULT_ENGINE, maxModelLen: 1 << 20 },
    model,
    numBlocks,
    { onFinish() {} },
    { kv },
  )
}

/** A request whose prompt is `shared` tokens of content `key`, then `own` tokens of its own. */
function req(
  id: number,
  arrival: number,
  key: number,
  shared: number,
  own = 0,
  session?: number,
  turn?: number,
): Sequence {
  const segments = [{ key, tokens: shared }]
  if (own > 0) segments.push({ key: uniqueKey(id), tokens: own })
  return new Sequence({
    id,
    arrival,
    promptTokens: shared + own,
    outputTokens: 1,
    blockHashes: blockHashes(segments, 16),
    session,
    turn,
  })
}

/** drain steps the engine until it is idle, checking invariants; returns the end time. */
function drain(engine: Engine, now: number): number {
  let t = now
  for (let i = 0; engine.hasWork; i++) {
    const dt = engine.step(t)
    expect(dt).toBeGreaterThan(0)
    engine.checkInvariants()
    t += dt
    engine.complete(t)
    engine.checkInvariants()
    if (i > 1000) throw new Error('no progress')
  }
  return t
}

/**
 * turnGap runs a session turn (64 tokens = 4 blocks of content 100) on an 20-block engine, then,
 * during the gap before the next turn, two lone requests: one that fits beside the first turn's
 * blocks (16 blocks) and one that needs 4 more. Under LRU the second evicts the first turn's
 * blocks (they head the free queue). Returns the next turn's prefix hit and the engine.
 */
function turnGap(kv: KvPolicy, gapEnd: number): { hit: number; engine: Engine } {
  const engine = makeEngine(20, kv)
  engine.add(req(1, 0, 100, 64, 0, 7, 0))
  drain(engine, 0)
  engine.add(req(2, 1, 200, 256))
  drain(engine, 1)
  engine.add(req(3, 2, 300, 64))
  drain(engine, 2)
  const next = req(4, gapEnd, 100, 64, 32, 7, 1)
  engine.add(next)
  drain(engine, gapEnd)
  return { hit: next.hitTokens, engine }
}

describe('ttl-pin', () => {
  it('keeps a finished session turn across a gap in which LRU evicts it', () => {
    const lru = turnGap(createKv('lru'), 3)
    expect(lru.hit).toBe(0)
    expect(lru.engine.kvTiers).toBeUndefined()

    const pinned = turnGap(createKv('ttl-pin:ttl=10'), 3)
    expect(pinned.hit).toBe(64)
    const s = pinned.engine.kvTiers!
    expect(s.pins).toBe(2) // the first turn, then the second (its own pin, still live)
    expect(s.pinHits).toBe(1)
    expect(s.pinExpired).toBe(0)
    expect(s.pinReclaimed).toBe(0)
    expect(s.pinnedPeakBlocks).toBe(6)
  })

  it('unpins on expiry: the blocks go back to the LRU free queue', () => {
    const engine = makeEngine(20, createKv('ttl-pin:ttl=10'))
    engine.add(req(1, 0, 100, 64, 0, 7, 0))
    const end = drain(engine, 0)
    expect(engine.pool.numFree).toBe(16)
    expect(engine.kvTiers!.pinnedBlocksNow).toBe(4)
    // A step before the TTL keeps the pin; the first one after it ends the pin.
    engine.add(req(2, end + 5, 200, 16))
    drain(engine, end + 5)
    expect(engine.kvTiers!.pinnedBlocksNow).toBe(4)
    engine.add(req(3, end + 10.5, 300, 16))
    drain(engine, end + 10.5)
    const s = engine.kvTiers!
    expect(s.pinnedBlocksNow).toBe(0)
    expect(s.pinExpired).toBe(1)
    expect(engine.pool.numFree).toBe(20)
    // Unpinned, the turn's blocks are cached free blocks again: a later turn still hits them.
    expect(engine.cachedPrefixBlocks(req(9, 0, 100, 64).blockHashes)).toBe(4)
  })

  it('never deadlocks: a request that needs pinned blocks ends the oldest pins', () => {
    const engine = makeEngine(8, createKv('ttl-pin:ttl=100'))
    engine.add(req(1, 0, 100, 64, 0, 1, 0))
    engine.add(req(2, 0, 200, 48, 0, 2, 0))
    drain(engine, 0)
    expect(engine.kvTiers!.pinnedBlocksNow).toBe(7)
    // 5 blocks wanted, 1 free: the older pin (4 blocks) goes first and is enough.
    const big = req(3, 1, 300, 80)
    engine.add(big)
    drain(engine, 1)
    expect(big.finishedAt).toBeGreaterThan(0)
    const s = engine.kvTiers!
    expect(s.pinReclaimed).toBe(1)
    expect(s.pinnedBlocksNow).toBe(3)
    expect(engine.cachedPrefixBlocks(req(9, 0, 200, 48).blockHashes)).toBe(3)
  })

  it('learns a session’s gap with ttl=auto and stops pinning sessions slower than max', () => {
    const p = createKv('ttl-pin:ttl=auto:max=20')
    const turn = (t: number, arrival: number) => ({ id: t, arrival, session: 5, turn: t })
    expect(p.pinSeconds!(turn(0, 0), 1)).toBe(10) // cold start: the fixed default
    p.resumed!(turn(1, 5), 5) // 4 s after the finish
    expect(p.pinSeconds!(turn(1, 5), 6)).toBe(6) // 1.5 × 4 s
    p.resumed!(turn(2, 26), 26) // 20 s gap → EWMA 12 s → 18 s
    expect(p.pinSeconds!(turn(2, 26), 27)).toBe(18)
    p.resumed!(turn(3, 67), 67) // 40 s gap → EWMA 26 s → 39 s > max
    expect(p.pinSeconds!(turn(3, 67), 68)).toBe(0)
    expect(p.pinSeconds!({ id: 9, arrival: 0, session: undefined, turn: undefined }, 1)).toBe(0)
  })
})

describe('host-offload', () => {
  const bytesPerBlock = kvTransferBytes(deployment, 16)
  const hostOf = (blocks: number): KvPolicy => ({ name: 'test-host', hostBlocks: () => blocks })

  it('finds evicted blocks in the host tier, LRU within its capacity, and pays bytes/PCIe to reload', () => {
    expect(bytesPerBlock).toBe(2 * 32 * 8 * 128 * 2 * 16) // llama-3.1-8b bf16: 2 MiB per block
    const engine = makeEngine(8, hostOf(3))
    engine.add(req(1, 0, 100, 64)) // blocks A0..A3
    drain(engine, 0)
    // 8 fresh blocks evict A3, A2, A1, A0 in that order (freed tail first); a 3-block host tier
    // keeps the last three.
    engine.add(req(2, 1, 200, 128))
    drain(engine, 1)
    let s = engine.kvTiers!
    expect(s.offloadBlocks).toBe(4)
    expect(s.hostPeakBlocks).toBe(3)
    expect(s.hostCapacityBlocks).toBe(3)
    expect(engine.cachedPrefixBlocks(req(9, 0, 100, 64).blockHashes)).toBe(0)

    // The next prompt extends A: A0..A2 come back from host memory, A3 is gone (LRU-out).
    const next = req(3, 2, 100, 64, 32)
    engine.add(next)
    const dt = engine.step(2)
    const reload = (3 * bytesPerBlock) / deployment.gpu.pcieBandwidth
    const batch = emptyBatch()
    addPrefillChunk(batch, 96 - 48, 48)
    expect(dt).toBe(model.iterationTime(batch) + reload)
    engine.complete(2 + dt)
    engine.checkInvariants()
    expect(next.hitTokens).toBe(48)
    s = engine.kvTiers!
    expect(s.hostHitTokens).toBe(48)
    expect(s.reloadBlocks).toBe(3)
    expect(s.reloadSeconds).toBe(reload)
    expect(engine.counters.prefixHits).toBe(48) // host hits count as prefix hits
    expect(s.hostPeakBlocks).toBe(3)
  })

  it('sizes the default tier from the policy: 128 GB per GPU of whole blocks', () => {
    const engine = makeEngine(8, createKv('host-offload'))
    expect(engine.kvTiers!.hostCapacityBlocks).toBe(Math.floor(128e9 / bytesPerBlock))
    expect(makeEngine(8, createKv('host-offload:gb=1')).kvTiers!.hostCapacityBlocks).toBe(
      Math.floor(1e9 / bytesPerBlock),
    )
  })

  it('without a host tier, the same eviction loses the blocks', () => {
    const engine = makeEngine(8, createKv('ttl-pin'))
    engine.add(req(1, 0, 100, 64))
    drain(engine, 0)
    engine.add(req(2, 1, 200, 128))
    drain(engine, 1)
    const next = req(3, 2, 100, 64, 32)
    engine.add(next)
    drain(engine, 2)
    expect(next.hitTokens).toBe(0)
    expect(engine.kvTiers!.reloadBlocks).toBe(0)
  })
})
