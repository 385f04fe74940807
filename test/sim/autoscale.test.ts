/**
 * @module Autoscaling in `simulate()`: a request arriving at zero replicas waits exactly one cold
 * start, a KPA scales an idle fleet to zero and bills only the provisioned intervals, a burst
 * orders each replica once, a P/D fleet scales both pools, and a run without a scaler (or with
 * bounds that allow no change) serves requests exactly as the fixed fleet does.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { coldStartSeconds, DEFAULT_COLD_START, loraLoadSeconds } from '../../src/perf/cold-start.js'
import { DEFAULT_CHOICE, resolveChoice } from '../../src/policy/choice.js'
import { createRouter } from '../../src/policy/registry.js'
import { createScaler } from '../../src/policy/scaler/registry.js'
import type { Scaler, ScaleView } from '../../src/policy/scaler/types.js'
import type { ScalingSeries } from '../../src/scaling/summary.js'
import {
  type GroupAutoscale,
  type GroupSpec,
  type InstancePlan,
  planFleet,
} from '../../src/sim/fleet.js'
import type { RunDetail } from '../../src/sim/result.js'
import { simulate } from '../../src/sim/simulator.js'
import { openTrace } from '../../src/trace/open.js'
import type { TraceRequest, TraceSource } from '../../src/trace/types.js'
import { uniqueKey } from '../../src/trace/types.js'

const SLO = { ttft_s: 2, tpot_s: 0.1 }

function group(
  count: number,
  autoscale?: GroupAutoscale,
  over: Partial<GroupSpec> = {},
): GroupSpec {
  return {
    name: 'g',
    gpu: 'h100-80g',
    model: 'llama-3.1-8b',
    tp: 1,
    count,
    dtype: 'bf16',
    ...(autoscale ? { autoscale } : {}),
    ...over,
  }
}

function fleet(count: number, autoscale?: GroupAutoscale): InstancePlan[] {
  return planFleet({ name: 't', groups: [group(count, autoscale)] })
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

function req(id: number, arrival: number, input = 500, output = 20): TraceRequest {
  return {
    id,
    arrival,
    inputTokens: input,
    outputTokens: output,
    segments: [{ key: uniqueKey(id), tokens: input }],
  }
}

async function run(
  plans: ReadonlyArray<InstancePlan>,
  reqs: TraceRequest[],
  scaler?: Scaler,
): Promise<RunDetail> {
  return simulate(plans, source(reqs), {
    seed: 1,
    slo: SLO,
    router: createRouter('least-outstanding'),
    ...(scaler ? { scaler } : {}),
  })
}

/** billedHours integrates the provisioned replica count from the series, up to `end`. */
function billedHours(s: ScalingSeries, start: number, end: number, gpusPerReplica = 1): number {
  let area = 0
  let count = 0
  let last = start
  for (let i = 0; i < s.t.length; i++) {
    area += count * (s.t[i]! - last)
    last = s.t[i]!
    count = s.provisioned[i]!
  }
  area += count * (end - last)
  return (area * gpusPerReplica) / 3600
}

/** fixedScaler always wants `n` replicas of every pool and records each view it was shown. */
function fixedScaler(n: number, views: ScaleView[] = []): Scaler {
  return {
    name: 'fixed',
    tickSeconds: 2,
    decide(view) {
      views.push(view)
      return { desired: view.pools.map(() => n) }
    },
  }
}

