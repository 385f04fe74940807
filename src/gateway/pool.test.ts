/**
 * @module Pool.pick's narrowing before the router: tried backends, saturated ones while others
 * have room, and backends without a requested LoRA adapter running while some have it.
 */
import { describe, expect, it } from 'vitest'
import type { RequestInfo, RoutingPolicy } from '../policy/types.js'
import { UsageError } from '../util/errors.js'
import { createRng } from '../util/rng.js'
import type { BackendMetrics } from './backend-metrics.js'
import { parseGatewayConfig } from './config.js'
import { Pool, routerOf } from './pool.js'
import { PrefixIndex } from './prefix-index.js'

const config = parseGatewayConfig(
  `router: round-robin
pools:
  - model: m
    backends: [http://127.0.0.1:1, http://127.0.0.1:2, http://127.0.0.1:3]
    adapters: [sql]
    max_in_flight: 2
`,
  'p.yaml',
)

const metrics = (running: string[]): BackendMetrics => ({
  running: 0,
  waiting: 0,
  kvUsage: 0,
  blockSize: 16,
  numGpuBlocks: 1000,
  prefixQueries: 0,
  prefixHits: 0,
  preemptions: 0,
  lora: { maxLora: 1, running, waiting: [] },
})

function setup() {
  const pool = new Pool(config.pools[0]!, config.router)
  const prefix = new PrefixIndex()
  for (const s of pool.states) {
    s.metrics = metrics([])
    s.scrapedAt = 10
  }
  const pick = (exclude: number[] = [], adapter?: string) =>
    pool.pick({ id: 0, model: 'm', inputTokens: 10, blockHashes: [] }, pool.view(10, 0.3, prefix), {
      now: 10,
      rng: createRng(1),
      staleAfter: 0.3,
      prefix,
      exclude: new Set(exclude),
      adapter,
    })
  return { pool, prefix, pick }
}

describe('Pool.pick', () => {
  it('runs the router unchanged when nothing narrows the choice', () => {
    const { pick } = setup()
    expect([pick(), pick(), pick(), pick()]).toEqual([0, 1, 2, 0])
  })

  it('skips tried backends, and answers undefined when all were tried', () => {
    const { pick } = setup()
    expect(pick([0])).toBe(1)
    expect(pick([0, 1, 2])).toBeUndefined()
  })

  it('prefers backends with room; reports full when every one is saturated', () => {
    const { pool, prefix, pick } = setup()
    pool.states[0]!.inFlight = 2 // at max_in_flight
    pool.states[1]!.metrics = { ...metrics([]), waiting: 3, kvUsage: 0.97 }
    expect([pick(), pick()]).toEqual([2, 2])
    expect(pool.capacity(pool.view(10, 0.3, prefix), 10, 0.3)).toBe('open')
    pool.states[2]!.scrapedAt = 9 // stale at t = 10 with a 0.3 s bound
    expect(pool.capacity(pool.view(10, 0.3, prefix), 10, 0.3)).toBe('full')
    expect(pick()).toBeDefined() // saturated, yet still routable when the caller insists
  })

  it('prefers backends running the requested adapter', () => {
    const { pool, pick } = setup()
    pool.states[1]!.metrics = metrics(['sql'])
    expect([pick([], 'sql'), pick([], 'sql')]).toEqual([1, 1])
    expect(pick([1], 'sql')).toBeDefined()
  })

  it('reports none when no backend is routable', () => {
    const { pool, prefix } = setup()
    for (const s of pool.states) s.healthy = false
    expect(pool.capacity(pool.view(10, 0.3, prefix), 10, 0.3)).toBe('none')
  })
})

/** poolConfig parses a one-pool config with extra top-level and pool lines. */
function poolConfig(top: string, pool = '') {
  return parseGatewayConfig(
    `${top}
pools:
  - model: llama-3.1-8b
    backends: [http://127.0.0.1:1, http://127.0.0.1:2]
${pool}`,
    'p.yaml',
  )
}

