/**
 * @module Abuse of tenant token limits, through the real `openai` client: a client that aborts
 * each stream just before `[DONE]` owes what it was sent; a chat without max_tokens is capped at
 * what the bucket can pay and its over-use is drawn as it streams, so concurrent streams cannot
 * together take more than the bucket; a non-streamed answer longer than reserved puts the tenant
 * into debt; a request that can never fit the budget or the context window is a 400, not a 429.
 * Run alone with `npm run test:abuse`.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import type { Gateway } from '../../src/gateway/gateway.js'
import { gatewayMetrics, MODEL, startEmulators, startGatewayFor, sum } from './helpers.js'

/** BUDGET is the metered tenants' tokens per minute (it refills ~17 tokens a second). */
const BUDGET = 1000
const TENANTS = `tenants:
  - { name: aborter, api_keys: [sk-aborter], tokens_per_minute: ${BUDGET} }
  - { name: chatty, api_keys: [sk-chatty], tokens_per_minute: ${BUDGET} }
  - { name: crowd, api_keys: [sk-crowd], tokens_per_minute: ${BUDGET} }
  - { name: big, api_keys: [sk-big], tokens_per_minute: ${BUDGET} }
  - { name: free, api_keys: [sk-free] }
`

let emu: Emulator
let gw: Gateway
beforeAll(async () => {
  // Time scale 10: ~0.7 ms a token, so the 500 tokens after a client's abort take ~350 ms, far
  // longer than the abort needs to reach the gateway (a lost race would charge them all).
  ;[emu] = (await startEmulators(1, { timeScale: 10 })) as [Emulator]
  gw = await startGatewayFor([emu], TENANTS)
})
afterAll(async () => {
  await gw.close({ timeoutMs: 500 })
  await emu.close({ timeoutMs: 0 })
})

const client = (key: string) =>
  new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0, timeout: 20_000 })

/** charged is the tokens the gateway charged a tenant so far. */
async function charged(tenant: string): Promise<number> {
  return sum(await gatewayMetrics(gw), 'flotilla_gateway_tenant_tokens_total', { tenant })
}

/** drain reads a stream to its end; returns the content chunks and how it ended. */
async function drain(stream: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>) {
  let tokens = 0
  let finish: string | null = null
  let error: unknown
  try {
    for await (const c of stream) {
      const choice = c.choices[0]
      if (choice?.delta.content) tokens++
      if (choice?.finish_reason) finish = choice.finish_reason
    }
  } catch (err) {
    error = err
  }
  return { tokens, finish, error }
}

describe('a client that aborts every stream just before [DONE]', () => {
  it('owes the tokens it was sent: the next request is refused, not served from a full bucket', async () => {
    const c = client('sk-aborter')
    let delivered = 0
    let refused = 0
    for (let i = 0; i < 4; i++) {
      try {
        const stream = await c.completions.create({
          model: MODEL,
          prompt: `abort ${i}`,
          max_tokens: 900,
          ignore_eos: true,
          stream: true,
        } as OpenAI.CompletionCreateParamsStreaming)
        let n = 0
        for await (const _ of stream) {
          if (++n === 400) {
            stream.controller.abort()
            break
          }
        }
        delivered += n
      } catch (err) {
        expect(err).toBeInstanceOf(OpenAI.RateLimitError)
        refused++
      }
    }
    // Before: each abort refunded the whole charge, so all four got 400 tokens (1,600 in total).
    expect(delivered).toBe(400)
    expect(refused).toBe(3)
    const owed = await charged('aborter')
    expect(owed).toBeGreaterThanOrEqual(400)
    expect(owed).toBeLessThan(420) // 400 output + the prompt, not the 900 reserved
  })
})

