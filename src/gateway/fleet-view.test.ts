import { describe, expect, it } from 'vitest'
import { testPerf } from '../../test/policy/fleet-fixture.js'
import { createRouter } from '../policy/registry.js'
import { createBackendState } from './backend-state.js'
import { toFleetView } from './fleet-view.js'
import { noteFailure, noteProbe } from './outlier.js'
import { PrefixIndex } from './prefix-index.js'

const metrics = (over: Partial<Record<string, number>> = {}) => ({
  running: over.running ?? 1,
  waiting: over.waiting ?? 0,
  kvUsage: over.kvUsage ?? 0.1,
  blockSize: 16,
  numGpuBlocks: 1000,
  prefixQueries: 0,
  prefixHits: 0,
  preemptions: 0,
  lora: undefined,
})

describe('gateway FleetView', () => {
  it('treats stale metrics as saturated, so routers avoid the silent backend', () => {
    const a = createBackendState('http://a', 'm')
    const b = createBackendState('http://b', 'm')
    a.metrics = metrics({ waiting: 5, kvUsage: 0.6 })
    a.scrapedAt = 9.95
    b.metrics = metrics({ waiting: 0, kvUsage: 0.1 })
    b.scrapedAt = 9.0 // 1 s old, stale after 0.3 s
    const view = toFleetView([a, b], 10, new PrefixIndex(), { staleAfter: 0.3 })
    expect(view.instances[1]!.kvUsage).toBe(1)
    expect(view.instances[1]!.waiting).toBeGreaterThan(view.instances[0]!.waiting)
    for (const name of ['least-kv', 'least-outstanding', 'weighted'] as const) {
      expect(
        createRouter(name).pick({ id: 1, model: 'm', inputTokens: 10, blockHashes: [] }, view, {
          now: 10,
          rng: () => 0.5,
        }),
      ).toBe(0)
    }
  })

  it('hides ejected and unhealthy backends until a probe re-admits them', () => {
    const a = createBackendState('http://a', 'm')
    const policy = { consecutiveFailures: 3, coolOff: 10, maxCoolOff: 300 }
    for (let i = 0; i < 3; i++) noteFailure(a, 100, policy)
    const idx = new PrefixIndex()
    expect(toFleetView([a], 105, idx, { staleAfter: 1 }).instances[0]!.ready).toBe(false)
    // Past the cool-off it stays out: only a passing probe brings it back.
    expect(toFleetView([a], 111, idx, { staleAfter: 1 }).instances[0]!.ready).toBe(false)
    noteProbe(a, true, 111, policy)
    expect(toFleetView([a], 111, idx, { staleAfter: 1 }).instances[0]!.ready).toBe(true)
    a.healthy = false
    expect(toFleetView([a], 111, idx, { staleAfter: 1 }).instances[0]!.ready).toBe(false)
  })

  it('attaches the pool latency model and the LoRA adapters each backend reports', () => {
    const a = createBackendState('http://a', 'm')
    const b = createBackendState('http://b', 'm')
    a.metrics = { ...metrics(), lora: { maxLora: 3, running: ['x', 'y'], waiting: ['y', 'z'] } }
    a.scrapedAt = 10
    b.metrics = metrics()
    b.scrapedAt = 10
    const perf = testPerf()
    const view = toFleetView([a, b], 10, new PrefixIndex(), { staleAfter: 1, perf })
    expect(view.instances[0]!.perf).toBe(perf)
    expect(view.instances[1]!.perf).toBe(perf)
    // Running and waiting adapters both hold a slot; each counts once.
    expect(view.instances[0]!.loras).toEqual(['x', 'y', 'z'])
    expect(view.instances[0]!.maxLoras).toBe(3)
    expect(view.instances[1]!.loras).toBeUndefined()
    // Without a declared model the view carries none, and routers fall back to queue estimates.
    const bare = toFleetView([a], 10, new PrefixIndex(), { staleAfter: 1 })
    expect('perf' in bare.instances[0]!).toBe(false)
  })

  it('answers prefix queries from the estimated index', () => {
    const a = createBackendState('http://a', 'm')
    const idx = new PrefixIndex()
    idx.record('http://a', [1, 2, 3])
    const view = toFleetView([a], 0, idx, { staleAfter: 1 })
    expect(view.cachedPrefixBlocks(0, [1, 2, 9])).toBe(2)
  })
})
