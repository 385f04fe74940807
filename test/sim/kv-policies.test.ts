/**
 * @module KV policies end to end on the Mooncake sample: `lru` through the policy seam is exactly
 * the plain engine, and the tiers' figures in `kv_tiers` add up.
 */
import { describe, expect, it } from 'vitest'
import { resolveChoice } from '../../src/policy/choice.js'
import { planFleet } from '../../src/sim/fleet.js'
import type { RunSummary } from '../../src/sim/result.js'
import { simulate } from '../../src/sim/simulator.js'
import { openTrace } from '../../src/trace/open.js'

const plans = planFleet({
  name: 'kv',
  groups: [
    { name: 'h100', gpu: 'h100-80g', model: 'llama-3.1-8b', tp: 1, count: 2, dtype: 'bf16' },
  ],
})

async function run(kv?: string): Promise<RunSummary> {
  const choice = { router: 'prefix-affinity', admission: 'fcfs', kv: kv ?? 'lru' }
  const { router, hooks } = resolveChoice(choice)
  const r = await simulate(plans, await openTrace('mooncake', { requests: 1000, seed: 3 }), {
    seed: 3,
    slo: { ttft_s: 2, tpot_s: 0.1 },
    router,
    ...(kv !== undefined ? { hooks } : {}),
  })
  const { sim_wall_s: _wall, ...rest } = r.summary
  return { ...rest, sim_wall_s: 0 }
}

describe('KV policies in the simulator', () => {
  it('lru through the policy seam is the plain engine, with no kv_tiers', async () => {
    const plain = await run()
    const lru = await run('lru')
    expect(lru).toEqual(plain)
    expect(lru.kv_tiers).toBeUndefined()
  })

  it('host-offload: GPU and host hits add up to the prefix hit rate; reloads cost bytes/PCIe', async () => {
    const lru = await run()
    const s = await run('host-offload:gb=20')
    const t = s.kv_tiers!
    expect(t.host_hit_rate).toBeGreaterThan(0)
    expect(t.gpu_hit_rate + t.host_hit_rate).toBeCloseTo(s.prefix_hit_rate, 12)
    expect(s.prefix_hit_rate).toBeGreaterThan(lru.prefix_hit_rate)
    expect(t.host_capacity_gb).toBeLessThanOrEqual(2 * 20)
    expect(t.host_peak_gb).toBeLessThanOrEqual(t.host_capacity_gb)
    expect(t.host_peak_gb).toBeGreaterThan(0.9 * t.host_capacity_gb)
    // One GPU per instance: every reloaded byte crosses that GPU's 64 GB/s PCIe 5.0 link.
    expect(t.reload_s).toBeCloseTo((t.reload_gb * 1e9) / 64e9, 9)
    expect(t.pins).toBe(0)
  })

  it('ttl-pin: session turns take the pins their previous turn left', async () => {
    const s = await run('ttl-pin:ttl=auto')
    const t = s.kv_tiers!
    expect(t.pins).toBeGreaterThan(0)
    expect(t.pin_hits).toBeGreaterThan(0)
    expect(t.pin_hits + t.pin_expired + t.pin_reclaimed).toBeLessThanOrEqual(t.pins)
    expect(t.host_hit_rate).toBe(0)
    expect(t.gpu_hit_rate).toBe(s.prefix_hit_rate)
    expect(s.completed).toBe(1000)
  })
})
