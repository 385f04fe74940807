/**
 * @module Tenants: API keys and 401s, max_concurrency and tokens-per-minute 429s with
 * Retry-After.
 */
import { describe, expect, it } from 'vitest'
import type { ApiError } from '../openai/api-error.js'
import { parseGatewayConfig } from './config.js'
import { ANONYMOUS, Tenants } from './tenants.js'

const config = parseGatewayConfig(
  `pools: [{ model: m, backends: ['http://127.0.0.1:1'] }]
tenants:
  - { name: a, api_keys: [sk-a], tokens_per_minute: 1000, max_concurrency: 2 }
  - { name: b, api_keys: [sk-b1, sk-b2], weight: 3 }
`,
  't.yaml',
)

function caught(f: () => unknown): ApiError {
  try {
    f()
  } catch (err) {
    return err as ApiError
  }
  throw new Error('did not throw')
}

describe('tenants', () => {
  it('maps bearer keys to tenants and answers 401 for a missing or wrong key', () => {
    const t = new Tenants(config.tenants, 0)
    expect(t.resolve('Bearer sk-b2').name).toBe('b')
    expect(t.resolve('bearer  sk-a ').name).toBe('a')
    for (const h of [undefined, 'Bearer sk-nope', 'Basic xyz', 'Bearer sk-a2', 'Bearer sk-']) {
      const e = caught(() => t.resolve(h))
      expect(e.status).toBe(401)
      expect(e.code).toBe('invalid_api_key')
    }
  })

  it('needs no key without tenants', () => {
    expect(new Tenants(undefined, 0).resolve(undefined).name).toBe(ANONYMOUS)
  })

  it('enforces max_concurrency and tokens per minute with a Retry-After', () => {
    const t = new Tenants(config.tenants, 0)
    const a = t.resolve('Bearer sk-a')
    t.admit(a, 400, 0)
    t.admit(a, 400, 0)
    const busy = caught(() => t.admit(a, 1, 0))
    expect([busy.status, busy.code, busy.retryAfter]).toEqual([429, 'max_concurrency', 1])
    t.release(a, 400, 400, 0)
    // 200 left, 500 asked: 300 short at 1,000/min → 18 s.
    const short = caught(() => t.admit(a, 500, 0))
    expect([short.status, short.type, short.retryAfter]).toEqual([429, 'rate_limit_exceeded', 18])
    t.release(a, 400, 0, 0) // a request that used nothing gets its whole reservation back
    t.admit(a, 500, 0)
  })

  it('answers 400, not a 429 that SDKs retry, to a request larger than the whole budget', () => {
    const t = new Tenants(config.tenants, 0)
    const e = caught(() => t.admit(t.resolve('Bearer sk-a'), 1001, 0))
    expect([e.status, e.code, e.param]).toEqual([400, 'exceeds_tokens_per_minute', 'max_tokens'])
  })

  it('takes over-use at the end into debt, and refuses until it is repaid', () => {
    const t = new Tenants(config.tenants, 0)
    const a = t.resolve('Bearer sk-a')
    t.admit(a, 100, 0)
    t.release(a, 100, 1500, 0) // a non-streamed answer 1,400 longer than reserved
    expect(a.bucket!.balance(0)).toBe(-500)
    const e = caught(() => t.admit(a, 100, 0))
    expect([e.status, e.retryAfter]).toEqual([429, 36]) // 600 short at 1,000/min
    expect(t.rateHeaders(a, 0)).toEqual({
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '1m30s',
    })
  })

  it('draws a stream past its reservation only from what the bucket holds', () => {
    const t = new Tenants(config.tenants, 0)
    const a = t.resolve('Bearer sk-a')
    t.admit(a, 900, 0)
    expect(t.draw(a, 100, 0)).toBe(true)
    expect(t.draw(a, 1, 0)).toBe(false)
    expect(t.draw(t.resolve('Bearer sk-b1'), 1e9, 0)).toBe(true) // no limit
  })
})
