import { describe, expect, it } from 'vitest'
import { createScaler } from '../../policy/scaler/registry.js'
import type { Scaler } from '../../policy/scaler/types.js'
import { createSyntheticTrace } from '../../trace/synthetic.js'
import type { TraceRequest, TraceSource } from '../../trace/types.js'
import { UsageError } from '../../util/errors.js'
import type { FunctionColdStart } from './defaults.js'
import { type FunctionScaler, simulateFunctions } from './simulate.js'

/** COLD: 4 GB at 2 GB/s + 8 s init = a 10-s cold start, so every figure below is exact. */
const COLD: FunctionColdStart = {
  provisionSeconds: 0,
  weightBytes: 4e9,
  storageBandwidth: 2e9,
  initSeconds: 8,
}

/** fnTrace is a function trace of [arrival, service seconds, fn?] rows. */
function fnTrace(rows: ReadonlyArray<readonly [number, number, string?]>): TraceSource {
  const reqs: TraceRequest[] = rows.map(([arrival, serviceSeconds, fn], id) => ({
    id,
    arrival,
    inputTokens: 1,
    outputTokens: 1,
    segments: [{ key: -(id + 1), tokens: 1 }],
    serviceSeconds,
    ...(fn === undefined ? {} : { fn }),
  }))
  return {
    name: 'test',
    format: 'synthetic',
    workload: 'function',
    chunks: async function* chunks() {
      yield reqs
    },
  }
}

function kpa(spec = 'kpa'): FunctionScaler {
  return { label: spec, create: () => createScaler(spec) }
}

describe('simulateFunctions: fixed replicas', () => {
  it('shares one replica between two jobs (cc=2) and queues the third', async () => {
    // A (t=0, 4 s) runs alone for 1 s; B (t=1, 2 s) joins: each at 1/2. At t=2 C (1 s) queues:
    // A has 2.5 s left, B 1.5 s. B ends at 2 + 1.5·2 = 5, A has 1 s left; C starts at 5 (waited
    // 3 s); A and C each have 1 s at 1/2 and both end at 7.
    const run = await simulateFunctions(
      fnTrace([
        [0, 4],
        [1, 2],
        [2, 1],
      ]),
      { seed: 1, instances: 1, containerConcurrency: 2, sloWaitSeconds: 2 },
    )
    const s = run.summary
    expect(s.policy).toBe('fixed')
    expect(s.router).toBe('least-outstanding')
    expect([s.requests, s.completed, s.rejected]).toEqual([3, 3, 0])
    expect(run.cdf.wait_s[0]).toBe(0)
    expect(s.wait_s.mean).toBe(1) // waits 0, 0, 3
    expect(s.e2e_s.mean).toBeCloseTo((7 + 4 + 5) / 3, 12)
    expect(s.service_s.mean).toBeCloseTo((7 + 4 + 2) / 3, 12) // start to finish
    expect(s.makespan_s).toBe(7)
    expect(s.slo.attainment).toBeCloseTo(2 / 3, 12) // C waited 3 s > 2 s
    expect(s.goodput_rps).toBeCloseTo(2 / 7, 12)
    expect(s.gpu_hours).toBeCloseTo(7 / 3600, 12)
    expect(s.cost_usd).toBeCloseTo((7 / 3600) * 1.19, 12) // l40s-48g list price
    expect(s.scaling).toBeUndefined()
    expect(run.scaling).toBeUndefined()
  })

  it('spreads requests over replicas and runs one service per function with --function-key model', async () => {
    const trace = fnTrace([
      [0, 10, 'a'],
      [0, 10, 'a'],
      [0, 10, 'b'],
    ])
    const one = await simulateFunctions(trace, { seed: 1, instances: 2 })
    // Two replicas, cc=1: two requests run at once, the third waits 10 s.
    expect(one.cdf.wait_s.at(-1)).toBe(10)
    expect(one.summary.services).toBe(1)
    expect(one.summary.gpu_hours).toBeCloseTo((2 * 20) / 3600, 12)
    const per = await simulateFunctions(trace, { seed: 1, instances: 2, functionKey: 'model' })
    // Two services of two replicas: nobody waits, and four GPUs are billed for 10 s.
    expect(per.summary.services).toBe(2)
    expect(per.summary.wait_s.p99).toBe(0)
    expect(per.summary.gpu_hours).toBeCloseTo((4 * 10) / 3600, 12)
    expect(per.summary.fleet).toMatch(/per function \(2 functions\)/)
  })
})

