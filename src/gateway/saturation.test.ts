/**
 * @module Saturation rules (in-flight cap, staleness, a queue with KV full) and the in-flight cap
 * learned from scrapes.
 */
import { describe, expect, it } from 'vitest'
import type { BackendMetrics } from './backend-metrics.js'
import { createBackendState } from './backend-state.js'
import { isSaturated, learnLimit } from './saturation.js'

const metrics = (m: Partial<BackendMetrics>): BackendMetrics => ({
  running: undefined,
  waiting: undefined,
  kvUsage: undefined,
  blockSize: undefined,
  numGpuBlocks: undefined,
  prefixQueries: undefined,
  prefixHits: undefined,
  preemptions: undefined,
  lora: undefined,
  ...m,
})

describe('saturation', () => {
  it('is saturated at the in-flight cap, when stale, or queueing with KV full', () => {
    const b = createBackendState('http://a', 'm')
    expect(isSaturated(b, 10, 0.3, Number.POSITIVE_INFINITY)).toBe(false) // never scraped
    b.inFlight = 4
    expect(isSaturated(b, 10, 0.3, 4)).toBe(true)
    b.metrics = metrics({ waiting: 0, kvUsage: 0.99 })
    b.scrapedAt = 9.9
    expect(isSaturated(b, 10, 0.3, 8)).toBe(false)
    expect(isSaturated(b, 10.5, 0.3, 8)).toBe(true) // stale
    b.metrics = metrics({ waiting: 2, kvUsage: 0.99 })
    expect(isSaturated(b, 10, 0.3, 8)).toBe(true)
    b.metrics = metrics({ waiting: 2, kvUsage: 0.5 })
    expect(isSaturated(b, 10, 0.3, 8)).toBe(false)
  })

  it('learns 2 × running from a scrape with a queue, and never lowers it', () => {
    expect(learnLimit(undefined, metrics({ running: 10, waiting: 0 }))).toBeUndefined()
    expect(learnLimit(undefined, metrics({ running: 256, waiting: 3 }))).toBe(512)
    expect(learnLimit(512, metrics({ running: 100, waiting: 3 }))).toBe(512)
  })
})
