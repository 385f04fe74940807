/** @module Output-token estimates from forwarded SSE frames and non-streamed bodies. */
import { describe, expect, it } from 'vitest'
import { countFrames, readUsage } from './usage.js'

describe('usage estimates', () => {
  it('counts SSE frames in a chunk', () => {
    expect(countFrames(Buffer.from('data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n'))).toBe(3)
    expect(countFrames(Buffer.from(''))).toBe(0)
  })

  it('reads completion_tokens from a collected body, or nothing', () => {
    const body = JSON.stringify({ usage: { completion_tokens: 7 } })
    expect(readUsage([Buffer.from(body.slice(0, 5)), Buffer.from(body.slice(5))])).toBe(7)
    expect(readUsage([Buffer.from('{')])).toBeUndefined()
    expect(readUsage(undefined)).toBeUndefined()
  })
})