describe('simulateFunctions: the activator in the path', () => {
  it('sends a request to the first free slot instead of a busy replica’s queue', async () => {
    // Two replicas, cc=1. A (10 s) and B (2 s) start at t=0; C arrives at 1 with both busy.
    // Queue-proxy only (tbc 0): the router ties the two and C queues behind A until 10 (waits 9).
    // Activator always in the path (tbc −1): C waits in the activator for B's slot at 2 (waits 1).
    const trace = fnTrace([
      [0, 10],
      [0, 2],
      [1, 1],
    ])
    const queued = await simulateFunctions(trace, { seed: 1, instances: 2 })
    expect(queued.cdf.wait_s.at(-1)).toBe(9)
    const buffered = await simulateFunctions(trace, {
      seed: 1,
      instances: 2,
      targetBurstCapacity: -1,
    })
    expect(buffered.cdf.wait_s.at(-1)).toBe(1)
    expect(buffered.summary.e2e_s.p99).toBeLessThanOrEqual(10)
  })
})

describe('simulateFunctions: autoscaling', () => {
  it('scales from zero: the first request waits exactly the cold start and none is lost', async () => {
    const opts = { seed: 1, scaler: kpa(), initialReplicas: 0, maxReplicas: 4, coldStart: COLD }
    // The activator's poke at t=5 orders replicas at once; they are ready at 15.
    const alone = await simulateFunctions(fnTrace([[5, 3]]), opts)
    expect(alone.summary.cold_start_s).toBe(10)
    expect(alone.summary.wait_s.mean).toBe(10)
    expect(alone.summary.e2e_s.mean).toBe(13)
    expect(alone.summary.slo.attainment).toBe(0) // a cold start misses the 5-s wait SLO
    const run = await simulateFunctions(
      fnTrace([
        [5, 3],
        [5.5, 3],
        [6, 3],
      ]),
      opts,
    )
    const s = run.summary
    expect([s.requests, s.completed, s.rejected]).toEqual([3, 3, 0])
    expect(s.scaling?.held).toBe(3)
    expect(s.scaling?.held_rejected).toBe(0)
    expect(s.scaling?.cold_start_s.p50).toBe(10)
    // Each one waited for a cold start, 10 s from its order, at least 9 s after its arrival.
    expect(run.cdf.wait_s[0]).toBeGreaterThanOrEqual(9)
  })

  it('scales to zero after idle and bills exactly the provisioned intervals', async () => {
    // kpa:util=1 at cc=1: target 1 per replica. One replica is warm at t=0; A runs (0, 10].
    // Bucket 10 is the last with concurrency 1; it leaves the 60-s window at t=70, where the
    // decider says 0: the PA (active since the first tick, t=2, so ≥ 60 s) turns inactive and
    // keeps 1 replica for the 30-s grace; at t=100 it drains and stops. B arrives at 200, the
    // poke orders a replica, ready at 210 (cold start 10 s), B runs to 220, the run's end.
    // Billed: [0, 100] + [200, 220] = 120 GPU-seconds.
    const run = await simulateFunctions(
      fnTrace([
        [0, 10],
        [200, 10],
      ]),
      { seed: 1, scaler: kpa('kpa:util=1'), initialReplicas: 1, maxReplicas: 3, coldStart: COLD },
    )
    const s = run.summary
    expect(s.makespan_s).toBe(220)
    expect(s.gpu_hours).toBeCloseTo(120 / 3600, 12)
    expect(s.cost_usd).toBeCloseTo((120 / 3600) * 1.19, 12)
    expect(s.scaling?.cold_starts).toBe(1) // the initial replica was warm
    expect(s.scaling?.scale_downs).toBe(1)
    expect(run.cdf.wait_s).toContain(10)
    const series = run.scaling!
    const at = (t: number): number => series.provisioned[series.t.indexOf(t)]!
    expect(at(0)).toBe(1)
    expect(at(100)).toBe(0)
    expect(at(200)).toBe(1)
    // The series integrates to the bill.
    let seconds = 0
    for (let i = 0; i < series.t.length; i++) {
      const next = series.t[i + 1] ?? s.makespan_s
      seconds += series.provisioned[i]! * (next - series.t[i]!)
    }
    expect(seconds).toBeCloseTo(120, 9)
  })

  it('refuses requests beyond the activator capacity while no replica is ready', async () => {
    const trace = createSyntheticTrace('synthetic:n=5,rate=inf,service=4')
    const run = await simulateFunctions(trace, {
      seed: 1,
      scaler: kpa(),
      initialReplicas: 0,
      maxReplicas: 10,
      activatorCapacity: 2,
      coldStart: COLD,
    })
    const s = run.summary
    expect([s.requests, s.completed, s.rejected]).toEqual([5, 2, 3])
    expect(s.scaling?.held).toBe(2)
    expect(s.scaling?.held_rejected).toBe(3)
    expect(s.slo.attainment).toBe(0)
  })

  it('spreads a held backlog over replicas as they become ready', async () => {
    // Four 30-s requests at t=0 with no replica. The poke sees the first one: ceil(1/0.7) = 2
    // replicas, ready at 10; the tick at 2 sees 4 in flight and orders 2 more, ready at 12. The
    // activator fills free slots only, so requests 3 and 4 take the replicas ready at 12 rather
    // than queueing behind 30-s jobs on the first two (which would end them at 70).
    const trace = createSyntheticTrace('synthetic:n=4,rate=inf,service=30')
    const run = await simulateFunctions(trace, {
      seed: 1,
      scaler: kpa(),
      initialReplicas: 0,
      maxReplicas: 4,
      coldStart: COLD,
    })
    expect(run.cdf.wait_s[0]).toBe(10)
    expect(run.cdf.wait_s.at(-1)).toBe(12)
    expect(run.cdf.e2e_s.at(-1)).toBe(42)
    expect(run.summary.scaling?.cold_starts).toBe(4)
  })

  it('keeps the activator’s promise to a scaler that never scales up: held work gets a replica', async () => {
    const never: Scaler = { name: 'never', tickSeconds: 2, decide: () => ({ desired: [0] }) }
    const run = await simulateFunctions(fnTrace([[0, 1]]), {
      seed: 1,
      scaler: { label: 'never', create: () => never },
      initialReplicas: 0,
    })
    expect([run.summary.completed, run.summary.rejected]).toEqual([1, 0])
    // One replica, not a start cancelled at every tick and asked for again at the next.
    expect(run.summary.scaling).toMatchObject({ cold_starts: 1, cancelled: 0, scale_downs: 1 })
  })

  it('adds LoRA adapter loads to the work when adapter bytes are given', async () => {
    const reqs: TraceRequest[] = [
      {
        id: 0,
        arrival: 0,
        inputTokens: 1,
        outputTokens: 1,
        segments: [{ key: -1, tokens: 1 }],
        serviceSeconds: 10,
        adapters: 2,
      },
    ]
    const source: TraceSource = {
      name: 'lora',
      format: 'synthetic',
      workload: 'function',
      chunks: async function* chunks() {
        yield reqs
      },
    }
    // 2 adapters × 0.5 GB at 2 GB/s = 0.5 s more work.
    const run = await simulateFunctions(source, { seed: 1, adapterBytes: 0.5e9, coldStart: COLD })
    expect(run.summary.service_s.mean).toBeCloseTo(10.5, 12)
  })

  it('simulates a 12-day trace at 0.01 req/s with KPA quickly', async () => {
    const trace = createSyntheticTrace(
      'synthetic:n=10000,rate=0.01,service=lognormal:mean=27,sigma=0.6',
    )
    const t0 = performance.now()
    const run = await simulateFunctions(trace, { seed: 1, scaler: kpa(), maxReplicas: 8 })
    const wall = (performance.now() - t0) / 1000
    const s = run.summary
    expect(s.makespan_s).toBeGreaterThan(10 * 86400)
    expect(s.completed + s.rejected).toBe(s.requests)
    expect(s.scaling!.cold_starts).toBeGreaterThan(100) // it scales to zero between requests
    expect(wall).toBeLessThan(10)
  })

  it('runs the request-driven scalers on a stationary function workload', async () => {
    // Three hours at 0.5 req/s of 20-s jobs (mean concurrency 10). Q-learning is not asserted to
    // beat KPA here: on this workload goodput per GPU-hour is flat across KPA targets 0.7..1, so
    // its exploration only adds cold starts (measured: 88.9 vs KPA's 102.6 SLO-met per GPU-hour).
    const spec = 'synthetic:n=5400,rate=0.5,service=lognormal:mean=20,sigma=0.5'
    // HeteroScale is left out: it scales on decode tokens/s, which functions do not produce.
    for (const name of ['kpa', 'hpa', 'predictive', 'q-learning']) {
      const run = await simulateFunctions(createSyntheticTrace(spec), {
        seed: 1,
        scaler: kpa(name),
        maxReplicas: 50,
      })
      const s = run.summary
      expect(s.policy, name).toBe(name)
      expect(s.completed + s.rejected, name).toBe(5400)
      expect(s.scaling!.decisions, name).toBeGreaterThan(100)
      expect(s.scaling!.replicas_max, name).toBeGreaterThan(3)
      expect(s.gpu_hours, name).toBeGreaterThan(0)
      // A replica is billed while it exists, so GPU-hours cover at least the work done.
      expect(s.gpu_hours * 3600, name).toBeGreaterThan(s.service_s.mean * s.completed * 0.99)
    }
  })

  it('rejects bad options with the flag named', async () => {
    const trace = fnTrace([[0, 1]])
    await expect(simulateFunctions(trace, { seed: 1, containerConcurrency: 0 })).rejects.toThrow(
      /--container-concurrency/,
    )
    await expect(
      simulateFunctions(trace, { seed: 1, scaler: kpa(), minReplicas: 3, maxReplicas: 2 }),
    ).rejects.toThrow(UsageError)
    const llm = createSyntheticTrace('synthetic:n=2')
    await expect(simulateFunctions(llm, { seed: 1 })).rejects.toThrow(/no service time/)
  })
})