describe('autoscaling from zero', () => {
  it('serves the first request one cold start late, to the nanosecond', async () => {
    const reqs = [req(0, 5, 800, 30)]
    const warm = await run(fleet(1), reqs)
    const plans = fleet(2, { initial: 0 })
    const scaled = await run(plans, reqs, createScaler('kpa'))
    const cold = coldStartSeconds(plans[0]!.deployment)
    // 16 GB of bf16 weights at 2 GB/s plus 20 s of engine start.
    expect(cold).toBeCloseTo(16.06 / 2 + 20, 1)
    const s = scaled.summary
    expect(s.completed).toBe(1)
    expect(s.ttft_s.p50).toBeCloseTo(cold + warm.summary.ttft_s.p50, 9)
    expect(s.queue_s.p50).toBeCloseTo(cold, 9)
    // The decode steps run as on a warm instance.
    expect(s.tpot_s.p50).toBeCloseTo(warm.summary.tpot_s.p50, 12)
    expect(s.scaling).toMatchObject({ scaler: 'kpa', cold_starts: 1, held: 1, held_rejected: 0 })
    expect(s.scaling!.cold_start_s.p50).toBeCloseTo(cold, 9)
    expect(s.scaling!.held_wait_s.p50).toBeCloseTo(cold, 9)
  })

  it('adds provisioning, storage bandwidth and LoRA adapters to the cold start', async () => {
    const reqs = [req(0, 0)]
    const warm = await run(fleet(1), reqs)
    const a = { initial: 0, provisionSeconds: 45, storageGbps: 1, loras: 3 }
    const plans = fleet(1, a)
    const scaled = await run(plans, reqs, createScaler('kpa'))
    const opts = { ...DEFAULT_COLD_START, provisionSeconds: 45, storageBandwidth: 1e9, loras: 3 }
    const cold = coldStartSeconds(plans[0]!.deployment, opts)
    // 45 s + 16.06 GB at 1 GB/s + 20 s + 3 rank-16 adapters of 84 MB each at 1 GB/s.
    expect(loraLoadSeconds(plans[0]!.deployment, opts)).toBeCloseTo((3 * 83_886_080) / 1e9, 9)
    expect(cold).toBeCloseTo(45 + 16.06 + 20 + 0.2517, 2)
    expect(scaled.summary.ttft_s.p50).toBeCloseTo(cold + warm.summary.ttft_s.p50, 9)
  })

  it('holds every request that arrives while the first replica starts and loses none', async () => {
    const reqs = Array.from({ length: 40 }, (_, i) => req(i, i * 0.25))
    const s = (await run(fleet(2, { initial: 0 }), reqs, createScaler('kpa'))).summary
    expect(s.requests).toBe(40)
    expect(s.completed).toBe(40)
    expect(s.rejected).toBe(0)
    // Every one arrived within 10 s, before the 28 s cold start ended.
    expect(s.scaling!.held).toBe(40)
    expect(s.scaling!.cold_starts).toBe(1)
  })

  it('refuses held requests beyond the activator capacity', async () => {
    const reqs = Array.from({ length: 30 }, (_, i) => req(i, i * 0.1))
    const s = (
      await run(fleet(1, { initial: 0, activatorCapacity: 12 }), reqs, createScaler('kpa'))
    ).summary
    expect(s.scaling!.held).toBe(12)
    expect(s.scaling!.held_rejected).toBe(18)
    expect(s.completed).toBe(12)
    expect(s.rejected).toBe(18)
  })
})

describe('scaling to zero', () => {
  it('stops an idle replica and bills only the intervals it was provisioned', async () => {
    const reqs = [req(0, 0), req(1, 400)]
    const plans = fleet(1)
    const r = await run(plans, reqs, createScaler('kpa'))
    const s = r.summary
    const series = r.scaling!
    expect(s.completed).toBe(2)
    // KPA ticks every 2 s from t = 2, when it marks the service active. The request's 0.3 s sits
    // in bucket 1, so the 60 s stable window averages 0 first at t = 62: desired 0, and the
    // service has been active for 62 − 2 = 60 s, a whole window, so it turns inactive keeping 1
    // replica; the 30 s grace ends at t = 92, when the replica drains (idle) and stops.
    const down = series.provisioned.indexOf(0)
    const stop = series.t[down]!
    expect(stop).toBe(92)
    expect(s.scaling).toMatchObject({ cold_starts: 1, scale_downs: 1, held: 1, replicas_max: 1 })
    // The second request finds no replica, so it pays a whole cold start.
    const restart = series.t[series.provisioned.indexOf(1, down)]!
    expect(restart).toBe(400)
    // Billed: [0, stop] and [400, end], one GPU each.
    const hours = (stop - 0 + (s.makespan_s - 400)) / 3600
    expect(s.gpu_hours).toBeCloseTo(hours, 12)
    expect(s.gpu_hours).toBeCloseTo(billedHours(series, 0, s.makespan_s), 12)
    expect(s.cost_usd).toBeCloseTo(hours * plans[0]!.pricePerGpuHour, 9)
  })
})

/** recording wraps a scaler and keeps every view it saw with its decision. */
function recording(inner: Scaler, log: { view: ScaleView; desired: readonly number[] }[]): Scaler {
  return {
    name: inner.name,
    tickSeconds: inner.tickSeconds,
    decide(view) {
      const d = inner.decide(view)
      log.push({ view, desired: d.desired })
      return d
    },
  }
}

