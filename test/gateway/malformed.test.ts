/**
 * @module Malformed requests at the gateway: each gets the right 4xx status and an OpenAI error
 * body (`error.message/type/param/code`), checked by the gateway before any backend sees it
 * (except what only the engine knows, such as its context length, passed through from it), and
 * the gateway still answers /health and a normal request afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import type { Gateway } from '../../src/gateway/gateway.js'
import { scrape } from '../emulator/helpers.js'
import { MODEL, startEmulators, startGatewayFor, value } from './helpers.js'

const KEY = 'sk-good'
let emu: Emulator
let gw: Gateway

beforeAll(async () => {
  ;[emu] = (await startEmulators(1)) as [Emulator]
  gw = await startGatewayFor(
    [emu],
    `max_body_bytes: 65536\ntenants:\n  - { name: t, api_keys: [${KEY}] }\n`,
  )
})
afterAll(async () => {
  await gw.close({ timeoutMs: 500 })
  await emu.close({ timeoutMs: 0 })
})

const chat = (extra: Record<string, unknown>) => ({
  model: MODEL,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
})
const cmpl = (extra: Record<string, unknown>) => ({ model: MODEL, prompt: 'hi', ...extra })

interface Case {
  readonly name: string
  readonly method?: string
  readonly path?: string
  /** A string is sent raw. */
  readonly body?: unknown
  /** Authorization header; null sends none. */
  readonly auth?: string | null
  readonly status: number
  readonly param?: string | null
  readonly code?: string
}

const CASES: ReadonlyArray<Case> = [
  { name: 'truncated JSON', body: '{"model": "x", "prompt":', status: 400, code: 'invalid_json' },
  { name: 'empty body', path: '/v1/chat/completions', body: '', status: 400, code: 'invalid_json' },
  { name: 'JSON array body', body: '[1, 2]', status: 400, code: 'invalid_json' },
  { name: 'missing model', body: { prompt: 'hi' }, status: 400, param: 'model' },
  { name: 'model is a number', body: cmpl({ model: 42 }), status: 400, param: 'model' },
  { name: 'prompt is a boolean', body: cmpl({ prompt: true }), status: 400, param: 'prompt' },
  {
    name: 'messages is a string',
    path: '/v1/chat/completions',
    body: chat({ messages: 'hello' }),
    status: 400,
    param: 'messages',
  },
  { name: 'stream is a string', body: cmpl({ stream: 'yes' }), status: 400, param: 'stream' },
  { name: 'negative max_tokens', body: cmpl({ max_tokens: -5 }), status: 400, param: 'max_tokens' },
  { name: 'string max_tokens', body: cmpl({ max_tokens: '9' }), status: 400, param: 'max_tokens' },
  {
    name: 'n = 2',
    path: '/v1/chat/completions',
    body: chat({ n: 2 }),
    status: 400,
    param: 'n',
  },
  {
    name: 'unknown model',
    body: cmpl({ model: 'gpt-7' }),
    status: 404,
    param: 'model',
    code: 'model_not_found',
  },
  {
    name: 'context too long (the engine answers; passed through)',
    body: cmpl({ max_tokens: 10_000_000 }),
    status: 400,
    param: 'max_tokens',
    code: 'context_length_exceeded',
  },
  {
    name: 'oversize body',
    body: cmpl({ prompt: 'x'.repeat(70_000) }),
    status: 413,
    code: 'request_too_large',
  },
  {
    name: 'bad API key',
    body: cmpl({}),
    auth: 'Bearer sk-bad',
    status: 401,
    code: 'invalid_api_key',
  },
  { name: 'no API key', body: cmpl({}), auth: null, status: 401, code: 'invalid_api_key' },
  { name: 'not a bearer key', body: cmpl({}), auth: 'Basic Zm9v', status: 401 },
  {
    name: 'GET on a POST route',
    method: 'GET',
    path: '/v1/completions',
    status: 405,
    code: 'method_not_allowed',
  },
  {
    name: 'DELETE /v1/models',
    method: 'DELETE',
    path: '/v1/models',
    status: 405,
    code: 'method_not_allowed',
  },
  { name: 'unknown path', path: '/v1/embeddings', body: cmpl({}), status: 404, code: 'not_found' },
  { name: 'root path', method: 'GET', path: '/', status: 404, code: 'not_found' },
]

describe('malformed input', () => {
  it.each(CASES)('$name → $status with an OpenAI error body', async (c) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (c.auth !== null) headers.authorization = c.auth ?? `Bearer ${KEY}`
    const method = c.method ?? 'POST'
    const res = await fetch(`${gw.url}${c.path ?? '/v1/completions'}`, {
      method,
      headers,
      ...(method === 'POST'
        ? { body: typeof c.body === 'string' ? c.body : JSON.stringify(c.body) }
        : {}),
    })
    expect(res.status).toBe(c.status)
    expect(res.headers.get('content-type')).toBe('application/json')
    const body = (await res.json()) as {
      error: { message: string; type: string; param: string | null; code: string | null }
    }
    expect(Object.keys(body.error)).toEqual(['message', 'type', 'param', 'code'])
    expect(body.error.message.length).toBeGreaterThan(5)
    expect(body.error.type).toBe('invalid_request_error')
    if (c.param !== undefined) expect(body.error.param).toBe(c.param)
    if (c.code !== undefined) expect(body.error.code).toBe(c.code)
    if (c.status === 405) expect(res.headers.get('allow')).toMatch(/^(GET|POST)$/)
  })

  it('kept serving: /health and a normal request still work, and no bad request reached the engine', async () => {
    expect((await fetch(`${gw.url}/health`)).status).toBe(200)
    const res = await fetch(`${gw.url}/v1/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: JSON.stringify(cmpl({ max_tokens: 3 })),
    })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { choices: unknown[] }).choices).toHaveLength(1)
    // Only the context-length case and this request reached the emulator.
    const x = await scrape(emu)
    expect(value(x, 'vllm:request_success_total')).toBe(1)
  })
})