describe('pool perf, SLO and router options', () => {
  it('builds the latency model of the declared hardware and shows it to the router', () => {
    const c = poolConfig('router: predicted-latency', '    perf: { gpu: h100-80g, tp: 1 }')
    const pool = new Pool(c.pools[0]!, c.router)
    const inst = pool.view(0, 1, new PrefixIndex()).instances[0]!
    // llama-3.1-8b on one H100: an 8,192-token prefill is a few hundred ms.
    expect(inst.perf?.prefillSeconds(8192, 0)).toBeGreaterThan(0.1)
    expect(inst.perf?.prefillSeconds(8192, 0)).toBeLessThan(0.5)
    expect(inst.perf?.maxBatchTokens).toBe(8192)
    const none = poolConfig('router: predicted-latency')
    expect(new Pool(none.pools[0]!, none.router).perf).toBeUndefined()
  })

  it('rejects perf for a model outside the catalog unless it names one, and bad hardware', () => {
    const custom = (perf: string) =>
      parseGatewayConfig(
        `pools:\n  - model: my-finetune\n    backends: [http://127.0.0.1:1]\n    perf: ${perf}\n`,
        'p.yaml',
      )
    expect(() => custom('{ gpu: h100-80g }')).toThrow(UsageError)
    expect(() => custom('{ gpu: h100-80g }')).toThrow(/not in the catalog/)
    expect(custom('{ gpu: h100-80g, model: llama-3.1-8b }').pools[0]!.perf?.model).toBe(
      'llama-3.1-8b',
    )
    expect(() => custom('{ gpu: h100-90g, model: llama-3.1-8b }')).toThrow(/unknown GPU/)
    expect(() => custom('{ gpu: h100-80g, model: llama-3.1-8b, tp: 3 }')).toThrow(UsageError)
  })

  it('passes the gateway SLO and the request adapter to the router', () => {
    const c = poolConfig('router: predicted-latency\nslo: { ttft_s: 0.4, tpot_s: 1 }')
    const pool = new Pool(c.pools[0]!, c.router)
    const prefix = new PrefixIndex()
    // Backend 0 decodes a big batch (slow TPOT, first token at once); backend 1 has 5,000 prompt
    // tokens in flight (≈ 0.5 s to first token at the queue estimate's 10k tokens/s).
    pool.states[0]!.metrics = { ...metrics([]), running: 200 }
    pool.states[1]!.metrics = metrics([])
    pool.states[1]!.inFlightPromptTokens = 5000
    for (const s of pool.states) s.scrapedAt = 10
    const req: RequestInfo = { id: 0, model: 'llama-3.1-8b', inputTokens: 100, blockHashes: [] }
    const pickWith = (slo: { ttft_s: number; tpot_s: number }) =>
      pool.pick(req, pool.view(10, 1, prefix), {
        now: 10,
        rng: createRng(1),
        staleAfter: 1,
        prefix,
        exclude: new Set(),
        adapter: undefined,
        slo,
      })
    // A 0.4 s TTFT target rules out backend 1; a 0.03 s TPOT target rules out backend 0.
    expect(pickWith({ ttft_s: 0.4, tpot_s: 1 })).toBe(0)
    expect(pickWith({ ttft_s: 2, tpot_s: 0.03 })).toBe(1)

    const seen: RequestInfo[] = []
    const spy: RoutingPolicy = {
      name: 'spy',
      pick: (r) => {
        seen.push(r)
        return 0
      },
    }
    ;(pool as { router: RoutingPolicy }).router = spy
    pool.pick(req, pool.view(10, 1, prefix), {
      now: 10,
      rng: createRng(1),
      staleAfter: 1,
      prefix,
      exclude: new Set(),
      adapter: 'sql',
    })
    expect(seen[0]!.adapter).toBe('sql')
  })

  it('accepts options for the routers from the literature, defaults filling the rest', () => {
    for (const [yaml, name] of [
      ['{ llm-d: { prefix: 3, queue: 2, kv: 2, kv_threshold: 0.9 } }', 'llm-d'],
      ['{ aibrix-prefix: { imbalance_threshold: 16, std_dev_factor: 2 } }', 'aibrix-prefix'],
      ['{ dynamo: { overlap_weight: 2, temperature: 0.5 } }', 'dynamo'],
      ['{ dualmap: { prefix_blocks: 32 } }', 'dualmap'],
      ['{ dynamo: {} }', 'dynamo'],
    ] as const) {
      expect(routerOf(poolConfig(`router: ${yaml}`).router).name).toBe(name)
    }
    expect(() => poolConfig('router: { dynamo: { temp: 1 } }')).toThrow(UsageError)
    expect(() => poolConfig('router: { llm-d: { prefix: 0, queue: 0, kv: 0 } }')).toThrow(
      UsageError,
    )
    expect(() => poolConfig('router: { dualmap: { hot_factor: 1 } }')).toThrow(UsageError)
  })
})
