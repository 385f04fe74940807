/**
 * @module Live migration in the simulator: a moved request finishes exactly once, on its new
 * instance, without recomputing its context; Llumnix's trigger fires only where it should.
 */
import { describe, expect, it } from 'vitest'
import { createRouter } from '../../src/policy/registry.js'
import { createLlumnix, remainingSteps } from '../../src/policy/router/llumnix.js'
import type { MigrationPlan, RoutingPolicy } from '../../src/policy/types.js'
import { type InstancePlan, planFleet } from '../../src/sim/fleet.js'
import { simulate } from '../../src/sim/simulator.js'
import { openTrace } from '../../src/trace/open.js'
import type { TraceRequest, TraceSource } from '../../src/trace/types.js'
import { uniqueKey } from '../../src/trace/types.js'
import { makeFleet, makeRequest } from '../policy/fleet-fixture.js'

const SLO = { ttft_s: 2, tpot_s: 0.1 }

function fleet(count: number, gpu = 'h100-80g'): InstancePlan[] {
  return planFleet({
    name: 'm',
    groups: [{ name: 'g', gpu, model: 'llama-3.1-8b', tp: 1, count, dtype: 'bf16' }],
  })
}

function source(reqs: TraceRequest[]): TraceSource {
  return {
    name: 'hand',
    format: 'synthetic',
    size: reqs.length,
    async *chunks() {
      yield reqs
    },
  }
}

/** moveOnce routes everything to instance 0 and asks, once, to move a request to instance 1. */
function moveOnce(): RoutingPolicy & { asked: number } {
  const r = {
    name: 'move-once',
    asked: 0,
    pick: () => 0,
    rebalance(view: Parameters<NonNullable<RoutingPolicy['rebalance']>>[0]) {
      if (r.asked > 0 || view.instances[0]!.running === 0) return undefined
      r.asked++
      return { from: 0, to: 1 } satisfies MigrationPlan
    },
  }
  return r
}

describe('live migration', () => {
  it('moves one request, which finishes once, later by about the downtime, without recompute', async () => {
    const reqs: TraceRequest[] = [
      {
        id: 0,
        arrival: 0,
        inputTokens: 1000,
        outputTokens: 400,
        segments: [{ key: uniqueKey(0), tokens: 1000 }],
      },
    ]
    const base = await simulate(fleet(2), source(reqs), {
      seed: 1,
      slo: SLO,
      router: { name: 'first', pick: () => 0 },
    })
    const router = moveOnce()
    const moved = await simulate(fleet(2), source(reqs), { seed: 1, slo: SLO, router })
    expect(router.asked).toBe(1)
    const m = moved.summary.migrations!
    expect(m.done).toBe(1)
    expect(m.aborted).toBe(0)
    expect(moved.summary.completed).toBe(1)
    // The same tokens at the same speed, plus the stop-and-copy pause (well under a second).
    const delay = moved.summary.e2e_s.p50 - base.summary.e2e_s.p50
    expect(delay).toBeGreaterThan(0)
    expect(delay).toBeLessThan(0.05)
    expect(moved.summary.ttft_s.p50).toBe(base.summary.ttft_s.p50)
    // At least the whole prompt crossed the link (1,000 tokens × 128 KiB).
    expect(m.gb).toBeGreaterThanOrEqual((1000 * 131072) / 1e9)
  })

  it('finishes every request exactly once with llumnix under KV pressure', async () => {
    const trace = await openTrace(
      'synthetic:n=1500,rate=8,input=lognormal:mean=2000,sigma=1,output=lognormal:mean=600,sigma=1',
      { seed: 1 },
    )
    const run = await simulate(fleet(4, 'l40s-48g'), trace, {
      seed: 1,
      slo: SLO,
      router: createRouter('llumnix'),
    })
    const s = run.summary
    expect(s.completed).toBe(1500)
    expect(s.rejected).toBe(0)
    expect(s.migrations!.done).toBeGreaterThan(0)
  })
})

describe('llumnix trigger', () => {
  const router = createLlumnix()
  const ctx = { now: 0, rng: () => 0.5 }

  it('measures freeness as decode steps left, counting queued prompts as used', () => {
    const [a] = makeFleet([
      { kvUsage: 0.5, kvBlocks: 1000, running: 10, pendingPrefillTokens: 800 },
    ]).instances
    expect(remainingSteps(a!)).toBeCloseTo((500 * 16 - 800) / 10, 9)
  })

  it('migrates from an instance about to run out into one with room, and not otherwise', () => {
    const tight = { kvUsage: 0.999, kvBlocks: 1000, running: 40, pendingPrefillTokens: 0 }
    const roomy = { kvUsage: 0.2, kvBlocks: 1000, running: 10 }
    expect(router.rebalance!(makeFleet([roomy, tight]), ctx)).toEqual({ from: 1, to: 0 })
    // Everyone is full: no instance can take a request, so nothing moves.
    expect(router.rebalance!(makeFleet([tight, tight]), ctx)).toBeUndefined()
    // Nobody is short of KV: nothing moves.
    expect(router.rebalance!(makeFleet([roomy, roomy]), ctx)).toBeUndefined()
  })

  it('dispatches to the instance with the most remaining steps', () => {
    const view = makeFleet([
      { kvUsage: 0.9, running: 10 },
      { kvUsage: 0.5, running: 10 },
      { kvUsage: 0.5, running: 10, pendingPrefillTokens: 4000 },
    ])
    expect(router.pick(makeRequest(1), view, ctx)).toBe(1)
  })
})
