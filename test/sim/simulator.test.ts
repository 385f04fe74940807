/**
 * @module End-to-end checks of `simulate()` in-process (planFleet → openTrace → createRouter →
 * simulate): determinism per seed, request conservation with rejections, identical arrivals for
 * every registered router, prefix-cache reuse (Mooncake sample, shared synthetic prefixes),
 * latency sanity at the two load extremes, SLO attainment and goodput, GPU-hours and cost, and
 * the timeline's coverage and integrals.
 */
import { describe, expect, it } from 'vitest'
import { createRouter, routerNames } from '../../src/policy/registry.js'
import { type GroupSpec, type InstancePlan, planFleet } from '../../src/sim/fleet.js'
import type { Slo } from '../../src/sim/metrics.js'
import type { RunDetail, RunSummary } from '../../src/sim/result.js'
import { simulate } from '../../src/sim/simulator.js'
import { type OpenOptions, openTrace } from '../../src/trace/open.js'
import type { TraceRequest } from '../../src/trace/types.js'

const SLO: Slo = { ttft_s: 2, tpot_s: 0.1 }

/** fleet plans `count` instances of llama-3.1-8b on one H100 each, overridden by `over`. */
function fleet(count: number, over: Partial<GroupSpec> = {}): InstancePlan[] {
  return planFleet({
    name: 'test',
    groups: [
      {
        name: 'g',
        gpu: 'h100-80g',
        model: 'llama-3.1-8b',
        tp: 1,
        count,
        dtype: 'bf16',
        ...over,
      },
    ],
  })
}

interface RunOpts {
  readonly seed?: number
  readonly requests?: number
  readonly slo?: Slo
}

/** run opens `trace` afresh and simulates it on `plans` with a fresh router. */
async function run(
  plans: ReadonlyArray<InstancePlan>,
  trace: string,
  router: string,
  o: RunOpts = {},
): Promise<RunDetail> {
  const seed = o.seed ?? 1
  const open: OpenOptions = { seed, ...(o.requests !== undefined ? { requests: o.requests } : {}) }
  return simulate(plans, await openTrace(trace, open), {
    seed,
    slo: o.slo ?? SLO,
    router: createRouter(router),
  })
}

/** readTrace returns every request of `trace` as the simulator would see it. */
async function readTrace(trace: string, o: RunOpts = {}): Promise<TraceRequest[]> {
  const open: OpenOptions = {
    seed: o.seed ?? 1,
    ...(o.requests !== undefined ? { requests: o.requests } : {}),
  }
  const out: TraceRequest[] = []
  for await (const chunk of (await openTrace(trace, open)).chunks()) out.push(...chunk)
  return out
}

/** stable drops the fields that legitimately vary between identical runs (wall time). */
function stable(s: RunSummary): Omit<RunSummary, 'sim_wall_s'> {
  const { sim_wall_s: _, ...rest } = s
  return rest
}

const sum = (xs: ReadonlyArray<number>): number => xs.reduce((a, b) => a + b, 0)

/** A trace whose lengths and arrivals all come from the seed. */
const LOGNORMAL =
  'synthetic:n=400,rate=20,input=lognormal:mean=800,sigma=1,output=lognormal:mean=150,sigma=1'

describe('simulate: determinism', () => {
  it('gives identical results for the same seed', async () => {
    for (const router of ['random', 'power-of-two', 'prefix-affinity']) {
      const a = await run(fleet(4), LOGNORMAL, router, { seed: 7 })
      const b = await run(fleet(4), LOGNORMAL, router, { seed: 7 })
      expect(stable(b.summary)).toEqual(stable(a.summary))
      expect(b.cdf).toEqual(a.cdf)
      expect(b.timeline).toEqual(a.timeline)
      expect(b.instances).toEqual(a.instances)
      // Not a vacuous comparison: the run did real work.
      expect(a.summary.completed).toBe(400)
      expect(a.cdf.ttft_s.length).toBeGreaterThan(100)
    }
  })

  it('changes the random router’s results with the seed', async () => {
    // A file trace: only the router draws from the seed, so any difference is routing.
    const a = await run(fleet(4), 'azure-conv', 'random', { seed: 1, requests: 400 })
    const b = await run(fleet(4), 'azure-conv', 'random', { seed: 2, requests: 400 })
    expect(b.summary.requests).toBe(a.summary.requests)
    expect(b.cdf).not.toEqual(a.cdf)
    expect(b.summary.ttft_s).not.toEqual(a.summary.ttft_s)
  })
})

