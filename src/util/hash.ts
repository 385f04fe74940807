/**
 * @module Block hashing. Prefix caching keys each full KV block by a hash chained over its parent
 * block's hash and its own content, as vLLM does, so equal hashes mean equal whole prefixes.
 * Hashes are non-negative integers below 2^52 (exact in a double, cheap as typed-array keys):
 * two independent 32-bit murmur3 lanes, the high one cut to 20 bits. Collisions are negligible
 * (≈ n²/2^53) at the millions of blocks a long simulation touches.
 */

const TWO32 = 4294967296
const HI_MASK = 0xfffff

/** absorb mixes one 32-bit word into a murmur3 state without finalising (the cheap body step). */
export function absorb(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51)
  k = (k << 15) | (k >>> 17)
  k = Math.imul(k, 0x1b873593)
  h ^= k
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + 0xe6546b64) | 0
}

/** finalise is murmur3's avalanche step. */
export function finalise(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h
}

/** mix32 absorbs one 32-bit word into a murmur3-style state and finalises it. */
export function mix32(h: number, k: number): number {
  return finalise(absorb(h, k))
}

/** lowWord and highWord split a safe integer (possibly negative) into two 32-bit words. */
export function lowWord(x: number): number {
  return (x % TWO32) | 0
}
export function highWord(x: number): number {
  return Math.floor(x / TWO32) | 0
}

/** joinLanes packs two 32-bit lanes into one non-negative 52-bit hash. */
export function joinLanes(lo: number, hi: number): number {
  return (hi & HI_MASK) * TWO32 + (lo >>> 0)
}

/** LANE_SEEDS start the two lanes differently so they stay independent. */
export const LANE_SEEDS = [0x9747b28c, 0x5bd1e995] as const

/** chainHash combines a parent block hash with a content word into a new 52-bit block hash. */
export function chainHash(parent: number, content: number): number {
  const pLo = lowWord(parent)
  const pHi = highWord(parent)
  const cLo = lowWord(content)
  const cHi = highWord(content)
  const lo = mix32(mix32(mix32(LANE_SEEDS[0], pLo), cLo), pHi ^ cHi)
  const hi = mix32(mix32(mix32(LANE_SEEDS[1], cLo), pHi), pLo ^ cHi)
  return joinLanes(lo, hi)
}

/** ROOT_HASH is the parent of a prompt's first block. */
export const ROOT_HASH = 0x1f2e3d
