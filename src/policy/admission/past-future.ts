/**
 * @module past-future: admission by forecast peak KV (Gong et al., "Past-Future Scheduler for LLM
 * Serving under SLA Guarantees", ASPLOS'25, implemented in LightLLM). vLLM admits while blocks are
 * free *now*, so running requests later outgrow the cache and get preempted; reserving each
 * request's maximum output instead leaves the cache half empty. Past-future admits the next
 * request (FCFS) only if the forecast *peak* KV of the running batch plus that request fits the
 * cache. The past is the empirical distribution of recent output lengths; the future is the
 * batch's expected KV at each coming instant, each request weighted by its chance of still
 * running then given what it has generated so far. It never sees a request's true output length.
 */
import { KeyedQueue } from './keyed-queue.js'
import { OutputHistory } from './output-history.js'
import type { AdmissionPolicy, Offer, RequestView } from './types.js'

/** PastFutureOptions tune past-future. */
export interface PastFutureOptions {
  /** Finished requests the output-length distribution is drawn from (default 1000). */
  readonly window?: number
  /** Until this many requests have finished, admit as vLLM does (default 32). */
  readonly warmup?: number
  /** Share of the KV cache the forecast peak may fill (default 1). */
  readonly capacity?: number
  /** Future instants the forecast is evaluated at (default 48). */
  readonly points?: number
}

/**
 * MemoryForecast is the expected KV of a set of requests at future instants t (in tokens generated
 * from now), t on a grid denser near now. A request holding `len` tokens after generating g adds
 * (len + t)·S(t) tokens and S(t) part-filled blocks at t, where S(t) = P(L > g + t | L > g) from
 * the history. Worked example: history {100, 200, 300, 400}, a request at g = 150 holding 1,000
 * tokens: S(100) = #{>250}/#{>150} = 2/3, so it adds 1,100·2/3 ≈ 733 tokens at t = 100.
 */
export class MemoryForecast {
  readonly grid: number[] = []
  readonly tokens: Float64Array
  readonly alive: Float64Array
  #history: OutputHistory | undefined

  constructor(points: number) {
    this.tokens = new Float64Array(points)
    this.alive = new Float64Array(points)
  }

  /** reset empties the forecast and spans its grid over the history's longest output. */
  reset(history: OutputHistory): void {
    this.#history = history
    const k = this.tokens.length
    const horizon = Math.max(1, history.max)
    this.grid.length = k
    for (let i = 0; i < k; i++) this.grid[i] = Math.round(horizon * (i / Math.max(1, k - 1)) ** 2)
    this.tokens.fill(0)
    this.alive.fill(0)
  }

  /** add counts one request (`into` another forecast's arrays, to try a candidate). */
  add(len: number, g: number, into: { tokens: Float64Array; alive: Float64Array } = this): void {
    const h = this.#history!
    const base = h.countAbove(g)
    // Outlived every past request: heavy-tailed lengths make the remaining life grow with age.
    const life = Math.max(1, g)
    for (let i = 0; i < this.grid.length; i++) {
      const t = this.grid[i]!
      const s = base === 0 ? (t < life ? 1 : 0) : h.countAbove(g + t) / base
      into.tokens[i]! += (len + t) * s
      into.alive[i]! += s
    }
  }

  /** peakBlocks is the forecast's largest expected block count, with `extra` added if given. */
  peakBlocks(blockSize: number, extra?: { tokens: Float64Array; alive: Float64Array }): number {
    let peak = 0
    for (let i = 0; i < this.grid.length; i++) {
      const tok = this.tokens[i]! + (extra ? extra.tokens[i]! : 0)
      const live = this.alive[i]! + (extra ? extra.alive[i]! : 0)
      const v = tok / blockSize + live
      if (v > peak) peak = v
    }
    return peak
  }
}

/** createPastFuture builds a past-future policy (one per engine: it learns that engine's outputs). */
export function createPastFuture(opts: PastFutureOptions = {}): AdmissionPolicy {
  const history = new OutputHistory(opts.window ?? 1000)
  const warmup = opts.warmup ?? 32
  const share = opts.capacity ?? 1
  const points = opts.points ?? 48
  const q = new KeyedQueue<RequestView>()
  const running = new MemoryForecast(points)
  const cand = { tokens: new Float64Array(points), alive: new Float64Array(points) }
  // The running batch's forecast is rebuilt after a finish or preemption and extended by each
  // admission; in between it is reused, as the batch only ages.
  let valid = false
  let passed: RequestView | undefined

  return {
    name: 'past-future',
    queue: {
      get length() {
        return q.length
      },
      push: (req) => q.push(req),
      pushPreempted: (req) => {
        valid = false
        q.pushFront(req)
      },
      remove: (req) => q.remove(req),
      peek: function peekPastFuture(_now, view): Offer | undefined {
        const req = q.peek()
        passed = undefined
        if (req === undefined) return undefined
        // An idle engine always starts its head: holding it back would only waste the GPU.
        if (history.size < warmup || view.running.length === 0) {
          valid = false
          return { req, verdict: 'admit' }
        }
        if (!valid) {
          running.reset(history)
          for (const r of view.running) running.add(r.promptTokens + r.generated, r.generated)
          valid = true
        }
        cand.tokens.fill(0)
        cand.alive.fill(0)
        running.add(req.promptTokens + req.generated, req.generated, cand)
        if (running.peakBlocks(view.blockSize, cand) > share * view.numBlocks) return undefined
        passed = req
        return { req, verdict: 'admit' }
      },
      pop: (req) => {
        q.pop()
        if (valid && passed === req) {
          for (let i = 0; i < points; i++) {
            running.tokens[i]! += cand.tokens[i]!
            running.alive[i]! += cand.alive[i]!
          }
        }
        passed = undefined
      },
      requests: () => q.values(),
    },
    onFinish: (req) => {
      history.add(req.generated)
      valid = false
    },
  }
}
