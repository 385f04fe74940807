import { describe, expect, it } from 'vitest'
import { UsageError } from '../util/errors.js'
import { parseGatewayConfig } from './config.js'

const MINIMAL = `listen: { host: 127.0.0.1, port: 8080 }
router: prefix-affinity            # any registered router
pools:
  - model: llama-3.1-8b
    backends: [http://127.0.0.1:8001, http://127.0.0.1:8002]
tenants:
  - { name: team-a, api_keys: [sk-team-a], tokens_per_minute: 200000, max_concurrency: 64 }
`

describe('gateway config', () => {
  it("parses DESIGN.md's minimal form and fills defaults", () => {
    const c = parseGatewayConfig(MINIMAL, 'gw.yaml')
    expect(c.router).toBe('prefix-affinity')
    expect(c.pools[0]!.backends).toHaveLength(2)
    expect(c.tenants![0]!.weight).toBe(1)
    expect(c.scrape).toEqual({ interval_ms: 100, staleness_ms: 200, timeout_ms: 1000 })
    expect(c.retries.max).toBe(2)
  })

  it('orders pool queues by fair-share unless told otherwise; tenants may name a class', () => {
    expect(parseGatewayConfig(MINIMAL, 'gw.yaml').admission).toBe('fair-share')
    for (const name of ['fcfs', 'priority-edf', 'fair-share']) {
      expect(parseGatewayConfig(`admission: ${name}\n${MINIMAL}`, 'gw.yaml').admission).toBe(name)
    }
    const c = parseGatewayConfig(
      MINIMAL.replace('max_concurrency: 64', 'max_concurrency: 64, priority: 0'),
      'gw.yaml',
    )
    expect(c.tenants![0]!.priority).toBe(0)
  })

  it('accepts a weighted router', () => {
    const c = parseGatewayConfig(
      MINIMAL.replace(
        'router: prefix-affinity',
        'router: { weighted: { prefix: 2, queue: 2, kv: 1 } }',
      ),
      'gw.yaml',
    )
    expect(c.router).toEqual({ weighted: { prefix: 2, queue: 2, kv: 1 } })
  })

  it.each([
    ['an unknown router', MINIMAL.replace('prefix-affinity ', 'fastest '), /gw.yaml:2: router/],
    [
      'a bad backend URL',
      MINIMAL.replace('http://127.0.0.1:8002', 'ftp://x'),
      /gw.yaml:5: pools.0.backends.1/,
    ],
    ['an unknown key', `${MINIMAL}bogus: 1\n`, /gw.yaml:8: bogus/],
    [
      'a duplicate API key',
      `${MINIMAL}  - { name: team-b, api_keys: [sk-team-a] }\n`,
      /gw.yaml:8: tenants.1.api_keys.0: API key used by two tenants/,
    ],
    [
      'all-zero weights',
      MINIMAL.replace('router: prefix-affinity', 'router: { weighted: { prefix: 0 } }'),
      /gw.yaml:2: router/,
    ],
    [
      'an in-engine admission policy',
      `admission: laps\n${MINIMAL}`,
      /gw.yaml:1: admission: admission 'laps' schedules inside an engine .*use fcfs, priority-edf, fair-share/,
    ],
    [
      'an unknown admission policy',
      `admission: lottery\n${MINIMAL}`,
      /gw.yaml:1: admission: unknown admission policy 'lottery'/,
    ],
    [
      'a negative priority class',
      MINIMAL.replace('max_concurrency: 64', 'max_concurrency: 64, priority: -1'),
      /gw.yaml:7: tenants.0.priority/,
    ],
  ])('rejects %s with file and line', (_what, text, message) => {
    expect(() => parseGatewayConfig(text, 'gw.yaml')).toThrow(UsageError)
    expect(() => parseGatewayConfig(text, 'gw.yaml')).toThrow(message)
  })
})
