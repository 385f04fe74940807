/**
 * @module The shape of one engine iteration, reduced to the sums the latency model needs, so that
 * timing a batch of hundreds of sequences is O(1).
 */

/**
 * BatchShape summarises one iteration. A prefill chunk of `c` new tokens at context offset `o`
 * adds c to prefillTokens, c·(o + (c+1)/2) to prefillAttn (causal query·key pairs) and o + c to
 * prefillKvRead (KV tokens the attention kernel reads). A decoding sequence with context `L` adds
 * 1 to decodeSeqs and L to decodeCtx.
 */
export interface BatchShape {
  prefillTokens: number
  prefillSeqs: number
  prefillAttn: number
  prefillKvRead: number
  decodeSeqs: number
  decodeCtx: number
}

/** emptyBatch returns a zeroed, reusable BatchShape. */
export function emptyBatch(): BatchShape {
  return {
    prefillTokens: 0,
    prefillSeqs: 0,
    prefillAttn: 0,
    prefillKvRead: 0,
    decodeSeqs: 0,
    decodeCtx: 0,
  }
}

/** resetBatch zeroes a BatchShape in place (the engine reuses one per step). */
export function resetBatch(b: BatchShape): void {
  b.prefillTokens = 0
  b.prefillSeqs = 0
  b.prefillAttn = 0
  b.prefillKvRead = 0
  b.decodeSeqs = 0
  b.decodeCtx = 0
}

/** addPrefillChunk adds a prefill chunk of `tokens` new tokens after `offset` computed ones. */
export function addPrefillChunk(b: BatchShape, tokens: number, offset: number): void {
  b.prefillTokens += tokens
  b.prefillSeqs += 1
  b.prefillAttn += tokens * (offset + (tokens + 1) / 2)
  b.prefillKvRead += offset + tokens
}

/** addDecode adds one decoding sequence whose context (prompt + generated) is `context` tokens. */
export function addDecode(b: BatchShape, context: number): void {
  b.decodeSeqs += 1
  b.decodeCtx += context
}
