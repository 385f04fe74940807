/**
 * @module Shared helpers for the gateway suites: emulators on free ports, a gateway in front of
 * them from a YAML snippet, its /metrics parsed, and bounded waits.
 */
import type { Emulator, EmulatorOptions } from '../../src/emulator/emulator.js'
import { parseGatewayConfig } from '../../src/gateway/config.js'
import { type Gateway, type GatewayOptions, startGateway } from '../../src/gateway/gateway.js'
import { type Exposition, MODEL, parsePrometheus, start } from '../emulator/helpers.js'

export { MODEL, parsePrometheus, value } from '../emulator/helpers.js'

/** startEmulators runs `n` emulators (time-scale 100 unless told otherwise). */
export function startEmulators(
  n: number,
  opts: Partial<EmulatorOptions> = {},
): Promise<Emulator[]> {
  return Promise.all(Array.from({ length: n }, () => start(opts)))
}

/**
 * startGatewayFor starts a gateway on 127.0.0.1:0 with one pool of `backends`; `extra` is YAML
 * appended at the top level, `pool` YAML lines added to the pool.
 */
export function startGatewayFor(
  backends: ReadonlyArray<{ readonly url: string }>,
  extra = '',
  opts: GatewayOptions & { readonly pool?: string } = {},
): Promise<Gateway> {
  const poolLines = (opts.pool ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => `    ${l.trim()}\n`)
    .join('')
  const yaml =
    `listen: { host: 127.0.0.1, port: 0 }\n` +
    `pools:\n  - model: ${MODEL}\n    backends: [${backends.map((b) => b.url).join(', ')}]\n` +
    poolLines +
    extra
  return startGateway(parseGatewayConfig(yaml, 'test.yaml'), { log: () => {}, ...opts })
}

/** gatewayMetrics fetches and parses the gateway's /metrics. */
export async function gatewayMetrics(gw: Gateway): Promise<Exposition> {
  return parsePrometheus(await gw.metricsText())
}

/** sum adds the samples named `name` whose labels include `match` (0 when there are none). */
export function sum(x: Exposition, name: string, match: Record<string, string> = {}): number {
  let v = 0
  for (const s of x.samples) {
    if (s.name !== name) continue
    if (Object.entries(match).some(([k, want]) => s.labels[k] !== want)) continue
    v += s.value
  }
  return v
}

/** within rejects when `p` takes longer than `ms`: no test waits on a hung request forever. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
    }),
  ])
}

/** until polls `check` every 10 ms until it holds, for at most `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
