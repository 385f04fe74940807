/**
 * @module Block hashing. Prefix caching keys each full KV block by a hash chained over its parent
 * block's hash and its own content, as vLLM does, so equal hashes mean equal whole prefixes.
 * Hashes are non-negative integers below 2^52 (exact in a double, cheap as Map keys).
 */

const MASK_HI = 0xfffff // 20 high bits; with 32 low bits → 52-bit value

/** mix2 hashes two 32-bit-ish integers into 32 bits (murmur3 finaliser over a combined word). */
function mix32(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51)
  k = (k << 15) | (k >>> 17)
  k = Math.imul(k, 0x1b873593)
  h ^= k
  h = (h << 13) | (h >>> 19)
  h = (Math.imul(h, 5) + 0xe6546b64) | 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * chainHash combines a parent block hash with a content word into a new 52-bit block hash.
 * Two independent 32-bit lanes keep collisions negligible (≈ n²/2^53) at the millions of blocks
 * a long simulation touches.
 */
export function chainHash(parent: number, content: number): number {
  const pLo = (parent % 4294967296) | 0
  const pHi = Math.floor(parent / 4294967296) | 0
  const cLo = (content % 4294967296) | 0
  const cHi = Math.floor(content / 4294967296) | 0
  const lo = mix32(mix32(mix32(0x9747b28c, pLo), cLo), pHi ^ cHi)
  const hi = mix32(mix32(mix32(0x5bd1e995, cLo), pHi), pLo ^ cHi) & MASK_HI
  return hi * 4294967296 + lo
}

/** ROOT_HASH is the parent of a prompt's first block. */
export const ROOT_HASH = 0x1f2e3d
