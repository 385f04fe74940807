#!/usr/bin/env node
// Simulator throughput benchmark: 1,000,000 synthetic requests (Poisson arrivals, lognormal
// lengths, shared prefixes) on 32 H100 instances serving llama-3.1-8b near saturation.
// Prints wall seconds, simulated requests per wall second and peak RSS. A small baseline run
// (the same workload, 1/20th the size) goes first, side by side, so noisy machines can be
// compared by ratio. Usage: npm run bench:sim [-- --requests N --router NAME]
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { createRouter } from '../dist/policy/registry.js'
import { planFleet } from '../dist/sim/fleet.js'
import { simulate } from '../dist/sim/simulator.js'
import { openTrace } from '../dist/trace/open.js'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000000' },
    router: { type: 'string', default: 'least-outstanding' },
    rate: { type: 'string', default: '600' },
  },
})
const n = Number(values.requests)
// One H100 serves ~21 req/s of this mix offline (measured with rate=inf), so 32 instances
// saturate near 680 req/s: 600 req/s is ~88% load.
const spec = (count) =>
  `synthetic:n=${count},rate=${values.rate},arrival=poisson,` +
  'input=lognormal:mean=1024,sigma=0.8,output=lognormal:mean=256,sigma=0.8,' +
  'prefix=shared:groups=100,len=512'
const plans = planFleet({
  name: 'bench',
  groups: [
    { name: 'h100', gpu: 'h100-80g', model: 'llama-3.1-8b', tp: 1, count: 32, dtype: 'bf16' },
  ],
})

let peakRss = 0
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss())
}, 50)

async function once(count) {
  const t0 = performance.now()
  const r = await simulate(plans, await openTrace(spec(count), { seed: 1 }), {
    seed: 1,
    slo: { ttft_s: 2, tpot_s: 0.1 },
    router: createRouter(values.router),
  })
  const wall = (performance.now() - t0) / 1000
  peakRss = Math.max(peakRss, process.memoryUsage.rss())
  return { wall, s: r.summary }
}

const base = await once(Math.max(1000, Math.round(n / 20)))
const main = await once(n)
clearInterval(sampler)
const row = (label, r) =>
  `${label.padEnd(9)} ${String(r.s.requests).padStart(8)} req  ${r.wall.toFixed(2).padStart(7)} s wall  ` +
  `${Math.round(r.s.requests / r.wall)
    .toLocaleString('en-US')
    .padStart(9)} req/s  ` +
  `${Math.round(r.s.sim_events / r.wall)
    .toLocaleString('en-US')
    .padStart(10)} events/s  ` +
  `simulated ${r.s.makespan_s.toFixed(0)} s, p99 TTFT ${r.s.ttft_s.p99.toFixed(3)} s, ` +
  `attain ${(r.s.slo.attainment * 100).toFixed(1)}%, preempt ${r.s.preemptions}`
console.log(row('baseline', base))
console.log(row('main', main))
console.log(
  `ratio main/baseline (per request): ${(main.wall / main.s.requests / (base.wall / base.s.requests)).toFixed(2)}  ` +
    `peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
)
