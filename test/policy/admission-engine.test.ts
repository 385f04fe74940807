/**
 * @module Admission policies inside a real engine: a conformance suite over every registered
 * policy (invariants every step, each request finished or shed exactly once, deterministic, and
 * fcfs identical to no policy at all), scenario tests per policy, and the simulator's accounting
 * of shed requests.
 */
import { describe, expect, it } from 'vitest'
import { createPriorityEdf } from '../../src/policy/admission/priority-edf.js'
import { admissionNames, createAdmission } from '../../src/policy/admission/registry.js'
import { createRouter } from '../../src/policy/registry.js'
import { planFleet } from '../../src/sim/fleet.js'
import { simulate } from '../../src/sim/simulator.js'
import { openTrace } from '../../src/trace/open.js'
import { createRng, exponential, lognormal } from '../../src/util/rng.js'
import { type Arrival, drive } from './admission-fixture.js'

/** workload draws `n` Poisson arrivals with lognormal lengths, classes and three tenants. */
function workload(n: number, seed: number, rate: number, input = 2000, output = 300): Arrival[] {
  const rng = createRng(seed)
  let t = 0
  return Array.from({ length: n }, () => {
    t += exponential(rng, rate)
    return {
      at: t,
      prompt: Math.max(1, Math.round(lognormal(rng, input, 1))),
      output: Math.max(1, Math.round(lognormal(rng, output, 1))),
      priority: rng() < 0.3 ? 0 : 1,
      tenant: `t${Math.floor(rng() * 3)}`,
    }
  })
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

describe('admission conformance', () => {
  // KV-tight: 4,000 blocks × 16 = 64k tokens for prompts averaging 2k, so preemptions happen.
  const arrivals = workload(300, 3, 20)
  it.each(admissionNames)('%s: every request finishes or is shed exactly once', (name) => {
    const runOnce = () => drive(createAdmission(name), arrivals, { numBlocks: 4000 })
    const a = runOnce()
    expect(a.finished.length + a.shed.length).toBe(arrivals.length)
    expect(new Set([...a.finished, ...a.shed]).size).toBe(arrivals.length)
    expect(a.engine.counters.rejected).toBe(a.shed.length)
    for (const s of a.finished) expect(s.generated).toBe(s.outputTokens)
    expect(a.engine.numWaiting).toBe(0)
    expect(a.engine.pool.numFree).toBe(4000)
    const b = runOnce()
    expect(b.finished.map((s) => [s.id, s.finishedAt])).toEqual(
      a.finished.map((s) => [s.id, s.finishedAt]),
    )
  })

  it('fcfs is the engine without a policy, step for step', () => {
    const plain = drive(undefined, arrivals, { numBlocks: 4000 })
    const fcfs = drive(createAdmission('fcfs'), arrivals, { numBlocks: 4000 })
    expect(fcfs.engine.counters).toEqual(plain.engine.counters)
    expect(fcfs.finished.map((s) => [s.id, s.firstTokenAt, s.finishedAt])).toEqual(
      plain.finished.map((s) => [s.id, s.firstTokenAt, s.finishedAt]),
    )
    expect(plain.engine.counters.preemptions).toBeGreaterThan(0)
  })
})

describe('past-future in an engine', () => {
  it('preempts far less than fcfs on a KV-tight workload, at similar throughput', () => {
    const arrivals = workload(600, 11, 8, 1500, 400)
    const opts = { numBlocks: 5000, checkEvery: 64 }
    const fcfs = drive(createAdmission('fcfs'), arrivals, opts)
    const pf = drive(createAdmission('past-future'), arrivals, opts)
    expect(fcfs.engine.counters.preemptions).toBeGreaterThan(50)
    expect(pf.engine.counters.preemptions).toBeLessThan(fcfs.engine.counters.preemptions / 2)
    // Similar throughput: the same work done within 10% of fcfs's makespan.
    expect(pf.end).toBeLessThan(fcfs.end * 1.1)
    // Recomputation is what preemption costs: past-future computes fewer tokens.
    expect(pf.engine.counters.computedTokens).toBeLessThan(fcfs.engine.counters.computedTokens)
  })
})

describe('flowprefill in an engine', () => {
  it('a short request arriving during a long chunked prefill gets its first token first', () => {
    // 30,000 prompt tokens at 8,192 per step: four chunks. The short one arrives during the first.
    const arrivals: Arrival[] = [
      { at: 0, prompt: 30_000, output: 4 },
      { at: 0.001, prompt: 200, output: 4 },
    ]
    const blocksSeen: number[] = []
    const fp = drive(createAdmission('flowprefill'), arrivals, {
      onStep: (e) => {
        const long = e.runningRequests.find((s) => s.id === 0)
        if (long && long.generated === 0) blocksSeen.push(long.blocks.length)
      },
    })
    const long = fp.seqs[0]!
    const short = fp.seqs[1]!
    expect(short.firstTokenAt).toBeLessThan(long.firstTokenAt)
    // Stepping aside is not preemption: no recompute, and its KV only ever grows.
    expect(long.preemptions).toBe(0)
    expect(fp.engine.counters.preemptions).toBe(0)
    for (let i = 1; i < blocksSeen.length; i++) {
      expect(blocksSeen[i]).toBeGreaterThanOrEqual(blocksSeen[i - 1]!)
    }
    expect(fp.engine.counters.computedTokens).toBe(30_000 + 200 + 2 * 3)
    // Under fcfs the long prefill keeps the budget until its last chunk, so the short request
    // gets its first token no earlier than the long one does.
    const fcfs = drive(createAdmission('fcfs'), arrivals)
    expect(fcfs.seqs[1]!.firstTokenAt).toBeGreaterThanOrEqual(fcfs.seqs[0]!.firstTokenAt)
  })
})

describe('priority-edf in an engine', () => {
  it('serves the interactive class first under overload and sheds hopeless requests', () => {
    const arrivals = workload(400, 5, 40, 2000, 200)
    const r = drive(createPriorityEdf(), arrivals, { numBlocks: 4000 })
    const ttft = (cls: number) =>
      mean(r.finished.filter((s) => s.priority === cls).map((s) => s.firstTokenAt - s.arrival))
    expect(ttft(0)).toBeLessThan(ttft(1) / 2)
    expect(r.shed.length).toBeGreaterThan(0)
    for (const s of r.shed) {
      expect(s.scheduledAt).toBe(-1) // never started
    }
  })
})

describe('fair-share in an engine', () => {
  it('serves a light tenant ahead of a heavy tenant’s backlog', () => {
    const heavy: Arrival[] = Array.from({ length: 60 }, () => ({
      at: 0,
      prompt: 3000,
      output: 200,
      tenant: 'heavy',
    }))
    const light: Arrival[] = Array.from({ length: 5 }, (_, i) => ({
      at: 1 + i * 0.1,
      prompt: 3000,
      output: 200,
      tenant: 'light',
    }))
    const arrivals = [...heavy, ...light]
    const lightTtft = (name: string) => {
      const r = drive(createAdmission(name), arrivals, { numBlocks: 3000 })
      return mean(
        r.finished.filter((s) => s.tenant === 'light').map((s) => s.firstTokenAt - s.arrival),
      )
    }
    expect(lightTtft('fair-share')).toBeLessThan(lightTtft('fcfs') / 3)
  })
})

describe('shed requests in the simulator', () => {
  it('are counted as rejected: requests = completed + rejected', async () => {
    const plans = planFleet({
      name: 't',
      groups: [
        { name: 'g', gpu: 'l40s-48g', model: 'llama-3.1-8b', tp: 1, count: 1, dtype: 'bf16' },
      ],
    })
    const trace =
      'synthetic:n=600,rate=20,input=lognormal:mean=2000,sigma=1,output=lognormal:mean=300,sigma=1,classes=0.3'
    const run = async (admission: string) =>
      (
        await simulate(plans, await openTrace(trace, { seed: 1 }), {
          seed: 1,
          slo: { ttft_s: 2, tpot_s: 0.1 },
          router: createRouter('least-outstanding'),
          hooks: () => ({ admission: createAdmission(admission) }),
        })
      ).summary
    const edf = await run('priority-edf')
    expect(edf.rejected).toBeGreaterThan(0)
    expect(edf.completed + edf.rejected).toBe(edf.requests)
    // Shed requests never started: queue times cover completed requests only, all within the
    // shedding bound (2 × the 10 s standard target).
    expect(edf.queue_s.p99).toBeLessThanOrEqual(20)
    const fcfs = await run('fcfs')
    expect(fcfs.rejected).toBe(0)
    expect(fcfs.completed).toBe(fcfs.requests)
  })
})
