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

const AUTOSCALED = `listen: { host: 127.0.0.1, port: 8080 }
pools:
  - model: llama-3.1-8b
    autoscale:
      scaler: kpa:util=0.5
      max: 4
      container_concurrency: 8
      actuator:
        process:
          command: [node, bin/flotilla.js, emulate, --model, llama-3.1-8b]
          port_base: 8101
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

  it('reads a scaler as a spec or an object, to the same normalised spec', () => {
    const object = AUTOSCALED.replace('kpa:util=0.5', '{ kpa: { panic_window: 5, util: 0.5 } }')
    const spec = AUTOSCALED.replace('kpa:util=0.5', 'kpa:panic-window=5:util=.5')
    for (const text of [object, spec])
      expect(parseGatewayConfig(text, 'gw.yaml').pools[0]?.autoscale?.scaler).toBe(
        'kpa:util=0.5:panic-window=5',
      )
  })

  it('accepts an autoscaled pool without backends and fills its defaults', () => {
    const c = parseGatewayConfig(AUTOSCALED, 'gw.yaml')
    const p = c.pools[0]!
    expect(p.backends).toEqual([])
    expect(p.autoscale).toEqual({
      scaler: 'kpa:util=0.5',
      min: 0,
      max: 4,
      container_concurrency: 8,
      hold: { max_requests: 1024, timeout_s: 300 },
      actuator: {
        process: {
          command: ['node', 'bin/flotilla.js', 'emulate', '--model', 'llama-3.1-8b'],
          port_base: 8101,
          host: '127.0.0.1',
          health_path: '/health',
          ready_timeout_s: 600,
          stop_timeout_s: 10,
        },
      },
    })
    const k = parseGatewayConfig(
      AUTOSCALED.replace(
        /actuator:[\s\S]*$/,
        'actuator: { kubernetes: { deployment: vllm-llama, port: 8000 } }\n',
      ),
      'gw.yaml',
    )
    expect(k.pools[0]!.autoscale!.actuator.kubernetes).toEqual({
      namespace: 'default',
      deployment: 'vllm-llama',
      port: 8000,
      scheme: 'http',
      poll_ms: 1000,
    })
  })

  it('keeps backend URLs as written: the pool reduces them to their canonical form', () => {
    const c = parseGatewayConfig(
      MINIMAL.replace('http://127.0.0.1:8002', 'http://u:p@127.0.0.1:8002/v1'),
      'gw.yaml',
    )
    expect(c.pools[0]!.backends).toEqual(['http://127.0.0.1:8001', 'http://u:p@127.0.0.1:8002/v1'])
  })

  it('allows one backend in two pools (a multi-model server)', () => {
    const c = parseGatewayConfig(
      `${MINIMAL.replace(/tenants:[\s\S]*$/, '')}  - model: qwen\n    backends: [http://127.0.0.1:8001/v1]\n`,
      'gw.yaml',
    )
    expect(c.pools.map((p) => p.model)).toEqual(['llama-3.1-8b', 'qwen'])
  })

  it.each([
    '0.0.0.0',
    '::',
    '::1',
    'localhost',
    'gw-1.internal.example.com',
    'gw.example.',
    `${'a'.repeat(63)}.example`,
  ])('accepts listen host %s', (host) => {
    const c = parseGatewayConfig(MINIMAL.replace('host: 127.0.0.1', `host: '${host}'`), 'gw.yaml')
    expect(c.listen.host).toBe(host)
  })

  it.each([
    'not a host!!',
    '-gw.example',
    'gw-.example',
    'gw_1',
    `${'a'.repeat(64)}.example`,
    '[::1]',
    '10.0.0',
    'http://0.0.0.0',
  ])('rejects listen host %j', (host) => {
    expect(() =>
      parseGatewayConfig(MINIMAL.replace('host: 127.0.0.1', `host: '${host}'`), 'gw.yaml'),
    ).toThrow(/^gw.yaml:1: listen.host: /)
  })

  it.each([
    [
      'a pool with neither backends nor autoscale',
      'pools:\n  - model: m\n',
      /gw.yaml:2: pools.0.backends: list at least one backend, or add an autoscale: block/,
    ],
    [
      'an unknown scaler',
      AUTOSCALED.replace('kpa:util=0.5', 'magic'),
      /gw.yaml:5: pools.0.autoscale.scaler: unknown scaler 'magic' in 'magic' \(valid: kpa/,
    ],
    [
      'a bad scaler option',
      AUTOSCALED.replace('kpa:util=0.5', 'kpa:util=2'),
      /gw.yaml:5: pools.0.autoscale.scaler: scaler 'kpa:util=2': util must be a fraction/,
    ],
    [
      'a bad scaler option in the object form',
      AUTOSCALED.replace('kpa:util=0.5', '{ kpa: { util: 2 } }'),
      /gw.yaml:5: pools.0.autoscale.scaler: scaler 'kpa': util must be a fraction/,
    ],
    [
      'two scalers in the object form',
      AUTOSCALED.replace('kpa:util=0.5', '{ kpa: {}, hpa: {} }'),
      /gw.yaml:5: pools.0.autoscale.scaler: name one scaler/,
    ],
    [
      'min above max',
      AUTOSCALED.replace('max: 4', 'max: 4\n      min: 5'),
      /gw.yaml:7: pools.0.autoscale.min: min 5 exceeds max 4/,
    ],
    [
      'two actuators',
      AUTOSCALED.replace('actuator:', 'actuator:\n        kubernetes: { deployment: d }'),
      /gw.yaml:9: pools.0.autoscale.actuator: name exactly one actuator: process or kubernetes \(got both\)/,
    ],
    [
      'no actuator',
      AUTOSCALED.replace(/actuator:[\s\S]*$/, 'actuator: {}\n'),
      /gw.yaml:8: pools.0.autoscale.actuator: name exactly one actuator.*\(got none\)/,
    ],
    [
      'an empty command',
      AUTOSCALED.replace(/command: .*/, 'command: []'),
      /gw.yaml:10: pools.0.autoscale.actuator.process.command/,
    ],
    [
      'an unknown autoscale key',
      AUTOSCALED.replace('max: 4', 'max: 4\n      speed: 11'),
      /gw.yaml:7: pools.0.autoscale.speed/,
    ],
  ])('rejects %s with file, line and key', (_what, text, message) => {
    expect(() => parseGatewayConfig(text, 'gw.yaml')).toThrow(UsageError)
    expect(() => parseGatewayConfig(text, 'gw.yaml')).toThrow(message)
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
      MINIMAL.replace(
        'router: prefix-affinity',
        'router: { weighted: { prefix: 0, queue: 0, kv: 0 } }',
      ),
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
      'a backend URL with a query string',
      MINIMAL.replace('http://127.0.0.1:8002', 'http://127.0.0.1:8002/v1?x=1'),
      /gw.yaml:5: pools.0.backends.1: a query string is not allowed/,
    ],
    [
      'a backend URL without a scheme',
      MINIMAL.replace('http://127.0.0.1:8002', 'localhost:8002'),
      /gw.yaml:5: pools.0.backends.1: the URL must start with http:\/\/ or https:\/\//,
    ],
    [
      'a backend listed twice in one pool',
      MINIMAL.replace('http://127.0.0.1:8002', 'http://127.0.0.1:8001/v1/'),
      /gw.yaml:5: pools.0.backends.1: duplicate backend http:\/\/127.0.0.1:8001 \(also backends.0\)/,
    ],
    [
      'a backend listed twice with different credentials',
      MINIMAL.replace(
        '[http://127.0.0.1:8001, http://127.0.0.1:8002]',
        '\n      - http://a:x@127.0.0.1:8001\n      - http://b:y@127.0.0.1:8001',
      ),
      /gw.yaml:7: pools.0.backends.1: duplicate backend http:\/\/127.0.0.1:8001 \(also/,
    ],
    [
      'a duplicate tenant name',
      `${MINIMAL}  - { name: team-a, api_keys: [sk-other] }\n`,
      /gw.yaml:8: tenants.1.name: duplicate tenant name 'team-a'/,
    ],
    [
      'a listen host with spaces',
      MINIMAL.replace('host: 127.0.0.1', "host: 'not a host!!'"),
      /gw.yaml:1: listen.host: 'not a host!!' is not an IP address .* or a hostname/,
    ],
    [
      'a listen host with an empty label',
      MINIMAL.replace('host: 127.0.0.1', 'host: gw..example'),
      /gw.yaml:1: listen.host/,
    ],
    [
      'a mistyped IPv4 listen host',
      MINIMAL.replace('host: 127.0.0.1', 'host: 127.0.0.256'),
      /gw.yaml:1: listen.host/,
    ],
    [
      'an empty listen host',
      MINIMAL.replace('host: 127.0.0.1', "host: ''"),
      /gw.yaml:1: listen.host/,
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
