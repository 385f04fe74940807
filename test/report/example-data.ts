/**
 * @module FAKE run data for looking at the report: three made-up routers with lognormal
 * latencies, a 300-bucket timeline and 16 instances' KV usage. Test data only; no simulator.
 */
import type { InstanceInfo, RunDetail, RunSummary } from '../../src/sim/result.js'
import { createRng, type Rng } from '../../src/util/rng.js'
import type { Quantiles } from '../../src/util/stats.js'

interface FakeRouter {
  readonly name: string
  readonly ttftMedian: number
  readonly ttftSigma: number
  readonly tpotMedian: number
  /** How unevenly load lands on instances (0 = perfectly even). */
  readonly skew: number
  /** How badly the burst overloads this router's fleet (queue growth). */
  readonly overload: number
  readonly prefixHit: number
}

const ROUTERS: ReadonlyArray<FakeRouter> = [
  {
    name: 'round-robin',
    ttftMedian: 0.21,
    ttftSigma: 1.1,
    tpotMedian: 0.034,
    skew: 0.35,
    overload: 1,
    prefixHit: 0.12,
  },
  {
    name: 'least-outstanding',
    ttftMedian: 0.16,
    ttftSigma: 0.9,
    tpotMedian: 0.031,
    skew: 0.15,
    overload: 0.6,
    prefixHit: 0.14,
  },
  {
    name: 'prefix-affinity',
    ttftMedian: 0.09,
    ttftSigma: 0.95,
    tpotMedian: 0.028,
    skew: 0.25,
    overload: 0.45,
    prefixHit: 0.58,
  },
]

const SLO = { ttft_s: 1, tpot_s: 0.05 }
const BUCKETS = 300
const STEP = 2
const INSTANCES = 16
const REQUESTS = 12_000

/** ExampleShape sizes the fake data. */
export interface ExampleShape {
  readonly seed?: number
  /** Number of runs; past three, the three routers repeat with variant names. */
  readonly runs?: number
  readonly instances?: number
}

/** exampleRuns builds fake runs (three routers by default), deterministically for a seed. */
export function exampleRuns(shape: ExampleShape = {}): RunDetail[] {
  const seed = shape.seed ?? 7
  return Array.from({ length: shape.runs ?? ROUTERS.length }, (_, i) => {
    const base = ROUTERS[i % ROUTERS.length] ?? ROUTERS[0]!
    const round = Math.floor(i / ROUTERS.length)
    const router =
      round === 0
        ? base
        : {
            ...base,
            name: `${base.name}+kv=lru-v${round}`,
            ttftMedian: base.ttftMedian * (1 + 0.15 * round),
          }
    return fakeRun(router, createRng(seed * 100 + i), shape.instances ?? INSTANCES)
  })
}

