/** @module Small hand-made RunSummary/RunDetail values for report tests (fake data). */
import type { RunDetail, RunSummary } from '../../src/sim/result.js'
import type { Quantiles } from '../../src/util/stats.js'

const q = (p50: number): Quantiles => ({ mean: p50 * 1.2, p50, p90: p50 * 2, p99: p50 * 4 })

/** fakeSummary is a plausible RunSummary; override any field. */
export function fakeSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  const router = overrides.router ?? 'round-robin'
  return {
    router,
    policy: router,
    admission: 'fcfs',
    kv: 'lru',
    trace: 'burstgpt-sample',
    requests: 1000,
    completed: 990,
    rejected: 10,
    ttft_s: q(0.2),
    tpot_s: q(0.03),
    e2e_s: q(5),
    queue_s: q(0.05),
    slo: { ttft_s: 1, tpot_s: 0.05, attainment: 0.93 },
    goodput_rps: 9.3,
    throughput_tok_s: { input: 12000, output: 2300 },
    prefix_hit_rate: 0.4,
    gpu_hours: 2.5,
    cost_usd: 8.1,
    sim_wall_s: 1.5,
    sim_events: 300_000,
    seed: 42,
    fleet: 'h100x8',
    gpus: 8,
    makespan_s: 120,
    preemptions: 3,
    ...overrides,
  }
}

/** fakeDetail is a RunDetail with a 5-point CDF, 4 timeline buckets and 2 instances. */
export function fakeDetail(overrides: Partial<RunSummary> = {}): RunDetail {
  return {
    summary: fakeSummary(overrides),
    cdf: {
      ttft_s: [0.01, 0.1, 0.2, 0.5, 3],
      tpot_s: [0.01, 0.02, 0.03, 0.04, 0.08],
      e2e_s: [1, 2, 5, 8, 20],
    },
    timeline: {
      step_s: 30,
      t: [0, 30, 60, 90],
      arrivals_rps: [8, 9, 10, 8],
      output_tok_s: [2000, 2500, 2400, 2100],
      input_tok_s: [10000, 12000, 11000, 9000],
      waiting: [0, 3, 5, 1],
      running: [20, 30, 32, 25],
      kv_usage: [
        [0.2, 0.5, 0.9, 0.4],
        [0.1, 0.3, 1, 0.2],
      ],
    },
    instances: [
      { name: 'i0', group: 'main', gpu: 'h100-80g', model: 'llama-3.1-8b', tp: 1 },
      { name: 'i1', group: 'main', gpu: 'h100-80g', model: 'llama-3.1-8b', tp: 1 },
    ],
  }
}

/** emptyDetail is a run where nothing completed: empty CDFs, NaN quantiles, no timeline. */
export function emptyDetail(router = 'reject-all'): RunDetail {
  const nan: Quantiles = { mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN }
  return {
    summary: fakeSummary({
      router,
      completed: 0,
      rejected: 1000,
      ttft_s: nan,
      tpot_s: nan,
      e2e_s: nan,
      queue_s: nan,
      slo: { ttft_s: 1, tpot_s: 0.05, attainment: 0 },
      goodput_rps: 0,
      throughput_tok_s: { input: 0, output: 0 },
      prefix_hit_rate: Number.NaN,
    }),
    cdf: { ttft_s: [], tpot_s: [], e2e_s: [] },
    timeline: {
      step_s: 10,
      t: [],
      arrivals_rps: [],
      output_tok_s: [],
      input_tok_s: [],
      waiting: [],
      running: [],
      kv_usage: [],
    },
    instances: [],
  }
}
