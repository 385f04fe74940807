/**
 * @module Streams that stall are cut: a backend that stops mid-answer while its /health keeps
 * answering gets the stream ended with a final error frame after `timeouts.idle_s` (counted), is
 * ejected, and after each re-admission is ejected again on its first stall, for twice as long;
 * and streams still open when the shutdown drain times out end with an error frame, not a reset.
 * Run alone with `npm run test:abuse`.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import type { Gateway } from '../../src/gateway/gateway.js'
import {
  gatewayMetrics,
  MODEL,
  startEmulators,
  startGatewayFor,
  sum,
  until,
  within,
} from './helpers.js'

const closers: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** stallingBackend answers /health and sends three frames of every stream, then nothing. */
async function stallingBackend(): Promise<{ url: string; streams: () => number }> {
  let streams = 0
  const server: Server = createServer((req, res) => {
    req.resume()
    if (req.url === '/v1/completions') {
      streams++
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (let i = 0; i < 3; i++) res.write(`data: {"choices":[{"index":0,"text":"t${i}"}]}\n\n`)
      return // and never another byte
    }
    res.writeHead(req.url === '/health' ? 200 : 404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  closers.push(() => {
    server.closeAllConnections()
    return new Promise((r) => server.close(r))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    streams: () => streams,
  }
}

async function gateway(...args: Parameters<typeof startGatewayFor>): Promise<Gateway> {
  const g = await startGatewayFor(...args)
  closers.push(() => g.close({ timeoutMs: 200 }))
  return g
}

/** stream sends one streaming completion and reads it to the end (or to the error). */
async function stream(gw: Gateway) {
  const c = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 30_000 })
  const t0 = performance.now()
  const s = await c.completions.create({
    model: MODEL,
    prompt: 'stall',
    max_tokens: 50,
    stream: true,
  })
  let chunks = 0
  let error: unknown
  try {
    for await (const _ of s) chunks++
  } catch (err) {
    error = err
  }
  return { chunks, error, seconds: (performance.now() - t0) / 1000 }
}

describe('a backend that stalls mid-stream while /health answers', () => {
  it('cuts the stream after idle_s with a final error frame and counts it', async () => {
    const b = await stallingBackend()
    const gw = await gateway([b], 'timeouts: { idle_s: 0.3, request_s: 600 }\n')
    const r = await within(stream(gw), 5_000, 'stalled stream')
    // Before: the client waited for request_s, 600 s.
    expect(r.chunks).toBe(3)
    expect(r.error).toBeInstanceOf(OpenAI.APIError)
    expect((r.error as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_idle_timeout')
    expect(r.seconds).toBeGreaterThanOrEqual(0.3)
    expect(r.seconds).toBeLessThan(1.5)
    const m = await gatewayMetrics(gw)
    expect(sum(m, 'flotilla_gateway_streams_cut_total', { reason: 'idle_timeout' })).toBe(1)
    expect(sum(m, 'flotilla_gateway_upstream_failures_total', { kind: 'idle_timeout' })).toBe(1)
    expect(sum(m, 'flotilla_gateway_requests_total', { status: '504' })).toBe(1)
  })

  it('ejects it, and after each re-admission ejects it again on its first stall, for longer', async () => {
    const b = await stallingBackend()
    const logs: string[] = []
    const gw = await gateway(
      [b],
      'timeouts: { idle_s: 0.2 }\nejection: { consecutive_failures: 2, cool_off_s: 0.3, max_cool_off_s: 10 }\nhealth: { interval_ms: 50 }\n',
      { log: (l) => logs.push(l) },
    )
    await Promise.all([stream(gw), stream(gw)]) // two stalls: ejected for 0.3 s
    expect(gw.backends()[0]!.ready).toBe(false)
    const up1 = await within(
      until(() => gw.backends()[0]!.ready, 3_000),
      4_000,
      'first re-admission',
    )
    void up1
    await stream(gw) // on probation: one stall ejects it again, now for 0.6 s
    expect(gw.backends()[0]!.ready).toBe(false)
    const t0 = performance.now()
    await until(() => gw.backends()[0]!.ready, 3_000)
    expect(performance.now() - t0).toBeGreaterThan(450)
    expect(logs.filter((l) => l.includes('ejected')).length).toBe(2)
    expect(logs.some((l) => /on probation/.test(l))).toBe(true)
    expect(logs.filter((l) => l.includes('re-admitted')).length).toBe(2)
    // Three streams stalled in all: without probation, every re-admission would take two more.
    expect(b.streams()).toBe(3)
  })
})

describe('the shutdown drain timing out', () => {
  let emu: Emulator | undefined
  afterEach(async () => {
    await emu?.close({ timeoutMs: 0 })
  })

  it('ends the streams still open with a shutting_down error frame', async () => {
    ;[emu] = (await startEmulators(1, { timeScale: 1 })) as [Emulator]
    const gw = await startGatewayFor([emu])
    const res = await fetch(`${gw.url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({
        model: MODEL,
        prompt: 'long',
        max_tokens: 5000,
        ignore_eos: true,
        stream: true,
      }),
    })
    const reader = res.body!.getReader()
    await reader.read() // it has begun
    const closed = gw.close({ timeoutMs: 200 })
    let text = ''
    for (;;) {
      const { done, value } = await within(reader.read(), 5_000, 'drained stream')
      if (done) break
      text += new TextDecoder().decode(value)
    }
    await closed
    // Before: the connection was reset (the read rejected) with no word of why.
    expect(text).toMatch(
      /data: \{"error":\{"message":"the gateway is shutting down".*"code":"shutting_down"\}\}\n\n$/,
    )
  })
})