describe('simulate: conservation', () => {
  it('completes or rejects every request, rejecting exactly those longer than max_model_len', async () => {
    const maxModelLen = 2048
    const trace =
      'synthetic:n=300,rate=20,input=lognormal:mean=1500,sigma=0.8,output=lognormal:mean=200,sigma=1'
    const reqs = await readTrace(trace)
    const tooLong = reqs.filter(
      (r) => Math.max(1, r.inputTokens) + Math.max(1, r.outputTokens) > maxModelLen,
    ).length
    expect(tooLong).toBeGreaterThan(0)
    expect(tooLong).toBeLessThan(reqs.length)
    const plans = fleet(2, { engine: { maxModelLen } })
    for (const router of routerNames) {
      const s = (await run(plans, trace, router)).summary
      expect(s.requests, router).toBe(300)
      expect(s.completed + s.rejected, router).toBe(s.requests)
      expect(s.rejected, router).toBe(tooLong)
    }
  })
})

describe('simulate: every router', () => {
  it('sees the same requests and arrivals, and finishes after the last arrival', async () => {
    const requests = 400
    const reqs = await readTrace('azure-conv', { requests })
    const first = reqs[0]!.arrival
    const last = reqs[reqs.length - 1]!.arrival
    const inputTokens = sum(reqs.map((r) => Math.max(1, r.inputTokens)))
    const runs = new Map<string, RunDetail>()
    for (const router of routerNames) {
      runs.set(router, await run(fleet(4), 'azure-conv', router, { requests }))
    }
    const base = runs.get(routerNames[0]!)!
    for (const [router, r] of runs) {
      const s = r.summary
      expect(s.router).toBe(router)
      expect(s.requests, router).toBe(requests)
      expect(s.completed, router).toBe(requests)
      expect(first + s.makespan_s, router).toBeGreaterThanOrEqual(last)
      expect(s.throughput_tok_s.input * s.makespan_s, router).toBeCloseTo(inputTokens, 3)
      expect(r.timeline.step_s, router).toBe(base.timeline.step_s)
      // Arrivals per bucket are the trace's, whatever the router; only the tail length may differ.
      const n = Math.min(r.timeline.arrivals_rps.length, base.timeline.arrivals_rps.length)
      expect(r.timeline.arrivals_rps.slice(0, n), router).toEqual(
        base.timeline.arrivals_rps.slice(0, n),
      )
      expect(sum(r.timeline.arrivals_rps.slice(n)), router).toBe(0)
    }
  })
})

describe('simulate: prefix reuse', () => {
  it('prefix-affinity beats round-robin on the Mooncake sample', async () => {
    const plans = fleet(8)
    const opts = { requests: 1500 }
    const affinity = (await run(plans, 'mooncake', 'prefix-affinity', opts)).summary
    const rr = (await run(plans, 'mooncake', 'round-robin', opts)).summary
    expect(affinity.requests).toBe(1500)
    expect(rr.prefix_hit_rate).toBeGreaterThanOrEqual(0)
    expect(affinity.prefix_hit_rate).toBeGreaterThan(rr.prefix_hit_rate)
    expect(affinity.prefix_hit_rate).toBeLessThanOrEqual(1)
  })

  it('reuses a few shared 2048-token prefixes on one instance', async () => {
    // 3072-token prompts: 2048 shared (4 groups) + 1024 unique, so the hit rate is at most 2/3.
    const trace = 'synthetic:n=300,rate=5,input=3072,output=64,prefix=shared:groups=4,len=2048'
    const s = (await run(fleet(1), trace, 'round-robin')).summary
    expect(s.completed).toBe(300)
    expect(s.prefix_hit_rate).toBeGreaterThan(0.5)
    expect(s.prefix_hit_rate).toBeLessThanOrEqual(2048 / 3072)
  })

  it('finds nothing to reuse without shared prefixes', async () => {
    const s = (await run(fleet(1), 'synthetic:n=100,rate=5', 'round-robin')).summary
    expect(s.prefix_hit_rate).toBe(0)
  })
})

