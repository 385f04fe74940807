/**
 * @module Output-token accounting from the bytes the gateway forwards, to charge a tenant what it
 * was actually delivered: SSE frames counted as they pass (vLLM, SGLang, llama.cpp and Ollama send
 * one `data:` frame per token, plus a chat role frame, an `include_usage` frame with
 * `"choices":[]` and `[DONE]`), the `completion_tokens` of any usage object seen on the way
 * (exact where a backend batches several tokens per frame), and a non-streamed body's `usage`,
found as the body passes (UsageScanner).
 *
 * A frame is a line that starts with `data:`. Generated text cannot fake one: inside JSON a
 * newline is escaped, so `\ndata:` only occurs at frame boundaries; the matcher carries the last
 * bytes of each chunk over to the next, so a boundary split across two reads is still counted.
 */

const FRAME = Buffer.from('\ndata:')
/** The stream's last frame; only ever at the end of a read, so text cannot fake it. */
const DONE = Buffer.from('data: [DONE]\n\n')
const NO_CHOICES = Buffer.from('"choices":[]')
const COMPLETION_TOKENS = Buffer.from('"completion_tokens":')

/** count counts the occurrences of `needle` in `hay`. */
function count(hay: Buffer, needle: Buffer): number {
  let n = 0
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length)) n++
  return n
}

/** endsWith says whether `chunk` ends with `tail`. */
export function endsWith(chunk: Buffer, tail: Buffer): boolean {
  const n = chunk.length
  const m = tail.length
  return n >= m && chunk.compare(tail, 0, m, n - m, n) === 0
}

/** StreamMeter counts the token frames of one SSE stream, chunk by chunk. */
export class StreamMeter {
  /** Frames carrying output so far (role, usage and [DONE] frames excluded). */
  tokens = 0
  /** The largest `completion_tokens` a usage object in the stream reported. */
  reported: number | undefined
  /** The chat stream's role-only first frame is still to come. */
  #roleFrame: boolean
  /** The last bytes before this chunk; a stream starts as if after a newline. */
  #tail: Buffer = Buffer.from('\n')
  readonly #joint = Buffer.alloc(2 * (FRAME.length - 1))

  constructor(chat: boolean) {
    this.#roleFrame = chat
  }

  /** feed accounts one chunk and returns the output tokens it carried. */
  feed(chunk: Buffer): number {
    let frames = count(chunk, FRAME) + this.#straddling(chunk)
    if (frames > 0) {
      frames -= (endsWith(chunk, DONE) ? 1 : 0) + count(chunk, NO_CHOICES)
      if (this.#roleFrame && frames > 0) {
        this.#roleFrame = false
        frames--
      }
      this.#readReported(chunk)
    }
    this.#keepTail(chunk)
    const n = Math.max(0, frames)
    this.tokens += n
    return n
  }

  /** output is the best count of the output delivered: frames, or the backend's own figure. */
  get output(): number {
    return Math.max(this.tokens, this.reported ?? 0)
  }

  /** #straddling counts a frame boundary split between the previous chunk and this one (0/1). */
  #straddling(chunk: Buffer): number {
    const t = this.#tail
    const head = Math.min(chunk.length, FRAME.length - 1)
    t.copy(this.#joint, 0)
    chunk.copy(this.#joint, t.length, 0, head)
    const i = this.#joint.subarray(0, t.length + head).indexOf(FRAME)
    // Only a match that starts in the tail: one wholly inside the chunk is counted there.
    return i >= 0 && i < t.length ? 1 : 0
  }

  #keepTail(chunk: Buffer): void {
    const keep = FRAME.length - 1
    if (chunk.length >= keep) {
      this.#tail = Buffer.from(chunk.subarray(chunk.length - keep))
    } else {
      this.#tail = Buffer.concat([this.#tail, chunk]).subarray(-keep)
    }
  }

  #readReported(chunk: Buffer): void {
    const n = readCompletionTokens(chunk)
    if (n !== undefined) this.reported = Math.max(this.reported ?? 0, n)
  }
}

/**
 * readCompletionTokens reads the number after the last `"completion_tokens":` in `buf`. Only a
 * usage object has the key with bare quotes (quotes inside generated text are escaped).
 */
export function readCompletionTokens(buf: Buffer): number | undefined {
  const i = buf.lastIndexOf(COMPLETION_TOKENS)
  if (i < 0) return undefined
  let j = i + COMPLETION_TOKENS.length
  while (j < buf.length && buf[j] === 0x20) j++
  const from = j
  let n = 0
  for (; j < buf.length && buf[j]! >= 0x30 && buf[j]! <= 0x39; j++) n = n * 10 + buf[j]! - 0x30
  return j > from && j < buf.length ? n : undefined
}

/**
 * UsageScanner finds a non-streamed answer's `usage.completion_tokens` as the body passes,
 * whatever its size and however it is split into reads, without keeping the body.
 */
export class UsageScanner {
  reported: number | undefined
  #carry: Buffer = Buffer.alloc(0)

  feed(chunk: Buffer): void {
    const buf = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : chunk
    const n = readCompletionTokens(buf)
    if (n !== undefined) this.reported = n
    this.#carry = Buffer.from(buf.subarray(Math.max(0, buf.length - 40)))
  }
}