describe('scaling up', () => {
  it('orders each replica of a burst once, counting the ones still starting', async () => {
    // 200 requests in the first second; 8 per replica at 70% → target 5.6 each.
    const reqs = Array.from({ length: 200 }, (_, i) => req(i, i * 0.005, 300, 40))
    const log: { view: ScaleView; desired: readonly number[] }[] = []
    const plans = fleet(1, { initial: 0, max: 50, containerConcurrency: 8 })
    const r = await run(plans, reqs, recording(createScaler('kpa'), log))
    const s = r.summary
    expect(s.completed).toBe(200)
    expect(s.rejected).toBe(0)
    const maxDesired = Math.max(...log.map((e) => e.desired[0]!))
    // The panic window's average climbs as the held burst fills it, to ⌈200 / 5.6⌉ = 36.
    expect(maxDesired).toBe(36)
    expect(s.scaling!.cold_starts).toBe(maxDesired)
    expect(s.scaling!.cancelled).toBe(0)
    expect(s.scaling!.replicas_max).toBe(36)
    // Each decision tops up to its count: the replicas still starting are not ordered again.
    const grew = log.filter((e, i) => i > 0 && e.desired[0]! > log[i - 1]!.desired[0]!)
    expect(grew.length).toBeGreaterThan(2)
    for (const [i, e] of log.entries()) {
      if (i === 0) continue
      const p = e.view.pools[0]!
      expect(p.ready + p.pending).toBe(log[i - 1]!.desired[0])
    }
    expect(Math.max(...r.scaling!.provisioned)).toBe(36)
  })

  it('keeps a drained replica billed until its last request finishes, and loses none', async () => {
    // Two replicas, then one from t = 10: the drained one still runs long requests.
    const scaler: Scaler = {
      name: 'step',
      tickSeconds: 1,
      decide: (view) => ({ desired: view.pools.map(() => (view.now < 10 ? 2 : 1)) }),
    }
    const reqs = Array.from({ length: 40 }, (_, i) => req(i, i * 0.2, 200, 600))
    const r = await run(fleet(2, { initial: 2 }), reqs, scaler)
    const s = r.summary
    const series = r.scaling!
    expect(s.completed).toBe(40)
    expect(s.scaling).toMatchObject({ cold_starts: 0, scale_downs: 1 })
    const drain = series.ready.indexOf(1)
    expect(series.t[drain]).toBe(10)
    // Still provisioned (billed) while it drains, stopped only later.
    expect(series.provisioned[drain]).toBe(2)
    const stopped = series.provisioned.indexOf(1)
    expect(series.t[stopped]!).toBeGreaterThan(10)
    expect(s.gpu_hours).toBeCloseTo(billedHours(series, 0, s.makespan_s), 12)
  })

  it('restarts a stopped slot with an empty KV cache', async () => {
    const shared = (id: number, arrival: number): TraceRequest => ({
      id,
      arrival,
      inputTokens: 2048,
      outputTokens: 10,
      segments: [{ key: 7, tokens: 2048 }],
    })
    const reqs = [shared(0, 0), shared(1, 400)]
    const fixed = await run(fleet(1), reqs)
    const scaled = await run(fleet(1), reqs, createScaler('kpa'))
    // The second prompt hits the first one's cached blocks unless its replica was replaced.
    expect(fixed.summary.prefix_hit_rate).toBeGreaterThan(0.4)
    expect(scaled.summary.scaling!.scale_downs).toBe(1)
    expect(scaled.summary.prefix_hit_rate).toBe(0)
  })
})

