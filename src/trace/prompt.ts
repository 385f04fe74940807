/**
 * @module Prompt block hashes: turn a prompt's content segments into the chained hashes of its
 * full KV blocks, the keys of automatic prefix caching.
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
import type { PromptSegment } from './types.js'

/**
 * blockHashes returns one chained hash per *full* block of the prompt (a trailing partial block is
 * never cached, as in vLLM). Each block's hash absorbs its parent's hash and, for every segment
 * piece the block spans, the segment key, the offset in the segment and the piece length; so a
 * shared 512-token Mooncake block maps onto 32 shared 16-token blocks. This runs for every
 * request the simulator replays, so it works on the two 32-bit lanes directly.
 */
export function blockHashes(
  segments: ReadonlyArray<PromptSegment>,
  blockSize: number,
  maxBlocks = Number.POSITIVE_INFINITY,
): Float64Array {
  let total = 0
  for (const s of segments) total += s.tokens
  const n = Math.min(Math.floor(total / blockSize), maxBlocks)
  const out = new Float64Array(n)
  let lo = lowWord(ROOT_HASH)
  let hi = highWord(ROOT_HASH)
  let seg = 0
  let segOffset = 0
  let kLo = 0
  let kHi = 0
  if (n > 0) {
    kLo = lowWord(segments[0]!.key)
    kHi = highWord(segments[0]!.key)
  }
  for (let b = 0; b < n; b++) {
    let need = blockSize
    // Two lanes absorb the same words in different orders from different seeds; each is
    // finalised once per block.
    let l = absorb(absorb(LANE_SEEDS[0], lo), hi)
    let h = absorb(absorb(LANE_SEEDS[1], hi), lo)
    while (need > 0) {
      const s = segments[seg]!
      const take = Math.min(need, s.tokens - segOffset)
      l = absorb(absorb(absorb(l, kLo), kHi), segOffset ^ (take << 24))
      h = absorb(absorb(absorb(h, segOffset ^ (take << 24)), kLo), kHi)
      need -= take
      segOffset += take
      if (segOffset === s.tokens) {
        seg++
        segOffset = 0
        const next = segments[seg]
        if (next) {
          kLo = lowWord(next.key)
          kHi = highWord(next.key)
        }
      }
    }
    l = finalise(l ^ blockSize)
    h = finalise(h ^ b)
    out[b] = joinLanes(l, h)
    lo = l
    hi = h
  }
  return out
}

/**
 * shareableTokens counts the leading prompt tokens whose content comes from the trace's shared
 * keys (≥ 0): only blocks inside that run can ever match another request's blocks.
 */
export function shareableTokens(segments: ReadonlyArray<PromptSegment>): number {
  let n = 0
  for (const s of segments) {
    if (s.key < 0) break
    n += s.tokens
  }
  return n
}