function fakeRun(router: FakeRouter, rng: Rng, instanceCount: number): RunDetail {
  const normal = gaussian(rng)
  const n = 4000
  const ttft: number[] = []
  const tpot: number[] = []
  const e2e: number[] = []
  const queue: number[] = []
  let met = 0
  for (let k = 0; k < n; k++) {
    const a = router.ttftMedian * Math.exp(router.ttftSigma * normal())
    const b = router.tpotMedian * Math.exp(0.28 * normal())
    const out = Math.max(8, Math.round(220 * Math.exp(0.8 * normal())))
    ttft.push(a)
    tpot.push(b)
    e2e.push(a + b * out)
    queue.push(Math.max(0, a - 0.06) * (0.5 + 0.5 * rng()))
    if (a <= SLO.ttft_s && b <= SLO.tpot_s) met++
  }
  const rejected = Math.round(router.overload * 40)
  const completed = REQUESTS - rejected
  const makespan = BUCKETS * STEP
  const attainment = (met / n) * (completed / REQUESTS)
  const timeline = fakeTimeline(router, normal, instanceCount)
  const meanOut = timeline.output_tok_s.reduce((s, v) => s + v, 0) / BUCKETS
  const summary: RunSummary = {
    router: router.name,
    policy: router.name,
    admission: 'fcfs',
    kv: 'lru',
    trace: 'synthetic:n=12000,rate=20,arrival=gamma:cv=2 (FAKE EXAMPLE DATA)',
    requests: REQUESTS,
    completed,
    rejected,
    ttft_s: quantiles(ttft),
    tpot_s: quantiles(tpot),
    e2e_s: quantiles(e2e),
    queue_s: quantiles(queue),
    slo: { ...SLO, attainment },
    goodput_rps: (attainment * REQUESTS) / makespan,
    throughput_tok_s: { input: meanOut * 4.2, output: meanOut },
    prefix_hit_rate: router.prefixHit,
    gpu_hours: (instanceCount * makespan) / 3600,
    cost_usd: ((instanceCount * makespan) / 3600) * 3.2,
    sim_wall_s: 1.2 + rng(),
    sim_events: 480_000 + Math.round(rng() * 20_000),
    seed: 7,
    fleet: 'example-fleet.yaml',
    gpus: instanceCount,
    makespan_s: makespan,
    preemptions: Math.round(router.overload * router.skew * 900),
  }
  const instances: InstanceInfo[] = Array.from({ length: instanceCount }, (_, j) => ({
    name: `h100-${String(j).padStart(2, '0')}`,
    group: 'main',
    gpu: 'h100-80g',
    model: 'llama-3.1-8b',
    tp: 1,
  }))
  return {
    summary,
    cdf: { ttft_s: cdf(ttft), tpot_s: cdf(tpot), e2e_s: cdf(e2e) },
    timeline,
    instances,
  }
}

function fakeTimeline(
  router: FakeRouter,
  normal: () => number,
  instanceCount: number,
): RunDetail['timeline'] {
  const t: number[] = []
  const arrivals: number[] = []
  const output: number[] = []
  const input: number[] = []
  const waiting: number[] = []
  const running: number[] = []
  const kv: number[][] = Array.from({ length: instanceCount }, () => [])
  const bias = Array.from({ length: instanceCount }, () => router.skew * normal())
  let backlog = 0
  for (let b = 0; b < BUCKETS; b++) {
    const time = b * STEP
    // A smooth daily-ish swell plus a burst between 200 s and 320 s.
    const burst = time >= 200 && time < 320 ? 14 : 0
    const rate = Math.max(0, 16 + 6 * Math.sin(time / 95) + burst + 2 * normal())
    const capacity = 26 - 4 * router.overload
    backlog = Math.max(0, backlog + (rate - capacity) * STEP * 0.5)
    const served = Math.min(rate + backlog / 10, capacity)
    t.push(time)
    arrivals.push(rate)
    output.push(served * 220 * (1 + 0.05 * normal()))
    input.push(served * 920)
    waiting.push(Math.round(backlog + Math.max(0, 3 * normal())))
    running.push(Math.round(served * 6))
    const base = Math.min(1, served / capacity) * 0.72
    for (let j = 0; j < instanceCount; j++) {
      const v = base * (1 + (bias[j] ?? 0)) + 0.04 * normal() + (backlog > 20 ? 0.25 : 0)
      kv[j]?.push(Math.min(1, Math.max(0, v)))
    }
  }
  return {
    step_s: STEP,
    t,
    arrivals_rps: arrivals,
    output_tok_s: output,
    input_tok_s: input,
    waiting,
    running,
    kv_usage: kv,
  }
}

function gaussian(rng: Rng): () => number {
  return () => {
    const u = Math.max(1e-12, rng())
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng())
  }
}

function cdf(samples: ReadonlyArray<number>): number[] {
  const sorted = [...samples].sort((a, b) => a - b)
  return Array.from({ length: 201 }, (_, i) => at(sorted, i / 200))
}

function quantiles(samples: ReadonlyArray<number>): Quantiles {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
    p50: at(sorted, 0.5),
    p90: at(sorted, 0.9),
    p99: at(sorted, 0.99),
  }
}

function at(sorted: ReadonlyArray<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))] ?? Number.NaN
}
