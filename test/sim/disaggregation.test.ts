/**
 * @module Prefill/decode disaggregation in the simulator: the handoff's timing against the
 * latency model and bytes/bandwidth by hand, conservation under load, and equal-GPU comparison
 * with a colocated fleet.
 */
import { describe, expect, it } from 'vitest'
import { addDecode, addPrefillChunk, emptyBatch } from '../../src/perf/batch.js'
import { createIterationModel } from '../../src/perf/iteration.js'
import { kvTransferBytes, RDMA_BYTES_PER_S } from '../../src/perf/kv-transfer.js'
import { createRouter } from '../../src/policy/registry.js'
import { type GroupSpec, type InstancePlan, planFleet } from '../../src/sim/fleet.js'
import { simulate } from '../../src/sim/simulator.js'
import { openTrace } from '../../src/trace/open.js'
import type { TraceRequest, TraceSource } from '../../src/trace/types.js'
import { uniqueKey } from '../../src/trace/types.js'

const SLO = { ttft_s: 2, tpot_s: 0.1 }

function group(name: string, count: number, role?: GroupSpec['role']): GroupSpec {
  return {
    name,
    gpu: 'h100-80g',
    model: 'llama-3.1-8b',
    tp: 1,
    count,
    dtype: 'bf16',
    ...(role ? { role } : {}),
  }
}

function pdFleet(p: number, d: number): InstancePlan[] {
  return planFleet({ name: 'pd', groups: [group('p', p, 'prefill'), group('d', d, 'decode')] })
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

function req(id: number, arrival: number, input: number, output: number): TraceRequest {
  return {
    id,
    arrival,
    inputTokens: input,
    outputTokens: output,
    segments: [{ key: uniqueKey(id), tokens: input }],
  }
}

describe('prefill/decode disaggregation', () => {
  it('times one request as prefill + KV transfer (bytes / bandwidth) + decode steps', async () => {
    const plans = pdFleet(1, 1)
    const input = 2000
    const output = 5
    const run = await simulate(plans, source([req(0, 0, input, output)]), {
      seed: 1,
      slo: SLO,
      router: createRouter('round-robin'),
      kvTransfer: { link: 'rdma', latencyS: 0.001 },
    })
    const model = createIterationModel(plans[0]!.deployment)
    const prefill = emptyBatch()
    addPrefillChunk(prefill, input, 0)
    const ttft = model.iterationTime(prefill)
    const transfer = 0.001 + kvTransferBytes(plans[0]!.deployment, input) / RDMA_BYTES_PER_S
    let decode = 0
    for (let k = 1; k < output; k++) {
      const b = emptyBatch()
      addDecode(b, input + k)
      decode += model.iterationTime(b)
    }
    const s = run.summary
    expect(s.completed).toBe(1)
    expect(s.ttft_s.p50).toBeCloseTo(ttft, 9)
    expect(s.e2e_s.p50).toBeCloseTo(ttft + transfer + decode, 9)
    expect(s.kv_transfer?.count).toBe(1)
    expect(s.kv_transfer?.gb).toBeCloseTo(kvTransferBytes(plans[0]!.deployment, input) / 1e9, 12)
    expect(s.kv_transfer?.mean_ms).toBeCloseTo(transfer * 1000, 9)
  })

  it('does not hand off a request whose only token came from the prefill', async () => {
    const run = await simulate(pdFleet(1, 1), source([req(0, 0, 500, 1)]), {
      seed: 1,
      slo: SLO,
      router: createRouter('round-robin'),
    })
    expect(run.summary.completed).toBe(1)
    expect(run.summary.kv_transfer?.count).toBe(0)
  })

  it('finishes every request exactly once under load, on a Mooncake sample', async () => {
    const trace = await openTrace('mooncake', { requests: 600 })
    const run = await simulate(pdFleet(2, 2), trace, {
      seed: 1,
      slo: SLO,
      router: createRouter('least-outstanding'),
    })
    const s = run.summary
    expect(s.completed + s.rejected).toBe(s.requests)
    expect(s.completed).toBeGreaterThan(590)
    // Every request with more than one output token moved once.
    expect(s.kv_transfer!.count).toBeGreaterThan(500)
    expect(s.kv_transfer!.count).toBeLessThanOrEqual(s.completed)
    expect(s.fleet).toContain('(prefill)')
    expect(s.gpus).toBe(4)
  })

  it('refuses a prefill pool without a decode pool', () => {
    expect(() =>
      planFleet({ name: 'x', groups: [group('p', 2, 'prefill'), group('m', 1)] }, 'f.yaml'),
    ).toThrow(/f\.yaml: prefill instances need at least one decode instance/)
  })
})