describe('simulate: latency sanity', () => {
  it('an offline batch (rate=inf) queues much longer than a trickle', async () => {
    const batch = (await run(fleet(4), 'synthetic:n=500,rate=inf', 'least-outstanding')).summary
    const trickle = (await run(fleet(4), 'synthetic:n=50,rate=0.5', 'least-outstanding')).summary
    expect(batch.completed).toBe(500)
    expect(batch.makespan_s).toBeGreaterThan(0)
    expect(batch.queue_s.p50).toBeGreaterThan(0.5)
    expect(batch.queue_s.p99).toBeGreaterThan(batch.queue_s.p50)
    expect(batch.ttft_s.p50).toBeGreaterThan(10 * trickle.ttft_s.p50)
    expect(trickle.queue_s.p50).toBeLessThan(0.001)
  })

  it('at a very low rate on a big fleet, TTFT is one prefill and TPOT one decode step', async () => {
    const trace = 'synthetic:n=100,rate=0.5,input=1024,output=128'
    const s = (await run(fleet(8), trace, 'least-outstanding')).summary
    expect(s.completed).toBe(100)
    expect(s.ttft_s.p50).toBeGreaterThan(0.005)
    expect(s.ttft_s.p50).toBeLessThan(0.2)
    expect(s.tpot_s.p50).toBeGreaterThan(0.005)
    expect(s.tpot_s.p50).toBeLessThan(0.02)
    expect(s.e2e_s.p50).toBeGreaterThan(s.ttft_s.p50 + 127 * s.tpot_s.p50 * 0.9)
  })
})

describe('simulate: SLO attainment and goodput', () => {
  // Rejections included: attainment counts every request, rejected ones as failures.
  const trace = 'synthetic:n=200,rate=20,input=lognormal:mean=1500,sigma=0.8'
  const plans = (): InstancePlan[] => fleet(2, { engine: { maxModelLen: 2048 } })

  it('an impossible SLO gives attainment 0 and goodput 0', async () => {
    const s = (await run(plans(), trace, 'least-outstanding', { slo: { ttft_s: 1e-6, tpot_s: 1 } }))
      .summary
    expect(s.completed).toBeGreaterThan(0)
    expect(s.slo.ttft_s).toBe(1e-6)
    expect(s.slo.attainment).toBe(0)
    expect(s.goodput_rps).toBe(0)
  })

  it('a generous SLO gives attainment completed/requests and goodput completed/makespan', async () => {
    const slo = { ttft_s: 1e6, tpot_s: 1e6 }
    const s = (await run(plans(), trace, 'least-outstanding', { slo })).summary
    expect(s.rejected).toBeGreaterThan(0)
    expect(s.completed).toBeGreaterThan(0)
    expect(s.slo.attainment).toBeCloseTo(s.completed / s.requests, 12)
    expect(s.slo.attainment).toBeLessThan(1)
    expect(s.goodput_rps).toBeCloseTo(s.completed / s.makespan_s, 9)
  })
})

