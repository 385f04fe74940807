/**
 * @module Output-token accounting from the bytes the gateway forwards, to settle a tenant's
 * up-front token charge: SSE `data:` frames counted as they pass (vLLM sends one per token, plus
 * the chat role frame, the usage frame and `[DONE]`), and a non-streamed body's `usage`.
 * Estimates: a frame whose `data: ` prefix is split across two chunks is missed, and a backend
 * that batches several tokens per frame is under-counted. They only move refunds.
 */

const DATA = Buffer.from('data: ')

/** countFrames counts `data: ` frame starts in one chunk. */
export function countFrames(chunk: Buffer): number {
  let n = 0
  for (let i = chunk.indexOf(DATA); i >= 0; i = chunk.indexOf(DATA, i + DATA.length)) n++
  return n
}

/** readUsage reads `usage.completion_tokens` from a collected JSON body, if it has one. */
export function readUsage(chunks: ReadonlyArray<Buffer> | undefined): number | undefined {
  if (!chunks || chunks.length === 0) return undefined
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      usage?: { completion_tokens?: unknown }
    }
    const n = body.usage?.completion_tokens
    return typeof n === 'number' && n >= 0 ? n : undefined
  } catch {
    return undefined
  }
}
