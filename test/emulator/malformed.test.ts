/**
 * @module Malformed requests: each gets the right 4xx status and an OpenAI error body naming the
 * problem, and the emulator keeps serving afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import { MODEL, post, start } from './helpers.js'

let emu: Emulator
beforeAll(async () => {
  emu = await start({ bodyLimit: 1024 * 1024 })
})
afterAll(() => emu.close())

const chat = (extra: Record<string, unknown>) => ({
  model: MODEL,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
})
const cmpl = (extra: Record<string, unknown>) => ({ model: MODEL, prompt: 'hi', ...extra })

/** [name, path, body (string = raw), status, param, text the message must contain (or param)] */
const CASES: ReadonlyArray<[string, string, unknown, number, string | null, string?]> = [
  ['truncated JSON', '/v1/completions', '{"model": "x", "prompt":', 400, null],
  ['empty body', '/v1/chat/completions', '', 400, null],
  ['JSON array body', '/v1/completions', '[1, 2]', 400, null],
  ['JSON string body', '/v1/completions', '"hello"', 400, null],
  ['missing model', '/v1/completions', { prompt: 'hi' }, 400, 'model'],
  ['model is a number', '/v1/completions', cmpl({ model: 42 }), 400, 'model'],
  ['missing prompt', '/v1/completions', { model: MODEL }, 400, 'prompt'],
  ['prompt is a boolean', '/v1/completions', cmpl({ prompt: true }), 400, 'prompt'],
  ['prompt has negative token ids', '/v1/completions', cmpl({ prompt: [1, -2] }), 400, 'prompt.1'],
  ['two prompts', '/v1/completions', cmpl({ prompt: ['a', 'b'] }), 400, 'prompt'],
  ['missing messages', '/v1/chat/completions', { model: MODEL }, 400, 'messages'],
  ['empty messages', '/v1/chat/completions', chat({ messages: [] }), 400, 'messages'],
  [
    'unknown role',
    '/v1/chat/completions',
    chat({ messages: [{ role: 'wizard', content: 'x' }] }),
    400,
    'messages.0.role',
  ],
  [
    'image content',
    '/v1/chat/completions',
    chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }),
    400,
    'messages.0.content',
  ],
  ['negative max_tokens', '/v1/completions', cmpl({ max_tokens: -5 }), 400, 'max_tokens'],
  ['zero max_tokens', '/v1/chat/completions', chat({ max_tokens: 0 }), 400, 'max_tokens'],
  ['fractional max_tokens', '/v1/completions', cmpl({ max_tokens: 1.5 }), 400, 'max_tokens'],
  ['string max_tokens', '/v1/completions', cmpl({ max_tokens: '10' }), 400, 'max_tokens'],
  [
    'zero max_completion_tokens',
    '/v1/chat/completions',
    chat({ max_completion_tokens: 0 }),
    400,
    'max_completion_tokens',
  ],
  ['stream is a string', '/v1/completions', cmpl({ stream: 'yes' }), 400, 'stream'],
  ['stop is a number', '/v1/completions', cmpl({ stop: 5 }), 400, 'stop'],
  [
    'temperature is a string',
    '/v1/chat/completions',
    chat({ temperature: 'hot' }),
    400,
    'temperature',
  ],
  ['n = 2', '/v1/chat/completions', chat({ n: 2 }), 400, 'n'],
  [
    'context too long',
    '/v1/completions',
    cmpl({ max_tokens: 10_000_000 }),
    400,
    'max_tokens',
    'maximum context length is 131072 tokens',
  ],
  ['unknown model', '/v1/chat/completions', chat({ model: 'gpt-7' }), 404, 'model', 'gpt-7'],
]

describe('malformed requests', () => {
  it.each(CASES)('%s', async (_name, path, body, status, param, mention) => {
    const r = await post(emu, path, body)
    expect(r.status).toBe(status)
    const err = (r.json as { error: Record<string, unknown> }).error
    expect(Object.keys(err).sort()).toEqual(['code', 'message', 'param', 'type'])
    expect(err.type).toBe('invalid_request_error')
    expect(typeof err.message).toBe('string')
    expect(err.param).toBe(param)
    if (param) expect(err.message).toContain(mention ?? param)
  })

  it('answers 413 to a body over the limit', async () => {
    const big = JSON.stringify(cmpl({ prompt: 'x'.repeat(2 * 1024 * 1024) }))
    const r = await post(emu, '/v1/completions', big)
    expect(r.status).toBe(413)
    expect((r.json as { error: { code: string } }).error.code).toBe('request_too_large')
  })

  it('answers 405 for a wrong method and 404 for an unknown path', async () => {
    const get = await fetch(`${emu.url}/v1/completions`)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect(((await get.json()) as { error: object }).error).toBeDefined()
    const del = await fetch(`${emu.url}/health`, { method: 'DELETE' })
    expect(del.status).toBe(405)
    const nope = await post(emu, '/v1/embeddings', { model: MODEL, input: 'x' })
    expect(nope.status).toBe(404)
    expect((nope.json as { error: object }).error).toBeDefined()
  })

  it('keeps serving after all of the above', async () => {
    expect((await fetch(`${emu.url}/health`)).status).toBe(200)
    const r = await post(emu, '/v1/completions', cmpl({ max_tokens: 3 }))
    expect(r.status).toBe(200)
  })
})
