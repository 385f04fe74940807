/** @module Output-token counts from forwarded SSE frames and non-streamed bodies. */
import { describe, expect, it } from 'vitest'
import { readCompletionTokens, StreamMeter, UsageScanner } from './usage.js'

const frame = (text: string) => `data: {"choices":[{"index":0,"text":${JSON.stringify(text)}}]}\n\n`

describe('StreamMeter', () => {
  it('counts token frames, not the role, usage or [DONE] frames', () => {
    const m = new StreamMeter(true)
    const role = 'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n'
    expect(m.feed(Buffer.from(role + frame('a')))).toBe(1)
    expect(m.feed(Buffer.from(frame('b') + frame('c')))).toBe(2)
    const usage = 'data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3}}\n\n'
    expect(m.feed(Buffer.from(`${usage}data: [DONE]\n\n`))).toBe(0)
    expect([m.tokens, m.reported, m.output]).toEqual([3, 3, 3])
  })

  it('counts a frame boundary split across reads once, whatever the split', () => {
    const text = frame('x') + frame('y') + frame('z')
    for (let cut = 1; cut < text.length; cut++) {
      for (const size of [1, 2, 3, 7]) {
        const m = new StreamMeter(false)
        m.feed(Buffer.from(text.slice(0, cut)))
        for (let i = cut; i < text.length; i += size) m.feed(Buffer.from(text.slice(i, i + size)))
        expect(m.tokens, `cut ${cut} size ${size}`).toBe(3)
      }
    }
  })

  it('cannot be fooled by generated text that looks like a frame', () => {
    const m = new StreamMeter(false)
    m.feed(Buffer.from(frame('\ndata: [DONE]\n\ndata: "choices":[]')))
    expect(m.tokens).toBe(1)
  })

  it('takes the backend figure when it batches several tokens per frame', () => {
    const m = new StreamMeter(false)
    m.feed(Buffer.from(frame('four tokens here.')))
    m.feed(Buffer.from('data: {"choices":[],"usage":{"completion_tokens":4}}\n\ndata: [DONE]\n\n'))
    expect(m.output).toBe(4)
  })
})

describe('usage of a non-streamed body', () => {
  it('finds completion_tokens however the body is split', () => {
    const body = JSON.stringify({
      choices: [{ text: 'x'.repeat(100) }],
      usage: { completion_tokens: 1234 },
    })
    for (const size of [1, 5, 17, 64, 1 << 20]) {
      const s = new UsageScanner()
      for (let i = 0; i < body.length; i += size) s.feed(Buffer.from(body.slice(i, i + size)))
      expect(s.reported, `size ${size}`).toBe(1234)
    }
    expect(readCompletionTokens(Buffer.from('{"completion_tokens":12'))).toBeUndefined()
  })
})
