import { describe, expect, it } from 'vitest'
import { chainedBlocks, makeFleet, makeRequest } from '../../../test/policy/fleet-fixture.js'
import { createRng } from '../../util/rng.js'
import type { InstanceView, RequestInfo } from '../types.js'
import { createDualMap } from './dualmap.js'

const ctx = { now: 0, rng: () => 0.5 }
const N = 8

/** fleet builds N instances (gpu-0…) with per-instance overrides. */
function fleet(over: (i: number) => Partial<InstanceView> = () => ({}), n = N) {
  return makeFleet(Array.from({ length: n }, (_, i) => ({ name: `gpu-${i}`, ...over(i) })))
}

/**
 * candidates finds a request's two candidates through the router itself: on an idle fleet it
 * takes the first; with the first a hotspot (50 in flight, bound 1.5 × (50/8 + 1) ≈ 10.9) the
 * second.
 */
function candidates(req: RequestInfo): [number, number] {
  const a = createDualMap().pick(req, fleet(), ctx)!
  const b = createDualMap().pick(
    req,
    fleet((i) => ({ outstanding: i === a ? 50 : 0 })),
    ctx,
  )!
  return [a, b]
}

const req = makeRequest(0, chainedBlocks(77, 80))

describe('dualmap', () => {
  it('maps the same prefix to the same two distinct candidates', () => {
    const [a, b] = candidates(req)
    expect(a).not.toBe(b)
    for (let t = 0; t < 5; t++) {
      // Same first 64 blocks, different tails.
      const sibling = makeRequest(t, [...chainedBlocks(77, 64), ...chainedBlocks(500 + t, 12)])
      expect(candidates(sibling)).toEqual([a, b])
    }
    // Different prefixes spread over the fleet.
    const firsts = new Set<number>()
    for (let s = 0; s < 200; s++) firsts.add(candidates(makeRequest(s, chainedBlocks(s, 70)))[0])
    expect(firsts.size).toBe(N)
  })

  it('stays on its candidates when they are not overloaded, preferring the cached one', () => {
    const [a, b] = candidates(req)
    // a carries 3 in flight, the rest 1: mean 1.25, hotspot bound 3.4, so a is not one.
    const busyA = fleet((i) => ({ outstanding: i === a ? 3 : 1 }))
    expect(createDualMap().pick(req, busyA, ctx)).toBe(b)
    const evenLoad = fleet(() => ({ outstanding: 2 }))
    expect(createDualMap().pick(req, evenLoad, ctx)).toBe(a)
    // b holds the prompt's prefix: its predicted TTFT is lower, so it wins at equal load.
    const cached = new Map([[b, new Set(req.blockHashes as number[])]])
    const warmB = makeFleet(
      Array.from({ length: N }, (_, i) => ({ name: `gpu-${i}`, outstanding: 2 })),
      cached,
    )
    expect(createDualMap().pick(req, warmB, ctx)).toBe(b)
  })

  it('spills to the least-queued instance when both candidates are hotspots', () => {
    const [a, b] = candidates(req)
    const idle = [0, 1, 2, 3, 4, 5, 6, 7].find((i) => i !== a && i !== b)!
    const both = fleet((i) => ({
      outstanding: i === a || i === b ? 30 : 2,
      pendingPrefillTokens: i === idle ? 0 : 5000,
    }))
    expect(createDualMap().pick(req, both, ctx)).toBe(idle)
    // Only one candidate hot: the other takes it.
    const oneHot = fleet((i) => ({ outstanding: i === a ? 30 : 2 }))
    expect(createDualMap().pick(req, oneHot, ctx)).toBe(b)
  })

  it('spills when both candidates would miss the TTFT SLO', () => {
    const [a, b] = candidates(req)
    // 30,000 queued tokens ≈ 3 s at the fallback 10k tokens/s: over the default 2 s SLO.
    const queued = fleet((i) => ({ pendingPrefillTokens: i === a || i === b ? 30_000 : 1000 }))
    const pick = createDualMap().pick(req, queued, ctx)
    expect(pick).not.toBe(a)
    expect(pick).not.toBe(b)
    // A 10 s SLO is met there, so the request stays on a candidate.
    const lax = { ...ctx, slo: { ttft_s: 10, tpot_s: 1 } }
    expect([a, b]).toContain(createDualMap().pick(req, queued, lax))
  })

  it('keeps keys in place when an instance joins (consistent hashing)', () => {
    const before = fleet()
    const after = fleet(() => ({}), N + 1) // gpu-8 joins
    const rng = createRng(3)
    let moved = 0
    const keys = 2000
    for (let i = 0; i < keys; i++) {
      const r = makeRequest(i, [Math.floor(rng() * 2 ** 52)])
      const was = createDualMap().pick(r, before, ctx)!
      const now = createDualMap().pick(r, after, ctx)!
      if (now !== was) {
        // A key only moves to the newcomer.
        expect(now).toBe(N)
        moved++
      }
    }
    // About 1/9 of the keys, sd ≈ 14.
    expect(moved).toBeGreaterThan(keys / 9 - 80)
    expect(moved).toBeLessThan(keys / 9 + 80)
  })
})
