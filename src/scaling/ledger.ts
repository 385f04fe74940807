/**
 * @module The replica ledger: what an autoscaled run paid and how its replicas came and went.
 * Every replica is billed from the moment it is asked for until it stops (provisioning, cold
 * start and draining included, as a cloud bills a node), and each start is a cold start whose
 * duration is measured from the decision to readiness.
 */
import type { Quantiles } from '../util/stats.js'
import { summarize } from '../util/stats.js'
import type { ScalingSeries, ScalingSummary } from './summary.js'

/** MAX_COLD_STARTS_KEPT bounds the durations kept for the report's distribution. */
const MAX_COLD_STARTS_KEPT = 10_000

/** ReplicaLedger tracks one run's replicas (all pools together). Time never goes back. */
export class ReplicaLedger {
  #provisioned = 0
  #ready = 0
  #desired = 0
  #replicaSeconds = 0
  #gpuSeconds = 0
  #gpus = 0
  #dollarsPerSecond = 0
  #dollars = 0
  #last = 0
  #first: number | undefined
  #max = 0
  #coldStarts: number[] = []
  #started = 0
  #cancelled = 0
  #stopped = 0
  #held: number[] = []
  #heldRejected = 0
  #decisions = 0
  #panicDecisions = 0
  readonly #t: number[] = []
  readonly #readySeries: number[] = []
  readonly #provSeries: number[] = []
  readonly #desiredSeries: number[] = []

  /** start records a replica of `gpus` GPUs at `pricePerGpuHour` asked for at `now`. */
  start(now: number, gpus: number, pricePerGpuHour: number): void {
    this.#advance(now)
    this.#provisioned++
    this.#gpus += gpus
    this.#dollarsPerSecond += (gpus * pricePerGpuHour) / 3600
    this.#started++
    this.#max = Math.max(this.#max, this.#provisioned)
    this.#mark(now)
  }

  /**
   * warm records a replica already serving at `now`: a service's initial scale when a run begins.
   * It is billed from `now` on but is not a cold start.
   */
  warm(now: number, gpus: number, pricePerGpuHour: number): void {
    this.#advance(now)
    this.#provisioned++
    this.#ready++
    this.#gpus += gpus
    this.#dollarsPerSecond += (gpus * pricePerGpuHour) / 3600
    this.#max = Math.max(this.#max, this.#provisioned)
    this.#mark(now)
  }

  /** ready records a replica asked for at `askedAt` becoming ready at `now`. */
  ready(now: number, askedAt: number): void {
    this.#advance(now)
    this.#ready++
    this.#coldStarts.push(now - askedAt)
    this.#mark(now)
  }

  /** unready records a ready replica leaving service (it starts draining, or it failed). */
  unready(now: number): void {
    this.#advance(now)
    this.#ready = Math.max(0, this.#ready - 1)
    this.#mark(now)
  }

  /**
   * stop records a replica ending at `now`: billing stops. `cancelled` marks one stopped before
   * it was ever ready; otherwise it was drained.
   */
  stop(now: number, gpus: number, pricePerGpuHour: number, cancelled: boolean): void {
    this.#advance(now)
    this.#provisioned = Math.max(0, this.#provisioned - 1)
    this.#gpus -= gpus
    this.#dollarsPerSecond -= (gpus * pricePerGpuHour) / 3600
    if (cancelled) this.#cancelled++
    else this.#stopped++
    this.#mark(now)
  }

  /**
   * initial records the desired count a run starts with (its initial scale) at `now`: a point of
   * the desired series, not a decision the scaler took.
   */
  initial(now: number, desired: number): void {
    this.#advance(now)
    if (desired !== this.#desired) {
      this.#desired = desired
      this.#mark(now)
    }
  }

  /** decision records a scaler decision (its clamped target, and whether it was in panic). */
  decision(now: number, desired: number, panic: boolean): void {
    this.#advance(now)
    this.#decisions++
    if (panic) this.#panicDecisions++
    if (desired !== this.#desired) {
      this.#desired = desired
      this.#mark(now)
    }
  }

  /** held records a request that waited `wait` seconds in the activator for a replica. */
  held(wait: number): void {
    this.#held.push(wait)
  }

  /** heldRejected records a request refused because the activator's queue was full. */
  heldRejected(): void {
    this.#heldRejected++
  }

  /** gpuHours is the GPU time billed up to `now`. */
  gpuHours(now: number): number {
    this.#advance(now)
    return this.#gpuSeconds / 3600
  }

  /** costUsd is the money billed up to `now`. */
  costUsd(now: number): number {
    this.#advance(now)
    return this.#dollars
  }

  /** summary describes the run up to `end` (the last event's time). */
  summary(scaler: string, end: number): ScalingSummary {
    this.#advance(end)
    const span = this.#first === undefined ? 0 : end - this.#first
    return {
      scaler,
      cold_starts: this.#started,
      cold_start_s: q(this.#coldStarts),
      cancelled: this.#cancelled,
      scale_downs: this.#stopped,
      replicas_mean: span > 0 ? this.#replicaSeconds / span : this.#provisioned,
      replicas_max: this.#max,
      held: this.#held.length,
      held_rejected: this.#heldRejected,
      held_wait_s: q(this.#held),
      decisions: this.#decisions,
      panic_decisions: this.#panicDecisions,
    }
  }

  /** series returns the replica counts over time and the cold-start durations. */
  series(): ScalingSeries {
    const cs = this.#coldStarts
    const stride = Math.max(1, Math.ceil(cs.length / MAX_COLD_STARTS_KEPT))
    return {
      t: this.#t,
      ready: this.#readySeries,
      provisioned: this.#provSeries,
      desired: this.#desiredSeries,
      cold_start_s: stride === 1 ? cs.slice() : cs.filter((_, i) => i % stride === 0),
    }
  }

  #advance(now: number): void {
    if (this.#first === undefined) {
      this.#first = now
      this.#last = now
      return
    }
    const dt = now - this.#last
    if (dt <= 0) return
    this.#replicaSeconds += this.#provisioned * dt
    this.#gpuSeconds += this.#gpus * dt
    this.#dollars += this.#dollarsPerSecond * dt
    this.#last = now
  }

  /** #mark appends a change point, replacing the previous one when it is at the same time. */
  #mark(now: number): void {
    const n = this.#t.length
    if (n > 0 && this.#t[n - 1] === now) {
      this.#readySeries[n - 1] = this.#ready
      this.#provSeries[n - 1] = this.#provisioned
      this.#desiredSeries[n - 1] = this.#desired
      return
    }
    this.#t.push(now)
    this.#readySeries.push(this.#ready)
    this.#provSeries.push(this.#provisioned)
    this.#desiredSeries.push(this.#desired)
  }
}

function q(xs: ReadonlyArray<number>): Quantiles {
  if (xs.length === 0) return { mean: 0, p50: 0, p90: 0, p99: 0 }
  return summarize(Float64Array.from(xs))
}
