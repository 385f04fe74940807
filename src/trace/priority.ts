/**
 * @module Priority classes for traces that carry none (the real ones): `--priority-share F` makes
 * a share F of requests class 0 (interactive) and the rest class 1. Which requests is a hash of
 * the seed and the request id, not a random stream, so every run and every policy of a
 * `--compare` sees the same requests in the same classes, whatever order they are read in.
 */
import { chainHash } from '../util/hash.js'
import type { TraceRequest, TraceSource } from './types.js'

/** priorityClass is the class `--priority-share share` gives request `id` under `seed`. */
export function priorityClass(id: number, share: number, seed: number): number {
  // The hash's low 32 bits over 2^32: a uniform draw in [0, 1).
  return (chainHash(seed, id) % 4294967296) / 4294967296 < share ? 0 : 1
}

/** withPriorityShare classes every request of `source` that has no class of its own. */
export function withPriorityShare(source: TraceSource, share: number, seed: number): TraceSource {
  return {
    ...source,
    chunks: async function* priorityChunks(): AsyncGenerator<TraceRequest[]> {
      for await (const chunk of source.chunks()) {
        yield chunk.map((r) =>
          r.priority !== undefined ? r : { ...r, priority: priorityClass(r.id, share, seed) },
        )
      }
    },
  }
}
