/**
 * @module Timeline recorder: run state on a fixed grid of simulated time whose step doubles
 * whenever the grid would exceed its bucket budget, so memory stays bounded for a 30-minute
 * trace and a 12-day one alike.
 */
import type { Timeline } from './result.js'

/** TimelineState is what the recorder samples at each bucket end. */
export interface TimelineState {
  waiting(): number
  running(): number
  kvUsage(instance: number): number
}

/** TimelineRecorder accumulates rates per bucket and samples state at bucket boundaries. */
export class TimelineRecorder {
  #step: number
  #maxBuckets: number
  #instances: number
  #state: TimelineState
  #arrivals: number[] = []
  #outTok: number[] = []
  #inTok: number[] = []
  #waiting: number[] = []
  #running: number[] = []
  #kv: number[][]
  /** Index of the bucket the current time falls in; buckets before it are sampled. */
  #current = 0

  constructor(instances: number, state: TimelineState, step = 1, maxBuckets = 2048) {
    this.#step = step
    // Coarsening merges buckets in pairs, so the budget must be even.
    this.#maxBuckets = Math.max(2, maxBuckets + (maxBuckets % 2))
    this.#instances = instances
    this.#state = state
    this.#kv = Array.from({ length: instances }, () => [])
    this.#open()
  }

  /** advance moves time to `t`, sampling state at the end of every bucket passed. */
  advance(t: number): void {
    while (t >= (this.#current + 1) * this.#step) {
      this.#sample()
      this.#current++
      if (this.#current >= this.#maxBuckets) this.#coarsen()
      this.#open()
    }
  }

  /** arrival counts one arrival in the current bucket. */
  arrival(): void {
    this.#arrivals[this.#current]!++
  }

  /** tokens adds computed prompt tokens and sampled output tokens to the current bucket. */
  tokens(input: number, output: number): void {
    this.#inTok[this.#current]! += input
    this.#outTok[this.#current]! += output
  }

  /** finish samples the last, partial bucket and returns the series as rates. */
  finish(): Timeline {
    this.#sample()
    const n = this.#current + 1
    const step = this.#step
    const rate = (xs: number[]): number[] => xs.slice(0, n).map((x) => x / step)
    return {
      step_s: step,
      t: Array.from({ length: n }, (_, i) => i * step),
      arrivals_rps: rate(this.#arrivals),
      output_tok_s: rate(this.#outTok),
      input_tok_s: rate(this.#inTok),
      waiting: this.#waiting.slice(0, n),
      running: this.#running.slice(0, n),
      kv_usage: this.#kv.map((xs) => xs.slice(0, n)),
    }
  }

  #open(): void {
    const i = this.#current
    this.#arrivals[i] = 0
    this.#outTok[i] = 0
    this.#inTok[i] = 0
  }

  #sample(): void {
    const i = this.#current
    this.#waiting[i] = this.#state.waiting()
    this.#running[i] = this.#state.running()
    for (let k = 0; k < this.#instances; k++) this.#kv[k]![i] = this.#state.kvUsage(k)
  }

  /** coarsen halves the resolution: sums for counts, the later sample for sampled state. */
  #coarsen(): void {
    const half = this.#current >> 1
    const sum = (xs: number[]): void => {
      for (let i = 0; i < half; i++) xs[i] = xs[2 * i]! + xs[2 * i + 1]!
      xs.length = half
    }
    const later = (xs: number[]): void => {
      for (let i = 0; i < half; i++) xs[i] = xs[2 * i + 1]!
      xs.length = half
    }
    sum(this.#arrivals)
    sum(this.#outTok)
    sum(this.#inTok)
    later(this.#waiting)
    later(this.#running)
    for (const xs of this.#kv) later(xs)
    this.#current = half
    this.#step *= 2
  }
}
