/**
 * @module The emulator through the real `openai` npm client: completions and chat, streamed and
 * not, include_usage, stop strings, ignore_eos, n=2, /v1/models, deterministic output, and the
 * raw SSE framing and response shapes vLLM sends.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import { countTokens } from '../../src/openai/tokenizer.js'
import { MODEL, post, readFrames, start } from './helpers.js'

let emu: Emulator
let client: OpenAI

beforeAll(async () => {
  emu = await start({ loras: ['sql-lora'] })
  client = new OpenAI({ baseURL: `${emu.url}/v1`, apiKey: 'unused', maxRetries: 0 })
})
afterAll(() => emu.close())

describe('completions', () => {
  it('answers a non-streamed completion in the OpenAI shape', async () => {
    const r = await client.completions.create({
      model: MODEL,
      prompt: 'Once upon a time',
      max_tokens: 12,
    })
    expect(r.id).toMatch(/^cmpl-[0-9a-f]{32}$/)
    expect(r.object).toBe('text_completion')
    expect(r.model).toBe(MODEL)
    expect(r.created).toBeGreaterThan(1.6e9)
    expect(r.choices).toHaveLength(1)
    const c = r.choices[0]!
    expect(c.index).toBe(0)
    expect(c.logprobs).toBeNull()
    expect(['stop', 'length']).toContain(c.finish_reason)
    expect(r.usage!.prompt_tokens).toBe(1 + countTokens('Once upon a time'))
    expect(r.usage!.completion_tokens).toBeLessThanOrEqual(12)
    expect(r.usage!.completion_tokens).toBe(countTokens(c.text))
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens)
  })

  it('streams one chunk per token, then [DONE]; include_usage adds a final usage chunk', async () => {
    const stream = await client.completions.create({
      model: MODEL,
      prompt: 'Streaming test',
      max_tokens: 30,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    } as OpenAI.CompletionCreateParamsStreaming)
    let text = ''
    let chunks = 0
    let finish: string | null = null
    let usage: OpenAI.CompletionUsage | undefined
    for await (const c of stream) {
      if (c.usage) {
        expect(c.choices).toEqual([])
        usage = c.usage
        continue
      }
      chunks++
      text += c.choices[0]!.text
      finish = c.choices[0]!.finish_reason ?? finish
    }
    expect(chunks).toBe(30)
    expect(finish).toBe('length')
    expect(usage).toEqual({
      prompt_tokens: 1 + countTokens('Streaming test'),
      completion_tokens: 30,
      total_tokens: 31 + countTokens('Streaming test'),
    })
    expect(countTokens(text)).toBe(30)
  })

  it('generates exactly max_tokens with ignore_eos', async () => {
    const r = await client.completions.create({
      model: MODEL,
      prompt: 'Count',
      max_tokens: 333,
      ignore_eos: true,
    } as OpenAI.CompletionCreateParamsNonStreaming)
    expect(r.usage!.completion_tokens).toBe(333)
    expect(r.choices[0]!.finish_reason).toBe('length')
  })

  it('ends at a stop string, without it, with finish_reason stop (streamed and not)', async () => {
    const body = { model: MODEL, prompt: 'Stop strings', max_tokens: 200, ignore_eos: true }
    const full = (
      await client.completions.create(body as OpenAI.CompletionCreateParamsNonStreaming)
    ).choices[0]!.text
    const stop = full.slice(30, 34)
    const cut = full.slice(0, full.indexOf(stop))
    const r = await client.completions.create({
      ...body,
      stop: [stop],
    } as OpenAI.CompletionCreateParamsNonStreaming)
    expect(r.choices[0]!.text).toBe(cut)
    expect(r.choices[0]!.finish_reason).toBe('stop')
    expect(r.usage!.completion_tokens).toBeLessThan(200)
    const s = await client.completions.create({
      ...body,
      stop,
      stream: true,
    } as OpenAI.CompletionCreateParamsStreaming)
    let text = ''
    let finish: string | null = null
    for await (const c of s) {
      text += c.choices[0]!.text
      finish = c.choices[0]!.finish_reason ?? finish
    }
    expect(text).toBe(cut)
    expect(finish).toBe('stop')
  })

  it('accepts token-id prompts and counts them exactly', async () => {
    const r = await client.completions.create({
      model: MODEL,
      prompt: Array.from({ length: 77 }, (_, i) => i + 1),
      max_tokens: 3,
    })
    expect(r.usage!.prompt_tokens).toBe(77)
  })

  it('is deterministic for the same seed and prompt', async () => {
    const body = { model: MODEL, prompt: 'Determinism check', max_tokens: 50 }
    const a = await client.completions.create(body)
    const b = await client.completions.create(body)
    expect(b.choices[0]!.text).toBe(a.choices[0]!.text)
    const other = await start({ loras: ['sql-lora'] })
    try {
      const c = await new OpenAI({ baseURL: `${other.url}/v1`, apiKey: 'x' }).completions.create(
        body,
      )
      expect(c.choices[0]!.text).toBe(a.choices[0]!.text)
    } finally {
      await other.close()
    }
    const d = await client.completions.create({ ...body, prompt: 'Determinism check!' })
    expect(d.choices[0]!.text).not.toBe(a.choices[0]!.text)
  })

  it('rejects n=2 with a 400 naming n', async () => {
    const err = await client.completions
      .create({ model: MODEL, prompt: 'x', max_tokens: 2, n: 2 })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    const e = err as InstanceType<typeof OpenAI.BadRequestError>
    expect(e.status).toBe(400)
    expect(e.param).toBe('n')
    expect(e.type).toBe('invalid_request_error')
  })
})

describe('chat completions', () => {
  const messages = [
    { role: 'system' as const, content: 'You are terse.' },
    { role: 'user' as const, content: 'Say something.' },
  ]

  it('answers a non-streamed chat completion in the OpenAI shape', async () => {
    const r = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 20 })
    expect(r.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/)
    expect(r.object).toBe('chat.completion')
    const c = r.choices[0]!
    expect(c.message.role).toBe('assistant')
    expect(typeof c.message.content).toBe('string')
    expect(c.logprobs).toBeNull()
    expect(r.usage!.completion_tokens).toBe(countTokens(c.message.content!))
  })

  it('streams: a role chunk first, one content chunk per token, usage last', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages,
      max_completion_tokens: 25,
      stream: true,
      stream_options: { include_usage: true },
      ignore_eos: true,
    } as OpenAI.ChatCompletionCreateParamsStreaming)
    const chunks: OpenAI.ChatCompletionChunk[] = []
    for await (const c of stream) chunks.push(c)
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' })
    expect(chunks[0]!.object).toBe('chat.completion.chunk')
    const content = chunks.slice(1, -1)
    expect(content).toHaveLength(25)
    expect(content.at(-1)!.choices[0]!.finish_reason).toBe('length')
    const last = chunks.at(-1)!
    expect(last.choices).toEqual([])
    expect(last.usage!.completion_tokens).toBe(25)
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1)
  })

  it('serves a LoRA adapter named as the model, and 404s an unknown model', async () => {
    const r = await client.chat.completions.create({ model: 'sql-lora', messages, max_tokens: 3 })
    expect(r.model).toBe('sql-lora')
    const err = await client.chat.completions
      .create({ model: 'no-such-model', messages, max_tokens: 3 })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.NotFoundError)
  })

  it('renders the conversation so a longer chat keeps the same leading prompt tokens', async () => {
    const a = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 1 })
    const b = await client.chat.completions.create({
      model: MODEL,
      messages: [
        ...messages,
        { role: 'assistant', content: 'Ok.' },
        { role: 'user', content: 'More.' },
      ],
      max_tokens: 1,
    })
    expect(b.usage!.prompt_tokens).toBeGreaterThan(a.usage!.prompt_tokens)
  })
})

describe('models and raw framing', () => {
  it('lists the served model and its adapters', async () => {
    const list = await client.models.list()
    const ids = list.data.map((m) => m.id)
    expect(ids).toEqual([MODEL, 'sql-lora'])
    expect(list.data[0]!.object).toBe('model')
    expect((list.data[1] as unknown as { parent: string }).parent).toBe(MODEL)
  })

  it('frames SSE as data: {json}\\n\\n and ends with data: [DONE]', async () => {
    const r = await post(emu, '/v1/chat/completions', {
      model: MODEL,
      messages: [{ role: 'user', content: 'frame' }],
      max_tokens: 4,
      ignore_eos: true,
      stream: true,
    })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const frames = readFrames(r.text)
    expect(frames.at(-1)).toBe('[DONE]')
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f))
    expect(chunks).toHaveLength(5) // role + 4 tokens, no usage without include_usage
    for (const c of chunks) {
      expect(Object.keys(c)).toEqual(['id', 'object', 'created', 'model', 'choices'])
      expect(c.choices[0].logprobs).toBeNull()
    }
    expect(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true)
  })
})
