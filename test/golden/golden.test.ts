/**
 * Golden run: a small simulation on a real trace whose JSON is checked in. Any change to the
 * engine, latency model, routers or metrics that moves a figure shows up here as a diff; if the
 * change is intended, regenerate with `UPDATE_GOLDEN=1 npx vitest run test/golden` and review the
 * diff of golden.json in the commit.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createRouter } from '../../src/policy/registry.js'
import { planFleet } from '../../src/sim/fleet.js'
import { simulate } from '../../src/sim/simulator.js'
import { openTrace } from '../../src/trace/open.js'

const GOLDEN = new URL('./golden.json', import.meta.url)

/** roundDeep keeps 6 significant digits so libm differences across CPUs cannot flip a digit. */
function roundDeep(x: unknown): unknown {
  if (typeof x === 'number') return Number.isFinite(x) ? Number(x.toPrecision(6)) : String(x)
  if (Array.isArray(x)) return x.map(roundDeep)
  if (x && typeof x === 'object') {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, roundDeep(v)]))
  }
  return x
}

async function goldenRuns(): Promise<unknown[]> {
  const plans = planFleet({
    name: 'golden',
    groups: [
      { name: 'h100', gpu: 'h100-80g', model: 'llama-3.1-8b', tp: 1, count: 2, dtype: 'bf16' },
      { name: 'a100', gpu: 'a100-80g', model: 'llama-3.1-8b', tp: 1, count: 1, dtype: 'bf16' },
    ],
  })
  const out: unknown[] = []
  for (const [trace, router] of [
    ['azure-code', 'least-outstanding'],
    ['mooncake', 'prefix-affinity'],
    ['mooncake', 'round-robin'],
  ] as const) {
    const r = await simulate(plans, await openTrace(trace, { requests: 400, seed: 7 }), {
      seed: 7,
      slo: { ttft_s: 2, tpot_s: 0.1 },
      router: createRouter(router),
    })
    const { sim_wall_s: _wall, ...summary } = r.summary
    out.push(roundDeep({ summary, ttft_cdf_deciles: r.cdf.ttft_s.filter((_, i) => i % 20 === 0) }))
  }
  return out
}

describe('golden run', () => {
  it('matches test/golden/golden.json', async () => {
    const runs = await goldenRuns()
    if (process.env.UPDATE_GOLDEN) {
      writeFileSync(GOLDEN, `${JSON.stringify(runs, null, 2)}\n`)
    }
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as unknown[]
    expect(runs).toEqual(golden)
  })
})
