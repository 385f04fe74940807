/**
 * @module SplitQueue: waiting requests split by prefill length into a short and a long FIFO, the
 * structure LAPS and FlowPrefill share. Length is the prompt work still to compute at arrival
 * (prompt minus what the prefix cache already holds), since that is what occupies iterations.
 */
import { KeyedQueue } from './keyed-queue.js'
import type { EngineView, RequestView } from './types.js'

/** SplitQueue holds short and long waiting requests apart, each in arrival order. */
export class SplitQueue {
  /** Most uncached prompt tokens a short request has. */
  readonly shortTokens: number
  readonly short = new KeyedQueue<RequestView>()
  /** Long requests keyed by when they joined (so the head's key is the longest wait). */
  readonly long = new KeyedQueue<RequestView>()
  /** Uncached tokens of the long requests waiting, in all. */
  longTokens = 0
  #tokens = new Map<RequestView, number>()

  constructor(shortTokens: number) {
    this.shortTokens = shortTokens
  }

  get length(): number {
    return this.short.length + this.long.length
  }

  /** uncached is the prompt (and, after preemption, output) work `req` still needs. */
  uncached(req: RequestView, view: EngineView): number {
    return Math.max(0, req.promptTokens + req.generated - view.cachedTokens(req))
  }

  push(req: RequestView, now: number, view: EngineView): void {
    const u = this.uncached(req, view)
    if (u <= this.shortTokens) {
      this.short.push(req, now)
      return
    }
    this.long.push(req, now)
    this.#tokens.set(req, u)
    this.longTokens += u
  }

  /** pushPreempted puts a preempted request ahead of all (vLLM resumes those first). */
  pushPreempted(req: RequestView): void {
    this.short.pushFront(req)
  }

  /** remove drops a waiting request and says which queue held it (undefined: neither). */
  remove(req: RequestView): 'short' | 'long' | undefined {
    if (this.short.remove(req)) return 'short'
    if (!this.long.remove(req)) return undefined
    this.#forget(req)
    return 'long'
  }

  popLong(): RequestView | undefined {
    const req = this.long.pop()
    if (req !== undefined) this.#forget(req)
    return req
  }

  *values(): IterableIterator<RequestView> {
    yield* this.short.values()
    yield* this.long.values()
  }

  #forget(req: RequestView): void {
    this.longTokens -= this.#tokens.get(req) ?? 0
    this.#tokens.delete(req)
  }
}
