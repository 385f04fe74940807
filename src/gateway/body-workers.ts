/**
 * @module Request bodies analysed off the event loop. Parsing, validating and tokenizing a body
 * costs about 60 ns a byte (a 4 MB prompt: ~250 ms of CPU), and the gateway's event loop also
 * forwards every other client's stream: run there, one large body stretched a concurrent
 * stream's inter-chunk gap from 20 ms to over 2 s. Bodies up to INLINE_BYTES are analysed
 * inline (under a millisecond or two, less than a thread hop is worth); larger ones go to a
 * small pool of worker threads, so the event loop's cost per body is one copy.
 *
 * The pool is bounded: at most MAX_QUEUED bodies wait per worker, beyond which a request gets a
 * 503 with Retry-After (the gateway sheds large bodies before it sheds streams). A worker that
 * dies fails its bodies with a 500 and is replaced.
 */
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { ApiError } from '../openai/api-error.js'
import {
  type Analyzed,
  analyzeBody,
  fromWire,
  type Salts,
  type WireError,
} from './body-analysis.js'

/** INLINE_BYTES is the largest body analysed on the event loop (~1 ms at 60 ns/byte). */
export const INLINE_BYTES = 16 * 1024

/** MAX_QUEUED is how many bodies may wait per worker before new ones are refused. */
const MAX_QUEUED = 32

/** BodyJob is one body sent to a worker. */
export interface BodyJob {
  readonly id: number
  readonly body: Uint8Array
  readonly chat: boolean
}

/** BodyReply is a worker's answer. */
export type BodyReply =
  | { readonly id: number; readonly ok: Analyzed; readonly error?: undefined }
  | { readonly id: number; readonly ok?: undefined; readonly error: WireError }

interface Pending {
  readonly resolve: (a: Analyzed) => void
  readonly reject: (err: ApiError) => void
}

interface Slot {
  worker: Worker
  readonly pending: Map<number, Pending>
}

/**
 * workerEntry is the compiled worker script beside this module, or, when this module runs from
 * its TypeScript source (the test runner), the one in dist/ (built before the tests run).
 */
function workerEntry(): URL {
  const here = new URL('./body-worker.js', import.meta.url)
  if (existsSync(fileURLToPath(here))) return here
  return new URL('../../dist/gateway/body-worker.js', import.meta.url)
}

/** BodyWorkers analyses bodies, inline or on worker threads by size. */
export class BodyWorkers {
  readonly #salts: Salts
  readonly #size: number
  readonly #slots: Slot[] = []
  #nextId = 0
  #closed = false

  /** `threads` defaults to one less than the cores, between 1 and 4. */
  constructor(salts: Salts, threads = Math.max(1, Math.min(4, availableParallelism() - 1))) {
    this.#salts = salts
    this.#size = threads
  }

  /** analyze resolves to the body's analysis, or rejects with the ApiError to answer. */
  analyze(body: Buffer, chat: boolean): Promise<Analyzed> {
    if (body.length <= INLINE_BYTES) {
      try {
        return Promise.resolve(analyzeBody(body, chat, this.#salts))
      } catch (err) {
        return Promise.reject(err)
      }
    }
    const slot = this.#leastBusy()
    if (slot.pending.size >= MAX_QUEUED) {
      return Promise.reject(
        new ApiError(503, 'the gateway is busy analysing large request bodies; retry shortly', {
          code: 'gateway_busy',
          retryAfter: 1,
        }),
      )
    }
    const id = this.#nextId++
    return new Promise<Analyzed>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject })
      slot.worker.postMessage({ id, body, chat } satisfies BodyJob)
    })
  }

  /** close stops the worker threads. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.all(this.#slots.map((s) => s.worker.terminate()))
  }

  #leastBusy(): Slot {
    if (this.#slots.length < this.#size) {
      const slot: Slot = { worker: this.#spawn(), pending: new Map() }
      this.#watch(slot)
      this.#slots.push(slot)
      return slot
    }
    let best = this.#slots[0]!
    for (const s of this.#slots) if (s.pending.size < best.pending.size) best = s
    return best
  }

  #spawn(): Worker {
    const w = new Worker(workerEntry(), { workerData: [...this.#salts] })
    // An idle pool must not keep a gateway that is shutting down alive.
    w.unref()
    return w
  }

  #watch(slot: Slot): void {
    const w = slot.worker
    w.on('message', (reply: BodyReply) => {
      const p = slot.pending.get(reply.id)
      if (!p) return
      slot.pending.delete(reply.id)
      if (reply.ok) p.resolve(reply.ok)
      else p.reject(fromWire(reply.error))
    })
    const lost = (why: string): void => {
      for (const p of slot.pending.values()) {
        p.reject(
          new ApiError(500, `internal error in the gateway (${why})`, { code: 'internal_error' }),
        )
      }
      slot.pending.clear()
      if (this.#closed) return
      slot.worker = this.#spawn()
      this.#watch(slot)
    }
    w.on('error', (err) => lost(`body worker failed: ${err.message}`))
    w.on('exit', (code) => {
      if (slot.worker === w) lost(`body worker exited with code ${code}`)
    })
  }
}
