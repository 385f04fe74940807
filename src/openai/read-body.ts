/**
 * @module Request bodies for the emulator and the gateway: read up to a byte limit (413 beyond it)
 * and parsed as JSON (400 naming the problem).
 */
import type { IncomingMessage } from 'node:http'
import { ApiError } from './api-error.js'

/**
 * readBody collects the body up to `limit` bytes, or rejects with a 413 (after which the rest is
 * discarded, so the client reads the answer rather than a reset).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (): void => {
      req.resume()
      reject(
        new ApiError(413, `the request body exceeds the limit of ${limit} bytes`, {
          code: 'request_too_large',
        }),
      )
    }
    if (Number(req.headers['content-length']) > limit) {
      tooLarge()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    req.on('data', (chunk: Buffer) => {
      if (over) return
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
      if (!over) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
    })
    req.once('error', reject)
  })
}

/** parseJson parses a body or throws a 400 naming the problem. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'))
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    throw new ApiError(400, `the request body is not valid JSON: ${why}`, { code: 'invalid_json' })
  }
}