describe('prefill/decode autoscaling', () => {
  function pd(a: GroupAutoscale, prefill = 4, decode = 4): InstancePlan[] {
    return planFleet({
      name: 'pd',
      groups: [
        group(prefill, a, { name: 'prefill', role: 'prefill' }),
        group(decode, a, { name: 'decode', role: 'decode' }),
      ],
    })
  }

  it('holds a finished prefill until a decode replica has started', async () => {
    const plans = pd({ initial: 0 })
    const r = await run(plans, [req(0, 0, 1000, 10)], createScaler('kpa'))
    const s = r.summary
    const cold = coldStartSeconds(plans[0]!.deployment)
    expect(s.completed).toBe(1)
    // The prefill pool starts for the arrival; the decode pool only when the KV is ready to move.
    expect(s.scaling).toMatchObject({ cold_starts: 2, held: 2, held_rejected: 0 })
    expect(s.ttft_s.p50).toBeGreaterThan(cold)
    expect(s.ttft_s.p50).toBeLessThan(cold + 0.2)
    expect(s.e2e_s.p50).toBeGreaterThan(2 * cold)
    expect(s.kv_transfer!.count).toBe(1)
  })

  it('scales both pools together with heteroscale', async () => {
    const log: { view: ScaleView; desired: readonly number[] }[] = []
    // 15 requests/s of 300 output tokens: ~4500 decode tokens/s against 16 × 20 × 0.7 = 224 per
    // decode replica, so the decode pool goes to its max of 4 and the prefill pool follows at
    // the 2:4 ratio of the pools' maximums.
    const reqs = Array.from({ length: 900 }, (_, i) => req(i, i / 15, 600, 300))
    const plans = pd({ initial: 1, containerConcurrency: 16 }, 2, 4)
    const r = await run(plans, reqs, recording(createScaler('heteroscale'), log))
    const s = r.summary
    expect(s.completed).toBe(900)
    expect(log[0]!.view.pools.map((p) => p.role)).toEqual(['prefill', 'decode'])
    for (const e of log) expect(e.desired[0]).toBe(Math.round(e.desired[1]! * 0.5))
    const peak = (p: number): number => Math.max(...log.map((e) => e.view.pools[p]!.ready))
    expect(peak(0)).toBe(2)
    expect(peak(1)).toBe(4)
    // From one replica each: 1 more prefill and 3 more decode replicas.
    expect(s.scaling!.cold_starts).toBe(4)
  })
})

describe('without scaling', () => {
  /** roundDeep keeps 6 significant digits, as test/golden does. */
  function roundDeep(x: unknown): unknown {
    if (typeof x === 'number') return Number.isFinite(x) ? Number(x.toPrecision(6)) : String(x)
    if (Array.isArray(x)) return x.map(roundDeep)
    if (x && typeof x === 'object') {
      return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, roundDeep(v)]))
    }
    return x
  }

  it('--scaler none gives the golden run recorded before autoscaling existed', async () => {
    const golden = JSON.parse(
      readFileSync(new URL('../golden/golden.json', import.meta.url), 'utf8'),
    ) as { summary: Record<string, unknown> }[]
    const plans = planFleet({
      name: 'golden',
      groups: [
        { name: 'h100', gpu: 'h100-80g', model: 'llama-3.1-8b', tp: 1, count: 2, dtype: 'bf16' },
        { name: 'a100', gpu: 'a100-80g', model: 'llama-3.1-8b', tp: 1, count: 1, dtype: 'bf16' },
      ],
    })
    const r = await simulate(plans, await openTrace('azure-code', { requests: 400, seed: 7 }), {
      seed: 7,
      slo: SLO,
      ...resolveChoice({ ...DEFAULT_CHOICE, scaler: 'none' }),
    })
    const { sim_wall_s: _wall, ...summary } = r.summary
    expect(roundDeep(summary)).toEqual(golden[0]!.summary)
    expect(r.summary.scaling).toBeUndefined()
    expect(r.scaling).toBeUndefined()
  })

  it('serves exactly as the fixed fleet when the bounds allow no change', async () => {
    const trace = 'synthetic:n=300,rate=20,input=lognormal:mean=600,sigma=1,output=100'
    const fixed = await simulate(fleet(3), await openTrace(trace, { seed: 3 }), {
      seed: 3,
      slo: SLO,
      router: createRouter('least-outstanding'),
    })
    const pinned = await simulate(
      fleet(3, { min: 3, max: 3, initial: 3 }),
      await openTrace(trace, { seed: 3 }),
      { seed: 3, slo: SLO, ...resolveChoice({ ...DEFAULT_CHOICE, scaler: 'kpa' }) },
    )
    const f = fixed.summary
    const p = pinned.summary
    for (const k of [
      'completed',
      'rejected',
      'ttft_s',
      'tpot_s',
      'e2e_s',
      'queue_s',
      'slo',
    ] as const) {
      expect(p[k]).toEqual(f[k])
    }
    expect(p.policy).toBe('least-outstanding+kpa')
    expect(p.scaling).toMatchObject({ cold_starts: 0, scale_downs: 0, replicas_max: 3 })
    // Billed from the first arrival to the last completion, as the fixed fleet is.
    expect(p.gpu_hours).toBeCloseTo(f.gpu_hours, 12)
  })

  it('refuses a fleet shape it cannot scale', async () => {
    const plans = planFleet({
      name: 'two',
      groups: [group(1), group(1, undefined, { name: 'h' })],
    })
    await expect(run(plans, [req(0, 0)], fixedScaler(1))).rejects.toThrow(
      /autoscaling needs a one-group fleet or one prefill and one decode group/,
    )
  })
})
