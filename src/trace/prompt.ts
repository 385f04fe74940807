/**
 * @module Prompt block hashes: turn a prompt's content segments into the chained hashes of its
 * full KV blocks, the keys of automatic prefix caching.
 */
import { chainHash, ROOT_HASH } from '../util/hash.js'
import type { PromptSegment } from './types.js'

/**
 * blockHashes returns one chained hash per *full* block of the prompt (a trailing partial block is
 * never cached, as in vLLM). A block that spans two segments hashes both pieces, so a shared
 * 512-token Mooncake block maps onto 32 shared 16-token blocks.
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
  let parent = ROOT_HASH
  let seg = 0
  let segOffset = 0
  for (let b = 0; b < n; b++) {
    let need = blockSize
    let h = parent
    while (need > 0) {
      const s = segments[seg]!
      const take = Math.min(need, s.tokens - segOffset)
      // Content word: which segment, where in it, how much of it.
      h = chainHash(h, chainHash(s.key, segOffset * 65536 + take))
      need -= take
      segOffset += take
      if (segOffset === s.tokens) {
        seg++
        segOffset = 0
      }
    }
    out[b] = h
    parent = h
  }
  return out
}
