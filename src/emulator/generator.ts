/**
 * @module Deterministic output text. A request's whole output is planned when it arrives: its
 * length (a seeded lognormal draw, or max_tokens with ignore_eos), its words, and where a stop
 * string cuts it. The engine is then told the exact number of tokens to generate, so a stop
 * string ends the request in the engine too (the engine has no abort; it needs none here).
 *
 * Every token is one word of at most three letters with a leading space, or a comma or a full
 * stop, so the emulator's tokenizer counts the text back to exactly the tokens generated.
 */
import { createRng, lognormal } from '../util/rng.js'

/** VOCAB is the fixed vocabulary: short English words, each one token for the tokenizer. */
// biome-ignore format: a word table
const VOCAB = [
  'the', 'of', 'and', 'to', 'in', 'is', 'it', 'for', 'on', 'as', 'by', 'at', 'an', 'be', 'or',
  'we', 'can', 'one', 'all', 'new', 'use', 'run', 'way', 'key', 'set', 'map', 'log',
  'sum', 'max', 'min', 'big', 'few', 'now', 'out', 'up', 'how', 'why', 'yes', 'not', 'any',
  'may', 'due', 'per', 'via', 'so', 'if', 'its', 'has', 'had', 'was', 'are', 'you', 'he', 'she',
  'our', 'day', 'end', 'far', 'fit', 'low', 'top', 'old', 'own', 'see', 'try', 'ask', 'add',
  'let', 'get', 'put', 'say', 'two', 'six', 'ten', 'sky', 'sea', 'sun', 'air', 'art', 'age',
  'car', 'cat', 'dog', 'box', 'cup', 'job', 'kit', 'lab', 'net', 'oil', 'pen', 'row', 'tea',
] as const

/** MEAN_OUTPUT_TOKENS is the mean natural (EOS-terminated) output length. */
export const MEAN_OUTPUT_TOKENS = 128
/** OUTPUT_SIGMA spreads natural lengths: about 40–400 tokens for the middle 90 %. */
const OUTPUT_SIGMA = 0.7

/** GenerationRequest is what decides a request's output. */
export interface GenerationRequest {
  /** The emulator's --seed. */
  readonly seed: number
  /** Hash of the prompt (and adapter): equal prompts get equal outputs. */
  readonly promptHash: number
  /** The request's own `seed`, when it gives one. */
  readonly requestSeed?: number | undefined
  readonly maxTokens: number
  readonly ignoreEos: boolean
  readonly stop: ReadonlyArray<string>
  /** vLLM's include_stop_str_in_output. */
  readonly includeStopStr: boolean
  /** Chat output starts without a leading space; a completion continues its prompt. */
  readonly chat: boolean
}

/** Generation is a planned output. */
export interface Generation {
  /** Output tokens the engine must generate. */
  readonly tokens: number
  /** Visible text (cut before the stop string unless includeStopStr). */
  readonly text: string
  /**
   * ends[i] is the length of the visible text once token i+1 is out, so token i streams
   * text.slice(ends[i-1], ends[i]) (empty after a stop string has begun).
   */
  readonly ends: Int32Array
  readonly finishReason: 'stop' | 'length'
  /** The stop string that ended the output, else null (vLLM's `stop_reason`). */
  readonly stopReason: string | null
}

/** seedFor mixes the emulator seed, the prompt and the request's seed into a 32-bit seed. */
function seedFor(r: GenerationRequest): number {
  let s = Math.imul(r.seed ^ 0x9e3779b9, 0x85ebca6b) ^ r.promptHash
  if (r.requestSeed !== undefined) s = Math.imul(s ^ r.requestSeed, 0xc2b2ae35) ^ (s >>> 15)
  return s >>> 0
}

/** planGeneration draws the output for a request; the same inputs always give the same output. */
export function planGeneration(r: GenerationRequest): Generation {
  const rng = createRng(seedFor(r))
  const natural = Math.max(1, Math.round(lognormal(rng, MEAN_OUTPUT_TOKENS, OUTPUT_SIGMA)))
  let n = r.ignoreEos ? r.maxTokens : Math.min(natural, r.maxTokens)
  let finishReason: 'stop' | 'length' = n < r.maxTokens ? 'stop' : 'length'
  if (!r.ignoreEos && natural === r.maxTokens) finishReason = 'stop' // EOS was the last token

  const pieces: string[] = new Array(n)
  let capital = true
  for (let i = 0; i < n; i++) {
    const u = rng()
    let word: string
    if (i > 0 && !capital && u < 0.07) {
      word = '.'
      capital = true
    } else if (i > 0 && !capital && u < 0.12) {
      word = ','
    } else {
      const w = VOCAB[Math.floor(rng() * VOCAB.length)]!
      word = capital ? w[0]!.toUpperCase() + w.slice(1) : w
      if (i > 0 || !r.chat) word = ` ${word}`
      capital = false
    }
    pieces[i] = word
  }
  const full = pieces.join('')
  const fullEnds = new Int32Array(n)
  let at = 0
  for (let i = 0; i < n; i++) {
    at += pieces[i]!.length
    fullEnds[i] = at
  }

  // Stop strings: the one completed by the earliest token wins (list order breaks ties), as
  // vLLM checks each new token's text against every stop string in turn.
  let text = full
  let stopReason: string | null = null
  let stopToken = Number.POSITIVE_INFINITY
  for (const s of r.stop) {
    if (s.length === 0) continue
    const idx = full.indexOf(s)
    if (idx < 0) continue
    const endAt = idx + s.length
    let k = 0
    while (fullEnds[k]! < endAt) k++
    if (k + 1 < stopToken) {
      stopToken = k + 1
      stopReason = s
      text = full.slice(0, r.includeStopStr ? endAt : idx)
    }
  }
  if (stopReason !== null) {
    n = stopToken
    finishReason = 'stop'
  }
  const ends = new Int32Array(n)
  for (let i = 0; i < n; i++) ends[i] = Math.min(fullEnds[i]!, text.length)
  return { tokens: n, text, ends, finishReason, stopReason }
}