describe('simulate: GPU-hours and cost', () => {
  it('gpu_hours = gpus × makespan and cost_usd = gpu_hours × price for one group', async () => {
    const plans = fleet(3, { tp: 2, pricePerGpuHour: 2.5 })
    const s = (await run(plans, 'synthetic:n=100,rate=5', 'round-robin')).summary
    expect(s.gpus).toBe(6)
    expect(s.makespan_s).toBeGreaterThan(0)
    expect(s.gpu_hours).toBeCloseTo((6 * s.makespan_s) / 3600, 12)
    expect(s.cost_usd).toBeCloseTo(s.gpu_hours * 2.5, 12)
  })

  it('sums each group’s price over a mixed fleet', async () => {
    const plans = planFleet({
      name: 'mixed',
      groups: [
        {
          name: 'a',
          gpu: 'h100-80g',
          model: 'llama-3.1-8b',
          tp: 2,
          count: 1,
          dtype: 'bf16',
          pricePerGpuHour: 4,
        },
        {
          name: 'b',
          gpu: 'a100-80g',
          model: 'llama-3.1-8b',
          tp: 1,
          count: 2,
          dtype: 'bf16',
          pricePerGpuHour: 1,
        },
      ],
    })
    const s = (await run(plans, 'synthetic:n=100,rate=5', 'round-robin')).summary
    const hours = s.makespan_s / 3600
    expect(s.gpus).toBe(4)
    expect(s.gpu_hours).toBeCloseTo(4 * hours, 12)
    expect(s.cost_usd).toBeCloseTo((2 * 4 + 2 * 1) * hours, 12)
  })
})

describe('simulate: timeline', () => {
  /** checkTimeline asserts coverage of [0, makespan] and the integrals of the rate series. */
  function checkTimeline(r: RunDetail, reqs: ReadonlyArray<TraceRequest>): void {
    const tl = r.timeline
    const s = r.summary
    const n = tl.t.length
    // A synthetic trace starts at t = 0, so the last event is at t = makespan.
    expect(reqs[0]!.arrival).toBe(0)
    expect(tl.t[0]).toBe(0)
    expect(tl.t[n - 1]).toBeLessThanOrEqual(s.makespan_s)
    expect(n * tl.step_s).toBeGreaterThan(s.makespan_s)
    for (const [i, t] of tl.t.entries()) expect(t).toBeCloseTo(i * tl.step_s, 9)
    for (const xs of [tl.arrivals_rps, tl.output_tok_s, tl.input_tok_s, tl.waiting, tl.running]) {
      expect(xs.length).toBe(n)
    }
    expect(tl.kv_usage.length).toBe(r.instances.length)
    for (const kv of tl.kv_usage) {
      expect(kv.length).toBe(n)
      for (const u of kv) expect(u >= 0 && u <= 1).toBe(true)
    }
    expect(sum(tl.arrivals_rps) * tl.step_s).toBeCloseTo(s.requests, 6)
    const outputTokens = sum(reqs.map((q) => Math.max(1, q.outputTokens)))
    expect(sum(tl.output_tok_s) * tl.step_s).toBeCloseTo(outputTokens, 6)
  }

  it('covers the makespan and integrates to the request and token counts', async () => {
    const trace = 'synthetic:n=300,rate=10,output=lognormal:mean=100,sigma=1'
    const r = await run(fleet(2), trace, 'least-outstanding')
    expect(r.summary.completed).toBe(300)
    expect(r.timeline.step_s).toBe(1)
    checkTimeline(r, await readTrace(trace))
  })

  it('still does after coarsening a run longer than the bucket budget', async () => {
    // ~3,000 s of simulated time at a 1 s step exceeds the 2,048-bucket budget: the step doubles.
    const trace = 'synthetic:n=300,rate=0.1,output=32'
    const r = await run(fleet(1), trace, 'round-robin')
    expect(r.summary.makespan_s).toBeGreaterThan(2048)
    expect(r.timeline.step_s).toBeGreaterThanOrEqual(2)
    expect(r.timeline.t.length).toBeLessThanOrEqual(2048)
    checkTimeline(r, await readTrace(trace))
  })
})
