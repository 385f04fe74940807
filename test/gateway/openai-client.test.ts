/**
 * @module The gateway end to end: the real `openai` npm client through the gateway to three
 * emulators — completions and chat, streamed and not, include_usage, /v1/models, a LoRA adapter
 * routed to its pool — and the load spread over all three backends (checked on the emulators'
 * own metrics and on the gateway's).
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import type { Gateway } from '../../src/gateway/gateway.js'
import { countTokens } from '../../src/openai/tokenizer.js'
import { scrape } from '../emulator/helpers.js'
import { gatewayMetrics, MODEL, startEmulators, startGatewayFor, sum, value } from './helpers.js'

let emus: Emulator[]
let gw: Gateway
let client: OpenAI

beforeAll(async () => {
  emus = await startEmulators(3, { loras: ['sql-lora'], timeScale: 100 })
  gw = await startGatewayFor(emus, 'router: round-robin\n', { pool: 'adapters: [sql-lora]' })
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-none', maxRetries: 0 })
})
afterAll(async () => {
  await gw.close({ timeoutMs: 1000 })
  await Promise.all(emus.map((e) => e.close({ timeoutMs: 100 })))
})

describe('the openai client through the gateway', () => {
  it('answers a non-streamed completion', async () => {
    const r = await client.completions.create({ model: MODEL, prompt: 'Once upon', max_tokens: 9 })
    expect(r.object).toBe('text_completion')
    expect(r.id).toMatch(/^cmpl-/)
    expect(r.usage!.prompt_tokens).toBe(1 + countTokens('Once upon'))
    expect(r.usage!.completion_tokens).toBe(countTokens(r.choices[0]!.text))
  })

  it('streams a completion with include_usage', async () => {
    const stream = await client.completions.create({
      model: MODEL,
      prompt: 'Streaming through the gateway',
      max_tokens: 20,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    } as OpenAI.CompletionCreateParamsStreaming)
    let chunks = 0
    let usage: OpenAI.CompletionUsage | undefined
    for await (const c of stream) {
      if (c.usage) usage = c.usage
      else chunks++
    }
    expect(chunks).toBe(20)
    expect(usage!.completion_tokens).toBe(20)
  })

  it('answers a non-streamed chat completion', async () => {
    const r = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hello there' }],
      max_tokens: 7,
    })
    expect(r.object).toBe('chat.completion')
    expect(r.choices[0]!.message.role).toBe('assistant')
    expect(r.usage!.completion_tokens).toBeLessThanOrEqual(7)
  })

  it('streams a chat completion: role chunk, content chunks, usage', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Stream me' }],
      max_completion_tokens: 12,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    } as OpenAI.ChatCompletionCreateParamsStreaming)
    const chunks: OpenAI.ChatCompletionChunk[] = []
    for await (const c of stream) chunks.push(c)
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant')
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(12)
    expect(chunks.slice(1, -1)).toHaveLength(12)
  })

  it('lists the pool model and its adapters, and serves the adapter', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id)
    expect(ids).toEqual([MODEL, 'sql-lora'])
    const r = await client.chat.completions.create({
      model: 'sql-lora',
      messages: [{ role: 'user', content: 'SELECT' }],
      max_tokens: 3,
    })
    expect(r.model).toBe('sql-lora')
  })

  it('spreads requests over all three backends', async () => {
    const before = await Promise.all(
      emus.map(async (e) => value(await scrape(e), 'vllm:request_success_total')),
    )
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        client.completions.create({ model: MODEL, prompt: `spread ${i}`, max_tokens: 4 }),
      ),
    )
    const after = await Promise.all(
      emus.map(async (e) => value(await scrape(e), 'vllm:request_success_total')),
    )
    // Round-robin: four each.
    expect(after.map((a, i) => a - before[i]!)).toEqual([4, 4, 4])
    const m = await gatewayMetrics(gw)
    for (const e of emus) {
      expect(
        sum(m, 'flotilla_gateway_requests_total', { backend: e.url, status: '200' }),
      ).toBeGreaterThanOrEqual(4)
    }
    expect(
      sum(m, 'flotilla_gateway_routing_decisions_total', { reason: 'routed' }),
    ).toBeGreaterThan(12)
    expect(sum(m, 'flotilla_gateway_ttft_seconds_count')).toBeGreaterThanOrEqual(2)
    expect(sum(m, 'flotilla_gateway_backend_healthy')).toBe(3)
  })
})
