/**
 * @module Failures through the gateway: a backend killed mid-run under load (every request
 * completes or gets a clear error, none hangs, the dead backend is ejected, later requests
 * succeed), retries of 5xx on other backends with ejection and probe re-admission, first-byte
 * timeouts on a hung backend, a client disconnect aborting the upstream request, and SSE
 * forwarded unbuffered from a real-time emulator.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import type { Gateway } from '../../src/gateway/gateway.js'
import { scrape } from '../emulator/helpers.js'
import {
  gatewayMetrics,
  MODEL,
  startEmulators,
  startGatewayFor,
  sum,
  until,
  within,
} from './helpers.js'

const emus: Emulator[] = []
const gateways: Gateway[] = []
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close({ timeoutMs: 200 })))
  await Promise.all(emus.splice(0).map((e) => e.close({ timeoutMs: 0 })))
})

async function emulators(n: number, opts: Parameters<typeof startEmulators>[1] = {}) {
  const list = await startEmulators(n, opts)
  emus.push(...list)
  return list
}
async function gateway(...args: Parameters<typeof startGatewayFor>): Promise<Gateway> {
  const g = await startGatewayFor(...args)
  gateways.push(g)
  return g
}

/** Result is how one request ended, as a client saw it. */
interface Result {
  readonly status: number
  readonly text: string
  /** The stream ended with [DONE] (streamed) or a JSON body arrived whole (not streamed). */
  readonly complete: boolean
  /** The body carries an OpenAI error object. */
  readonly error: boolean
}

