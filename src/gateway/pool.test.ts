/**
 * @module Pool.pick's narrowing before the router: tried backends, saturated ones while others
 * have room, and backends without a requested LoRA adapter running while some have it.
 */
import { describe, expect, it } from 'vitest'
import { createRng } from '../util/rng.js'
import type { BackendMetrics } from './backend-metrics.js'
import { parseGatewayConfig } from './config.js'
import { Pool } from './pool.js'
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
