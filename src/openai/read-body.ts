/**
 * @module Request bodies for the emulator and the gateway: read up to a byte limit (413 beyond it)
 * and parsed as JSON (400 naming the problem), after a linear scan that refuses nesting deeper
 * than MAX_JSON_DEPTH. `JSON.parse` is not incremental: a 4 MB body of nested arrays costs it over
 * a second of CPU (2M levels, each an array), while the scan costs milliseconds.
 */
import type { IncomingMessage } from 'node:http'
import { ApiError } from './api-error.js'

/**
 * ClientAborted is a body the client stopped sending (it closed or reset the connection): not
 * a fault of the server's, and no one is left to answer.
 */
export class ClientAborted extends Error {
  /** Body bytes received before the client left. */
  readonly received: number
  constructor(received: number) {
    super(`the client disconnected during the upload (after ${received} bytes)`)
    this.name = 'ClientAborted'
    this.received = received
  }
}

/**
 * Alloc makes the buffer a body of known length is read into (the gateway puts large ones in
 * shared memory, so its worker threads read them without a copy).
 */
export type Alloc = (bytes: number) => Buffer

/**
 * readBody collects the body up to `limit` bytes, or rejects with a 413 (after which the rest is
 * discarded, so the client reads the answer rather than a reset), or with ClientAborted when
 * the connection goes away first. A body with a Content-Length is copied into one buffer from
 * `alloc` as it arrives, a piece per read, rather than joined in one large copy at the end.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  alloc: Alloc = Buffer.allocUnsafe,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (): void => {
      req.resume()
      reject(
        new ApiError(413, `the request body exceeds the limit of ${limit} bytes`, {
          code: 'request_too_large',
        }),
      )
    }
    const declared = Number(req.headers['content-length'])
    if (declared > limit) {
      tooLarge()
      return
    }
    // Node's parser ends a request at its Content-Length, so `whole` cannot overflow.
    const whole = Number.isSafeInteger(declared) && declared > 0 ? alloc(declared) : undefined
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    let ended = false
    req.on('data', (chunk: Buffer) => {
      if (over) return
      if (whole) {
        chunk.copy(whole, size)
        size += chunk.length
        return
      }
      size += chunk.length
      if (size > limit) {
        over = true
        chunks.length = 0
        tooLarge()
        return
      }
      chunks.push(chunk)
    })
    req.once('end', () => {
      ended = true
      if (over) return
      if (whole) resolve(whole.subarray(0, size))
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
    })
    // A reset emits 'error' then 'close'; a clean close before the end only 'close'. Either way
    // the promise settles once (later calls are no-ops).
    req.once('error', () => reject(new ClientAborted(size)))
    req.once('close', () => {
      if (!ended) reject(new ClientAborted(size))
    })
  })
}

/**
 * MAX_JSON_DEPTH bounds the nesting of a request body. OpenAI bodies nest a few levels (messages,
 * content parts, tool schemas: a deep JSON Schema in `tools` or `response_format` rarely passes
 * 20); 64 leaves room while bounding the parser's work.
 */
export const MAX_JSON_DEPTH = 64

/**
 * MAX_JSON_VALUES bounds the number of values (array elements and object members) in a body:
 * 2^20 holds a prompt of ~700k token ids, more than a 4 MB body can carry in digits, and a chat
 * of 100k messages, while 4 MB of `[],` (1.4M empty arrays, 0.46 s for JSON.parse) is refused.
 */
export const MAX_JSON_VALUES = 1 << 20

const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * jsonShapeError scans `body` once and says why it is too deep or too wide for the limits
 * above, or returns undefined. Malformed JSON is left to JSON.parse to report.
 */
export function jsonShapeError(
  body: Uint8Array,
  maxDepth = MAX_JSON_DEPTH,
  maxValues = MAX_JSON_VALUES,
): string | undefined {
  let depth = 0
  let values = 0
  let inString = false
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return `nests deeper than ${maxDepth} levels (at byte ${i})`
      values++
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    } else if (c === 0x2c && ++values > maxValues) {
      return `holds more than ${maxValues} values`
    }
  }
  return undefined
}

/** parseJson parses a body or throws a 400 naming the problem. */
export function parseJson(body: Buffer): unknown {
  const shape = jsonShapeError(body)
  if (shape !== undefined) {
    throw new ApiError(400, `the request body ${shape}`, { code: 'invalid_json' })
  }
  try {
    return JSON.parse(body.toString('utf8'))
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    throw new ApiError(400, `the request body is not valid JSON: ${why}`, { code: 'invalid_json' })
  }
}