/** send posts a completion and reads the whole answer; `onFirst` fires on the first chunk. */
async function send(gw: Gateway, body: Record<string, unknown>, onFirst?: () => void) {
  const res = await fetch(`${gw.url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, ...body }),
  })
  const reader = res.body!.getReader()
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (text === '') onFirst?.()
    text += new TextDecoder().decode(value)
  }
  const stream = body.stream === true
  let complete = false
  let error = false
  if (stream) {
    complete = text.endsWith('data: [DONE]\n\n')
    error = /^data: \{"error":\{"message":/m.test(text)
  } else {
    const json = JSON.parse(text) as { choices?: unknown; error?: { message?: string } }
    complete = res.status === 200 && Array.isArray(json.choices)
    error = typeof json.error?.message === 'string'
  }
  return { status: res.status, text, complete, error } satisfies Result
}

describe('a backend killed mid-run under load', () => {
  it('completes or cleanly fails every request, ejects the dead backend, serves on', async () => {
    const list = await emulators(3, { timeScale: 10 })
    const gw = await gateway(
      list,
      'router: least-outstanding\n' +
        'ejection: { consecutive_failures: 3, cool_off_s: 60 }\n' +
        'health: { interval_ms: 100 }\n',
    )
    const victim = list[0]!
    let started = 0
    const all = Array.from({ length: 30 }, (_, i) =>
      within(
        send(
          gw,
          { prompt: `load ${i}`, max_tokens: 150, ignore_eos: true, stream: i % 4 !== 3 },
          () => started++,
        ),
        10_000,
        `request ${i}`,
      ),
    )
    // Kill once the streams are flowing: their connections to the victim are cut mid-stream.
    await until(() => started >= 10, 5_000)
    await victim.close({ timeoutMs: 0 })
    const results = await Promise.allSettled(all)
    const settled = results.map((r) => {
      if (r.status === 'rejected') throw r.reason // a hang or a transport error: not allowed
      return r.value
    })
    for (const r of settled) expect(r.complete || r.error).toBe(true)
    const failed = settled.filter((r) => !r.complete)
    const done = settled.filter((r) => r.complete)
    expect(failed.length).toBeGreaterThan(0) // streams on the victim
    expect(done.length).toBeGreaterThan(15)
    for (const r of failed) expect(r.text).toContain('upstream_error')

    await until(() => !gw.backends()[0]!.ready, 2_000)
    const m = await gatewayMetrics(gw)
    expect(
      sum(m, 'flotilla_gateway_backend_ejections_total', { backend: victim.url }),
    ).toBeGreaterThanOrEqual(1)
    expect(sum(m, 'flotilla_gateway_backend_healthy', { backend: victim.url })).toBe(0)

    const later = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        within(send(gw, { prompt: `after ${i}`, max_tokens: 5 }), 5_000, `later ${i}`),
      ),
    )
    expect(later.map((r) => r.status)).toEqual(Array(10).fill(200))
  })
})

describe('retries and ejection', () => {
  it('retries 5xx on another backend, ejects the failing one, re-admits it by probe', async () => {
    const [bad] = await emulators(1, { failRate: 1 })
    const good = await emulators(2)
    const gw = await gateway(
      [bad!, ...good],
      'router: round-robin\n' +
        'retries: { max: 2 }\n' +
        'ejection: { consecutive_failures: 2, cool_off_s: 0.3 }\n' +
        'health: { interval_ms: 50 }\n',
    )
    const results: Result[] = []
    for (let i = 0; i < 9; i++) results.push(await send(gw, { prompt: `r${i}`, max_tokens: 3 }))
    expect(results.map((r) => r.status)).toEqual(Array(9).fill(200))
    let m = await gatewayMetrics(gw)
    expect(sum(m, 'flotilla_gateway_retries_total', { backend: bad!.url })).toBe(2)
    expect(sum(m, 'flotilla_gateway_backend_ejections_total', { backend: bad!.url })).toBe(1)
    expect(sum(m, 'flotilla_gateway_routing_decisions_total', { reason: 'retry' })).toBe(2)
    // After the cool-off a probe of /health (which the failing emulator passes) re-admits it.
    await until(() => gw.backends()[0]!.ready, 3_000)
    m = await gatewayMetrics(gw)
    expect(sum(m, 'flotilla_gateway_backend_readmissions_total', { backend: bad!.url })).toBe(1)
  })

  it('answers 502 with an OpenAI error when every attempt fails', async () => {
    const list = await emulators(2, { failRate: 1 })
    const gw = await gateway(list, 'retries: { max: 1 }\n')
    const r = await send(gw, { prompt: 'doomed', max_tokens: 3 })
    expect(r.status).toBe(502)
    expect(r.error).toBe(true)
    expect(JSON.parse(r.text).error.code).toBe('upstream_error')
  })

  it('times out a hung backend: 504 before the first byte, an error frame after it', async () => {
    const [hung] = await emulators(1, { hangAfter: 1 })
    const gw = await gateway([hung!], 'timeouts: { first_byte_s: 0.3, request_s: 5 }\n')
    const t0 = Date.now()
    const streamed = await within(
      send(gw, { prompt: 'hang', max_tokens: 10, stream: true }),
      3_000,
      'hung stream',
    )
    expect(Date.now() - t0).toBeLessThan(2_000)
    expect(streamed.status).toBe(200) // the emulator sent its head at once, as vLLM does
    expect(streamed.error).toBe(true)
    expect(streamed.text).toContain('upstream_timeout')
    const plain = await within(send(gw, { prompt: 'hang 2', max_tokens: 10 }), 3_000, 'hung')
    expect(plain.status).toBe(504)
    expect(plain.error).toBe(true)
  })
})

describe('client disconnects', () => {
  it('aborts the upstream request when the client goes away mid-stream', async () => {
    const [e] = await emulators(1, { timeScale: 1 })
    const gw = await gateway([e!])
    const ctrl = new AbortController()
    const res = await fetch(`${gw.url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({
        model: MODEL,
        prompt: 'walk away',
        max_tokens: 2000,
        ignore_eos: true,
        stream: true,
      }),
      signal: ctrl.signal,
    })
    await res.body!.getReader().read()
    ctrl.abort()
    // The emulator counts the request as aborted, as vLLM does, long before 2,000 tokens.
    await until(
      async () =>
        sum(await scrape(e!), 'vllm:request_success_total', { finished_reason: 'abort' }) === 1,
      3_000,
    )
    await until(() => gw.backends()[0]!.inFlight === 0, 2_000)
    const m = await gatewayMetrics(gw)
    expect(sum(m, 'flotilla_gateway_requests_total', { status: '499' })).toBe(1)
  })
})

describe('streaming', () => {
  it('forwards SSE chunk by chunk: the first chunk arrives long before the last', async () => {
    const [slow] = await emulators(1, { timeScale: 1 })
    const gw = await gateway([slow!])
    const t0 = performance.now()
    let first = 0
    let reads = 0
    const res = await fetch(`${gw.url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({
        model: MODEL,
        prompt: 'slowly',
        max_tokens: 80,
        ignore_eos: true,
        stream: true,
      }),
    })
    expect(res.headers.get('x-accel-buffering')).toBe('no')
    const reader = res.body!.getReader()
    for (;;) {
      const { done } = await reader.read()
      if (done) break
      if (reads++ === 0) first = performance.now() - t0
    }
    const total = performance.now() - t0
    // 80 tokens in real time take several hundred ms; buffering would deliver them at the end.
    expect(total).toBeGreaterThan(200)
    expect(first).toBeLessThan(total / 4)
    expect(reads).toBeGreaterThan(20)
  })
})
