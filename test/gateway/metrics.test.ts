/**
 * @module The gateway's /metrics over HTTP: every family with its type, requests by pool, backend,
 * status and tenant, TTFT/ITL/E2E measured at the gateway, routing decisions, the estimated prefix
 * hit rate (a repeated long prompt matches its blocks on the backend it went to), backend health.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import type { Gateway } from '../../src/gateway/gateway.js'
import { MODEL, parsePrometheus, startEmulators, startGatewayFor, sum } from './helpers.js'

let emus: Emulator[]
let gw: Gateway

beforeAll(async () => {
  emus = await startEmulators(2)
  gw = await startGatewayFor(emus, 'router: prefix-affinity\n')
})
afterAll(async () => {
  await gw.close({ timeoutMs: 500 })
  await Promise.all(emus.map((e) => e.close({ timeoutMs: 0 })))
})

const post = (body: Record<string, unknown>) =>
  fetch(`${gw.url}/v1/completions`, {
    method: 'POST',
    body: JSON.stringify({ model: MODEL, ...body }),
  }).then((r) => r.text())

describe('gateway /metrics', () => {
  it('exposes every family, measured at the gateway', async () => {
    const shared = 'A long shared system prompt about fleets and routing. '.repeat(100)
    await post({ prompt: `${shared} first`, max_tokens: 5, stream: true, ignore_eos: true })
    await post({ prompt: `${shared} second`, max_tokens: 5 })
    await post({ model: 'no-such-model', prompt: 'x' })

    const res = await fetch(`${gw.url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const m = parsePrometheus(await res.text())
    const types: Record<string, string> = {
      flotilla_gateway_requests_total: 'counter',
      flotilla_gateway_ttft_seconds: 'histogram',
      flotilla_gateway_itl_seconds: 'histogram',
      flotilla_gateway_e2e_seconds: 'histogram',
      flotilla_gateway_queue_depth: 'gauge',
      flotilla_gateway_queue_wait_seconds: 'histogram',
      flotilla_gateway_backend_healthy: 'gauge',
      flotilla_gateway_backend_in_flight: 'gauge',
      flotilla_gateway_backend_ejections_total: 'counter',
      flotilla_gateway_routing_decisions_total: 'counter',
      flotilla_gateway_prefix_prompt_blocks_total: 'counter',
      flotilla_gateway_prefix_matched_blocks_total: 'counter',
      flotilla_gateway_retries_total: 'counter',
      flotilla_gateway_upstream_failures_total: 'counter',
    }
    for (const [name, type] of Object.entries(types)) expect(m.types.get(name), name).toBe(type)

    expect(sum(m, 'flotilla_gateway_requests_total', { pool: MODEL, status: '200' })).toBe(2)
    expect(
      sum(m, 'flotilla_gateway_requests_total', {
        pool: 'none',
        status: '404',
        tenant: 'anonymous',
      }),
    ).toBe(1)
    expect(sum(m, 'flotilla_gateway_ttft_seconds_count')).toBe(1) // streamed requests only
    expect(sum(m, 'flotilla_gateway_itl_seconds_count')).toBeGreaterThanOrEqual(3)
    expect(sum(m, 'flotilla_gateway_e2e_seconds_count')).toBe(2)
    expect(
      sum(m, 'flotilla_gateway_routing_decisions_total', {
        router: 'prefix-affinity',
        reason: 'routed',
      }),
    ).toBe(2)
    // Over 64 shared blocks: prefix-affinity keys both prompts alike, so the second goes where
    // the first went and its shared blocks match there.
    const blocks = sum(m, 'flotilla_gateway_prefix_prompt_blocks_total')
    const matched = sum(m, 'flotilla_gateway_prefix_matched_blocks_total')
    expect(blocks).toBeGreaterThan(128)
    expect(matched / blocks).toBeGreaterThan(0.4)
    expect(sum(m, 'flotilla_gateway_backend_healthy')).toBe(2)
    expect(sum(m, 'flotilla_gateway_backend_in_flight')).toBe(0)
  })
})
