/**
 * @module The metric sampler both drivers feed: it turns a pool's events (requests entering and
 * leaving, arrivals, completions, replicas becoming ready) into the 1-second `ScaleSample` buckets
 * scalers read. Concurrency and utilisation are time-weighted means over each bucket, as Knative's
 * queue-proxy reports average concurrency per second rather than a point sample.
 */
import type { ScaleSample } from '../policy/scaler/types.js'

/** BUCKET_SECONDS is Knative's metric granularity (pkg/autoscaler/metrics: 1 s buckets). */
export const BUCKET_SECONDS = 1

/** MetricSampler accumulates one pool's events into 1-second buckets. Time never goes back. */
export class MetricSampler {
  readonly #containerConcurrency: number
  /** Start of the open bucket. */
  #start: number
  /** Time the integrals below were last brought up to. */
  #last: number
  #inFlight = 0
  #ready = 0
  #concArea = 0
  #utilArea = 0
  #arrivals = 0
  #completions = 0
  #met = 0
  #latency = 0
  #tokens = 0
  #closed: ScaleSample[] = []

  /**
   * `containerConcurrency` is what one replica serves at once (utilisation's denominator);
   * `start` is the time the sampler begins (its first bucket ends at start + 1 s).
   */
  constructor(containerConcurrency: number, start = 0) {
    this.#containerConcurrency = Math.max(1, containerConcurrency)
    this.#start = start
    this.#last = start
  }

  /** inFlight is the requests in the service now (held ones included). */
  get inFlight(): number {
    return this.#inFlight
  }

  /** enter counts a request entering the service (an arrival held or admitted); leave, one going. */
  enter(now: number): void {
    this.#advance(now)
    this.#inFlight++
    this.#arrivals++
  }

  /** leave records a request leaving the service, finished or refused. */
  leave(now: number, done?: { latency: number; met: boolean; outputTokens?: number }): void {
    this.#advance(now)
    this.#inFlight = Math.max(0, this.#inFlight - 1)
    if (done) {
      this.#completions++
      this.#latency += done.latency
      if (done.met) this.#met++
    }
  }

  /** tokens adds output tokens generated now (decode throughput, for HeteroScale). */
  tokens(now: number, n: number): void {
    this.#advance(now)
    this.#tokens += n
  }

  /** setReady records the number of ready replicas from `now` on. */
  setReady(now: number, ready: number): void {
    this.#advance(now)
    this.#ready = ready
  }

  /** take closes every bucket that ended by `now` and returns the closed ones, oldest first. */
  take(now: number): ScaleSample[] {
    this.#advance(now)
    const out = this.#closed
    this.#closed = []
    return out
  }

  #advance(now: number): void {
    while (now >= this.#start + BUCKET_SECONDS) {
      const end = this.#start + BUCKET_SECONDS
      this.#integrate(end)
      this.#close(end)
      // A long idle stretch closes many identical empty buckets; skip the loop's per-bucket work.
      if (this.#inFlight === 0 && now >= end + BUCKET_SECONDS) {
        const skip = Math.floor((now - end) / BUCKET_SECONDS)
        for (let i = 1; i <= skip; i++) this.#closed.push(emptySample(end + i * BUCKET_SECONDS))
        this.#start = end + skip * BUCKET_SECONDS
        this.#last = this.#start
      }
    }
    this.#integrate(now)
  }

  #integrate(t: number): void {
    const dt = t - this.#last
    if (dt <= 0) return
    this.#concArea += this.#inFlight * dt
    if (this.#ready > 0) {
      this.#utilArea +=
        Math.min(1, this.#inFlight / (this.#ready * this.#containerConcurrency)) * dt
    }
    this.#last = t
  }

  #close(end: number): void {
    this.#closed.push({
      time: end,
      concurrency: this.#concArea / BUCKET_SECONDS,
      arrivals: this.#arrivals,
      completions: this.#completions,
      sloMet: this.#met,
      latencySum: this.#latency,
      outputTokens: this.#tokens,
      utilisation: this.#utilArea / BUCKET_SECONDS,
    })
    this.#start = end
    this.#concArea = 0
    this.#utilArea = 0
    this.#arrivals = 0
    this.#completions = 0
    this.#met = 0
    this.#latency = 0
    this.#tokens = 0
  }
}

/**
 * emptySample is a bucket with nothing in it but `concurrency` (0: an idle second; the in-flight
 * count: the activator's point sample of the open bucket, scaling/controller.ts).
 */
export function emptySample(time: number, concurrency = 0): ScaleSample {
  return {
    time,
    concurrency,
    arrivals: 0,
    completions: 0,
    sloMet: 0,
    latencySum: 0,
    outputTokens: 0,
    utilisation: 0,
  }
}
