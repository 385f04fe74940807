import { describe, expect, it } from 'vitest'
import { BackendUrlError, parseBackendUrl } from './backend-url.js'

describe('parseBackendUrl', () => {
  it('keeps a bare origin as it is', () => {
    expect(parseBackendUrl('http://127.0.0.1:8001')).toEqual({
      url: 'http://127.0.0.1:8001',
      origin: 'http://127.0.0.1:8001',
      basePath: '',
      authorization: undefined,
    })
  })

  it.each([
    ['http://h:8000/v1', 'http://h:8000', ''],
    ['http://h:8000/v1/', 'http://h:8000', ''],
    ['http://h/llama/v1/', 'http://h', '/llama'],
    ['http://h/llama/', 'http://h', '/llama'],
    ['http://h/api/v10', 'http://h', '/api/v10'],
    ['http://h/v1/v1', 'http://h', '/v1'],
    ['http://h//', 'http://h', ''],
  ])('reads %s as origin %s and base path %j', (raw, origin, basePath) => {
    expect(parseBackendUrl(raw)).toEqual({
      url: `${origin}${basePath}`,
      origin,
      basePath,
      authorization: undefined,
    })
  })

  it('drops default ports and lower-cases the scheme and host', () => {
    expect(parseBackendUrl('HTTP://Gpu-1.Example:80/').url).toBe('http://gpu-1.example')
    expect(parseBackendUrl('https://gpu-1.example:443/v1').url).toBe('https://gpu-1.example')
    expect(parseBackendUrl('https://gpu-1.example:80').url).toBe('https://gpu-1.example:80')
    expect(parseBackendUrl('http://[::1]:8000/v1').url).toBe('http://[::1]:8000')
  })

  it('moves credentials out of the URL into a Basic Authorization value', () => {
    const b = parseBackendUrl('http://alice:s3cret@h:8000/v1')
    expect(b.url).toBe('http://h:8000')
    expect(b.origin).toBe('http://h:8000')
    expect(b.authorization).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`)
  })

  it('decodes %-escaped credentials before encoding them for the header', () => {
    const b = parseBackendUrl('http://al%40ice:p%3Ass%20w@h')
    expect(b.url).toBe('http://h')
    expect(b.authorization).toBe(`Basic ${Buffer.from('al@ice:p:ss w').toString('base64')}`)
  })

  it('sends a user without a password as user:', () => {
    expect(parseBackendUrl('http://bob@h').authorization).toBe(
      `Basic ${Buffer.from('bob:').toString('base64')}`,
    )
  })

  it.each([
    ['not a URL', 'http://gpu 1:8000', /not a valid URL/],
    ['a missing scheme', 'localhost:8000', /must start with http:\/\/ or https:\/\//],
    ['an out-of-range port', 'http://h:99999', /not a valid URL/],
    ['another scheme', 'ftp://h', /must be http:\/\/ or https:\/\/ \(got ftp:\/\/\)/],
    ['a unix socket', 'unix:///run/vllm.sock', /must be http:\/\/ or https:\/\//],
    ['a query string', 'http://h/v1?api-version=2', /query string is not allowed/],
    ['an empty query string', 'http://h?', /query string is not allowed/],
    ['a fragment', 'http://h/#main', /fragment .* is not allowed/],
    ['an endpoint URL', 'http://h:8000/v1/chat/completions', /an endpoint, not a base URL/],
    ['a completions endpoint', 'http://h/llama/v1/completions/', /an endpoint, not a base URL/],
    ['a malformed escape in the password', 'http://u:%zz@h', /malformed %-escape/],
  ])('rejects %s with a reason', (_what, raw, reason) => {
    expect(() => parseBackendUrl(raw)).toThrow(BackendUrlError)
    expect(() => parseBackendUrl(raw)).toThrow(reason)
  })

  it('never repeats the URL, which may hold a password, in its reasons', () => {
    expect(() => parseBackendUrl('http://u:hunter2@h/?x=1')).toThrow(/^(?!.*hunter2)/)
  })
})
