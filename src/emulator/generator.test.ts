/**
 * @module Output planning: determinism, lengths, finish reasons and vLLM's stop-string rules.
 */
import { describe, expect, it } from 'vitest'
import { countTokens } from '../openai/tokenizer.js'
import { type GenerationRequest, planGeneration } from './generator.js'

const base: GenerationRequest = {
  seed: 1,
  promptHash: 12345,
  maxTokens: 4096,
  ignoreEos: false,
  stop: [],
  includeStopStr: false,
  chat: false,
}

describe('planGeneration', () => {
  it('is deterministic for a seed and prompt, and differs across prompts and seeds', () => {
    const a = planGeneration(base)
    expect(planGeneration(base)).toEqual(a)
    expect(planGeneration({ ...base, promptHash: 999 }).text).not.toBe(a.text)
    expect(planGeneration({ ...base, seed: 2 }).text).not.toBe(a.text)
    expect(planGeneration({ ...base, requestSeed: 7 }).text).not.toBe(a.text)
  })

  it('draws natural lengths around the mean and stops with "stop"', () => {
    let sum = 0
    for (let h = 0; h < 400; h++) {
      const g = planGeneration({ ...base, promptHash: h })
      expect(g.finishReason).toBe('stop')
      sum += g.tokens
    }
    expect(sum / 400).toBeGreaterThan(90)
    expect(sum / 400).toBeLessThan(170)
  })

  it('hits max_tokens with "length", and ignore_eos always generates exactly max_tokens', () => {
    const g = planGeneration({ ...base, maxTokens: 5 })
    expect(g.tokens).toBe(5)
    expect(g.finishReason).toBe('length')
    const e = planGeneration({ ...base, maxTokens: 1000, ignoreEos: true })
    expect(e.tokens).toBe(1000)
    expect(e.finishReason).toBe('length')
  })

  it('writes text the tokenizer counts back to the tokens generated', () => {
    for (const chat of [false, true]) {
      const g = planGeneration({ ...base, maxTokens: 300, ignoreEos: true, chat })
      expect(countTokens(g.text)).toBe(300)
      expect(g.ends[g.ends.length - 1]).toBe(g.text.length)
    }
  })

  it('cuts at the earliest stop string, excluding it unless asked, and ends the request there', () => {
    const full = planGeneration({ ...base, maxTokens: 200, ignoreEos: true })
    const word = full.text.slice(40, 44)
    const at = full.text.indexOf(word)
    const g = planGeneration({ ...base, maxTokens: 200, ignoreEos: true, stop: ['zzz', word] })
    expect(g.text).toBe(full.text.slice(0, at))
    expect(g.finishReason).toBe('stop')
    expect(g.stopReason).toBe(word)
    expect(g.tokens).toBeLessThan(200)
    // The token that completed the stop string is the last one generated.
    expect(full.ends[g.tokens - 1]).toBeGreaterThanOrEqual(at + word.length)
    expect(full.ends[g.tokens - 2]).toBeLessThan(at + word.length)
    const inc = planGeneration({
      ...base,
      maxTokens: 200,
      ignoreEos: true,
      stop: [word],
      includeStopStr: true,
    })
    expect(inc.text).toBe(full.text.slice(0, at + word.length))
  })
})
