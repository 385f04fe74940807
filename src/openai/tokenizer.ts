/**
 * @module A deterministic approximate tokenizer, shared by the emulator and the gateway's prefix
 * index: believable token counts and prefix-cache block hashes without shipping a vocabulary.
 *
 * Text is cut into "words" (a run of letters, marks and digits with its leading whitespace; one
 * punctuation character with its leading whitespace; a trailing run of whitespace), CJK and
 * Hangul characters one per token, and every word longer than 4 UTF-16 units is cut into pieces
 * of at most 4. " the" is one token, " emulator" three (" emu", "lat", "or"). A BOS token is
 * prepended to text prompts, as Llama tokenizers do; token-id prompts are taken as they are.
 *
 * Accuracy limits: for English prose this gives about 3.5–4 characters per token, within ~20 % of
 * Llama 3's or GPT-4's BPE on average, but any one text can be off by more: long words cost more
 * here than in BPE (which has whole-word tokens for common ones), code and digit runs differ,
 * and non-Latin scripts other than CJK/Hangul are counted as if they were English. Counts are
 * stable (same text → same tokens) and prefix-preserving (a shared text prefix yields the same
 * leading tokens, except possibly the one token straddling the point where two texts diverge),
 * which is what prefix caching needs.
 */
import {
  absorb,
  finalise,
  highWord,
  joinLanes,
  LANE_SEEDS,
  lowWord,
  ROOT_HASH,
} from '../util/hash.js'

/** MAX_PIECE is the most UTF-16 units one token covers. */
const MAX_PIECE = 4

// Built with the constructor: the `v` flag (set subtraction) needs ES2024 as a literal.
const CJK = '\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\p{sc=Hangul}'
const WORDS = new RegExp(
  `\\s*[${CJK}]|\\s*[[\\p{L}\\p{M}\\p{N}]--[${CJK}]]+|\\s*[^\\s\\p{L}\\p{M}\\p{N}]|\\s+`,
  'gv',
)

/** BOS_HASH stands for the beginning-of-sequence token every text prompt starts with. */
const BOS_HASH = 0x5b05

/** TokenizedPrompt is what the emulator needs from a prompt: its length and its identity. */
export interface TokenizedPrompt {
  /** Number of prompt tokens (BOS included for text). */
  readonly tokens: number
  /** Chained hash of each full block of `blockSize` tokens (vLLM's prefix-cache keys). */
  readonly blockHashes: Float64Array
  /** A 32-bit hash of the whole prompt, to seed the output generator. */
  readonly promptHash: number
}

/** pieceHash hashes one token's text to a 32-bit word. */
function pieceHash(text: string, from: number, to: number): number {
  let h: number = LANE_SEEDS[0]
  for (let i = from; i < to; i++) h = absorb(h, text.charCodeAt(i))
  return finalise(h ^ (to - from))
}

/**
 * forEachPiece calls `emit(from, to)` for each token of `text`, in order. Cuts never split a
 * surrogate pair.
 */
function forEachPiece(text: string, emit: (from: number, to: number) => void): void {
  WORDS.lastIndex = 0
  for (let m = WORDS.exec(text); m !== null; m = WORDS.exec(text)) {
    const end = m.index + m[0].length
    let i = m.index
    while (i < end) {
      let j = Math.min(i + MAX_PIECE, end)
      const c = text.charCodeAt(j - 1)
      if (j < end && c >= 0xd800 && c <= 0xdbff) j++ // keep a surrogate pair together
      emit(i, j)
      i = j
    }
  }
}

/** tokenize returns the token strings of `text` (no BOS): for tests and the generator. */
export function tokenize(text: string): string[] {
  const out: string[] = []
  forEachPiece(text, (from, to) => out.push(text.slice(from, to)))
  return out
}

/** countTokens returns the number of tokens of `text` (no BOS). */
export function countTokens(text: string): number {
  let n = 0
  forEachPiece(text, () => {
    n++
  })
  return n
}

/**
 * tokenizePrompt tokenizes a text prompt (prepending BOS) or takes token ids as they are, and
 * hashes it. `salt` separates caches that must not share blocks (vLLM keys a LoRA request's blocks
 * by its adapter too): 0 for the base model.
 */
export function tokenizePrompt(
  prompt: string | ReadonlyArray<number>,
  blockSize: number,
  salt = 0,
): TokenizedPrompt {
  const words: number[] = []
  if (typeof prompt === 'string') {
    words.push(BOS_HASH)
    forEachPiece(prompt, (from, to) => words.push(pieceHash(prompt, from, to)))
  } else {
    for (const id of prompt) words.push(finalise(absorb(LANE_SEEDS[1], id)))
  }
  return { tokens: words.length, ...hashBlocks(words, blockSize, salt) }
}

/**
 * hashBlocks chains each full block's token hashes onto its parent block's hash, on the same two
 * 32-bit lanes as the simulator's `trace/prompt.ts`, so equal hashes mean equal whole prefixes.
 */
function hashBlocks(
  words: ReadonlyArray<number>,
  blockSize: number,
  salt: number,
): { blockHashes: Float64Array; promptHash: number } {
  const n = Math.floor(words.length / blockSize)
  const out = new Float64Array(n)
  let lo = lowWord(ROOT_HASH) ^ salt
  let hi = highWord(ROOT_HASH)
  let whole = absorb(LANE_SEEDS[0], salt)
  for (let b = 0; b < n; b++) {
    let l = absorb(absorb(LANE_SEEDS[0], lo), hi)
    let h = absorb(absorb(LANE_SEEDS[1], hi), lo)
    for (let k = b * blockSize; k < (b + 1) * blockSize; k++) {
      const w = words[k]!
      l = absorb(l, w)
      h = absorb(h, w ^ 0x2545f491)
    }
    l = finalise(l ^ blockSize)
    h = finalise(h ^ b)
    out[b] = joinLanes(l, h)
    lo = l
    hi = h
  }
  for (const w of words) whole = absorb(whole, w)
  return { blockHashes: out, promptHash: finalise(whole ^ words.length) >>> 0 }
}

/** stringHash hashes a name (e.g. a LoRA adapter) to a 32-bit salt. */
export function stringHash(s: string): number {
  return s.length === 0 ? 0 : pieceHash(s, 0, s.length) >>> 0
}
