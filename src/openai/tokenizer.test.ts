/**
 * @module Tokenizer: piece rules, BOS, determinism, and block hashes that match exactly when
 * prompts share a prefix (the property prefix caching relies on).
 */
import { describe, expect, it } from 'vitest'
import { countTokens, stringHash, tokenize, tokenizePrompt } from './tokenizer.js'

describe('tokenize', () => {
  it('cuts words with their leading space into pieces of at most 4 characters', () => {
    expect(tokenize('The emulator runs.')).toEqual(['The', ' emu', 'lato', 'r', ' run', 's', '.'])
    expect(tokenize(' the cat')).toEqual([' the', ' cat'])
    expect(tokenize('a,b\n\n')).toEqual(['a', ',', 'b', '\n\n'])
  })

  it('gives CJK one token per character and never splits a surrogate pair', () => {
    expect(tokenize('你好世界')).toHaveLength(4)
    for (const p of tokenize('abc😀😀😀'))
      expect(p).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/)
  })

  it('counts about 4 characters per token on English prose', () => {
    const text =
      'Large language model inference is dominated by memory bandwidth during decoding, while ' +
      'the prefill phase is compute bound; schedulers batch requests to keep accelerators busy.'
    const ratio = text.length / countTokens(text)
    expect(ratio).toBeGreaterThan(3)
    expect(ratio).toBeLessThan(5)
  })
})

describe('tokenizePrompt', () => {
  const long = 'word '.repeat(200)

  it('prepends BOS to text and takes token ids as they are', () => {
    expect(tokenizePrompt('hello', 16).tokens).toBe(1 + countTokens('hello'))
    expect(tokenizePrompt([1, 2, 3], 16).tokens).toBe(3)
  })

  it('is deterministic and shares leading block hashes between prompts with a common prefix', () => {
    const a = tokenizePrompt(`${long} first question`, 16)
    const b = tokenizePrompt(`${long} second, different question`, 16)
    expect(tokenizePrompt(`${long} first question`, 16)).toEqual(a)
    const full = Math.floor(countTokens(long) / 16)
    expect(full).toBeGreaterThan(5)
    expect(Array.from(a.blockHashes.subarray(0, full))).toEqual(
      Array.from(b.blockHashes.subarray(0, full)),
    )
    expect(a.promptHash).not.toBe(b.promptHash)
  })

  it('hashes only full blocks, and a salt (LoRA adapter) separates caches', () => {
    const p = tokenizePrompt(long, 16)
    expect(p.blockHashes.length).toBe(Math.floor(p.tokens / 16))
    const q = tokenizePrompt(long, 16, stringHash('sql-adapter'))
    expect(q.blockHashes[0]).not.toBe(p.blockHashes[0])
  })
})
