/**
 * @module Tenants and overload through the gateway: a tenant over its tokens-per-minute gets 429
 * with Retry-After; max_concurrency is enforced; with the only backend saturated (max_in_flight 1
 * in front of an emulator with max-num-seqs 1) requests wait in the fair queue, and a light
 * tenant arriving behind a heavy tenant's backlog is served long before that backlog drains; a
 * full queue and a wait timeout are 429s too.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

const TENANTS = `tenants:
  - { name: heavy, api_keys: [sk-heavy], max_concurrency: 50 }
  - { name: light, api_keys: [sk-light] }
  - { name: capped, api_keys: [sk-capped], max_concurrency: 2 }
  - { name: metered, api_keys: [sk-metered], tokens_per_minute: 300 }
queue: { max_size: 100, max_wait_s: 20 }
`

let emu: Emulator
let gw: Gateway
const done: string[] = []

beforeAll(async () => {
  ;[emu] = (await startEmulators(1, { maxNumSeqs: 1, timeScale: 5 })) as [Emulator]
  gw = await startGatewayFor([emu], TENANTS, {
    pool: 'max_in_flight: 1',
    observer: { onDone: (e) => done.push(e.tenant) },
  })
})
afterAll(async () => {
  await gw.close({ timeoutMs: 500 })
  await emu.close({ timeoutMs: 0 })
})

/** client is an OpenAI client for one key, with no client-side retries. */
const client = (key: string) =>
  new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0, timeout: 20_000 })

/** complete sends one fixed-cost request (prompt + 20 output tokens). */
const complete = (key: string, tag: string) =>
  client(key).completions.create({
    model: MODEL,
    prompt: `fair ${tag}`,
    max_tokens: 20,
    ignore_eos: true,
  } as OpenAI.CompletionCreateParamsNonStreaming)

describe('tenants', () => {
  it('answers 429 with Retry-After to a tenant over its tokens per minute', async () => {
    const c = client('sk-metered')
    const body = { model: MODEL, prompt: 'meter', max_tokens: 200, ignore_eos: true }
    await c.completions.create(body as OpenAI.CompletionCreateParamsNonStreaming)
    const err = await c.completions
      .create(body as OpenAI.CompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.RateLimitError)
    const e = err as InstanceType<typeof OpenAI.RateLimitError>
    expect(e.status).toBe(429)
    expect(e.type).toBe('rate_limit_exceeded')
    expect(e.code).toBe('tokens_per_minute')
    const retryAfter = e.headers?.get('retry-after')
    expect(retryAfter).toMatch(/^\d+$/)
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
  })

  it('answers 401 to a missing or unknown key', async () => {
    const err = await client('sk-unknown')
      .models.list()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError)
    const r = await fetch(`${gw.url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: MODEL, prompt: 'x' }),
    })
    expect(r.status).toBe(401)
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key')
  })

  it('enforces max_concurrency', async () => {
    const slow = (tag: string) =>
      client('sk-capped').completions.create({
        model: MODEL,
        prompt: `slow ${tag}`,
        max_tokens: 60,
        ignore_eos: true,
      } as OpenAI.CompletionCreateParamsNonStreaming)
    const a = slow('a')
    const b = slow('b')
    await new Promise((r) => setTimeout(r, 20))
    const err = await slow('c').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.RateLimitError)
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('max_concurrency')
    await Promise.all([a, b])
    await slow('d') // slots freed
  })

  it("queues when saturated and serves a light tenant before a heavy tenant's backlog", async () => {
    done.length = 0
    const heavy = Array.from({ length: 12 }, (_, i) => complete('sk-heavy', `h${i}`))
    // Let the heavy backlog form, then the light tenant arrives behind it.
    await until(() => done.includes('heavy'), 5_000)
    const light = Array.from({ length: 3 }, (_, i) => complete('sk-light', `l${i}`))
    await within(Promise.all([...heavy, ...light]), 20_000, 'fair queue')
    const lastLight = done.lastIndexOf('light')
    const heavyAfter = done.slice(lastLight + 1).filter((t) => t === 'heavy').length
    // First-come-first-served would finish every heavy request first; VTC interleaves.
    expect(heavyAfter).toBeGreaterThanOrEqual(5)
    const m = await gatewayMetrics(gw)
    expect(
      sum(m, 'flotilla_gateway_routing_decisions_total', { reason: 'queued' }),
    ).toBeGreaterThan(10)
    expect(sum(m, 'flotilla_gateway_queue_wait_seconds_count')).toBeGreaterThan(10)
    expect(sum(m, 'flotilla_gateway_queue_depth')).toBe(0)
  })
})

describe('a full queue and a queue timeout', () => {
  let small: Gateway
  beforeAll(async () => {
    small = await startGatewayFor([emu], 'queue: { max_size: 2, max_wait_s: 0.3 }\n', {
      pool: 'max_in_flight: 1',
    })
  })
  afterAll(() => small.close({ timeoutMs: 500 }))

  it('answers 429 queue_full beyond max_size and 429 queue_timeout after max_wait_s', async () => {
    const send = (i: number) =>
      fetch(`${small.url}/v1/completions`, {
        method: 'POST',
        body: JSON.stringify({
          model: MODEL,
          prompt: `q${i}`,
          max_tokens: 300,
          ignore_eos: true,
        }),
      }).then(async (r) => ({
        status: r.status,
        retryAfter: r.headers.get('retry-after'),
        body: (await r.json()) as { error?: { code: string; type: string } },
      }))
    const results = await within(
      Promise.all([0, 1, 2, 3, 4].map((i) => send(i))),
      10_000,
      'queue test',
    )
    const codes = results.map((r) => r.body.error?.code ?? String(r.status)).sort()
    expect(codes).toEqual(['200', 'queue_full', 'queue_full', 'queue_timeout', 'queue_timeout'])
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(429)
      expect(r.body.error!.type).toBe('rate_limit_exceeded')
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1)
    }
  })
})

describe('admission: priority-edf in the gateway queue', () => {
  let edf: Gateway
  const order: string[] = []
  beforeAll(async () => {
    const yaml = `admission: priority-edf
tenants:
  - { name: batch, api_keys: [sk-batch], priority: 2 }
  - { name: chat, api_keys: [sk-chat], priority: 0 }
queue: { max_size: 100, max_wait_s: 20 }
`
    edf = await startGatewayFor([emu], yaml, {
      pool: 'max_in_flight: 1',
      observer: { onDone: (e) => order.push(e.tenant) },
    })
  })
  afterAll(() => edf.close({ timeoutMs: 500 }))

  it('serves the interactive class ahead of a batch backlog that arrived first', async () => {
    const send = (key: string, tag: string) =>
      new OpenAI({
        baseURL: `${edf.url}/v1`,
        apiKey: key,
        maxRetries: 0,
        timeout: 20_000,
      }).completions.create({
        model: MODEL,
        prompt: `edf ${tag}`,
        max_tokens: 20,
        ignore_eos: true,
      } as OpenAI.CompletionCreateParamsNonStreaming)
    const batch = Array.from({ length: 8 }, (_, i) => send('sk-batch', `b${i}`))
    await until(() => order.includes('batch'), 5_000)
    const chat = Array.from({ length: 2 }, (_, i) => send('sk-chat', `c${i}`))
    await within(Promise.all([...batch, ...chat]), 20_000, 'edf queue')
    // Deadlines: chat arrival + 2 s beats batch arrival + 60 s, so both chat requests go next.
    const lastChat = order.lastIndexOf('chat')
    expect(order.slice(lastChat + 1).filter((t) => t === 'batch').length).toBeGreaterThanOrEqual(5)
  })
})