describe('a chat without max_tokens', () => {
  it('is capped at what the bucket can pay, and says so', async () => {
    const { data: stream, response } = await client('sk-chatty')
      .chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'go on forever' }],
        stream: true,
        ignore_eos: true,
      } as OpenAI.Chat.ChatCompletionCreateParamsStreaming)
      .withResponse()
    const cap = Number(response.headers.get('x-flotilla-max-tokens'))
    expect(cap).toBeGreaterThan(BUDGET - 30)
    expect(cap).toBeLessThan(BUDGET)
    expect(response.headers.get('x-ratelimit-limit-tokens')).toBe(String(BUDGET))
    const r = await drain(stream)
    // Before: charged prompt + 512, it ran to the end of the context window (~44k tokens here).
    expect(r).toEqual({ tokens: cap, finish: 'length', error: undefined })
    const again = await client('sk-chatty')
      .chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'more' }] })
      .catch((e: unknown) => e)
    expect(again).toBeInstanceOf(OpenAI.RateLimitError)
  })

  it('cannot take more than the bucket by running several streams at once', async () => {
    const c = client('sk-crowd')
    const start = () =>
      c.chat.completions
        .create({
          model: MODEL,
          messages: [{ role: 'user', content: 'all at once' }],
          stream: true,
          ignore_eos: true,
        } as OpenAI.Chat.ChatCompletionCreateParamsStreaming)
        .then(drain, (error: unknown) => ({ tokens: 0, finish: null, error }))
    const results = await Promise.all([start(), start(), start()])
    const total = results.reduce((a, r) => a + r.tokens, 0)
    // Three streams each capped at the bucket would deliver nearly 3× the budget.
    expect(total).toBeLessThanOrEqual(BUDGET + 60)
    const cut = results.filter((r) => r.error instanceof OpenAI.APIError)
    expect(cut.length).toBeGreaterThanOrEqual(1)
    for (const r of cut)
      expect((r.error as InstanceType<typeof OpenAI.APIError>).code).toMatch(/tokens_per_minute/)
    const m = await gatewayMetrics(gw)
    expect(
      sum(m, 'flotilla_gateway_streams_cut_total', { reason: 'tokens_per_minute' }),
    ).toBeGreaterThanOrEqual(1)
  })
})

describe('requests that can never fit', () => {
  it('answers 400 to a request larger than the whole per-minute budget', async () => {
    const err = await client('sk-big')
      .completions.create({ model: MODEL, prompt: 'x', max_tokens: BUDGET + 1 })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe(
      'exceeds_tokens_per_minute',
    )
  })

  it("answers 400 to a request past the backends' context window, learned from /v1/models", async () => {
    const err = await client('sk-free')
      .completions.create({ model: MODEL, prompt: 'x', max_tokens: 10_000_000 })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe(
      'context_length_exceeded',
    )
    expect(
      sum(await gatewayMetrics(gw), 'flotilla_gateway_requests_total', {
        status: '400',
        backend: 'none',
      }),
    ).toBeGreaterThanOrEqual(1)
  })
})

describe('a non-streamed answer longer than its reservation', () => {
  let fake: Server
  let g: Gateway
  beforeAll(async () => {
    // A backend that ignores max_tokens and reports 3,000 output tokens.
    fake = createServer((req, res) => {
      req.resume()
      if (req.url === '/v1/completions') {
        const body = JSON.stringify({
          choices: [{ index: 0, text: 'x', finish_reason: 'length' }],
          usage: { prompt_tokens: 3, completion_tokens: 3000, total_tokens: 3003 },
        })
        res.writeHead(200, { 'content-type': 'application/json' }).end(body)
      } else {
        res.writeHead(req.url === '/health' ? 200 : 404).end()
      }
    })
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`
    g = await startGatewayFor(
      [{ url }],
      `tenants:\n  - { name: t, api_keys: [sk-t], tokens_per_minute: ${BUDGET} }\n`,
    )
  })
  afterAll(async () => {
    await g.close({ timeoutMs: 200 })
    await new Promise((r) => fake.close(r))
  })

  it('puts the tenant into debt, which refuses the next requests until repaid', async () => {
    const c = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'sk-t', maxRetries: 0 })
    await c.completions.create({ model: MODEL, prompt: 'x', max_tokens: 10 })
    const err = await c.completions
      .create({ model: MODEL, prompt: 'x', max_tokens: 10 })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.RateLimitError)
    // About 2,000 tokens in debt at 1,000 a minute: two minutes or more.
    const retry = Number(
      (err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after'),
    )
    expect(retry).toBeGreaterThanOrEqual(120)
  })
})
