/**
 * @module One function replica (a pod with one GPU): up to `containerConcurrency` jobs run at
 * once under processor sharing, the rest wait in its queue (Knative's queue-proxy), FIFO. It is
 * also the `InstanceView` routers see, so the LLM simulator's routers pick replicas unchanged.
 */
import { Deque } from '../../engine/deque.js'
import type { InstanceView } from '../../policy/types.js'
import type { ReplicaState } from '../../scaling/controller.js'

/**
 * FnRequest is one function invocation in flight. `work` is the seconds it needs with the GPU to
 * itself; `started` and `finished` are set as it runs.
 */
export interface FnRequest {
  readonly id: number
  readonly arrival: number
  readonly work: number
  started: number
  /** Whether its wait (arrival to start) met the SLO; set at start. */
  met: boolean
}

/** A replica's state: the controller's vocabulary (starting, ready, draining), or gone. */
export type SlotState = ReplicaState | 'stopped'

/** ReplicaListener hears jobs start and finish (the service records waits and latencies). */
export interface ReplicaListener {
  start(req: FnRequest, now: number): void
  finish(req: FnRequest, now: number): void
}

interface Job {
  readonly req: FnRequest
  /** Work left, seconds at full rate. */
  rem: number
}

/**
 * DONE_EPS: a job whose remaining work is below this (seconds) is finished. Remaining work is
 * brought forward as rem −= dt/k, which can leave a rounding residue of ~1e-15 at completion.
 */
const DONE_EPS = 1e-9

/** Replica is one slot of a service; a stopped slot is reused for the next replica started. */
export class Replica implements InstanceView {
  readonly id: number
  readonly name: string
  readonly group: string
  readonly model: string
  readonly kvUsage = 0
  readonly kvBlocks = 0
  readonly pendingPrefillTokens = 0
  state: SlotState = 'stopped'
  /** When the current replica in this slot was asked for. */
  askedAt = 0
  /** Bumped whenever the slot's replica stops, so a stale ready event is recognised. */
  generation = 0
  /** Sequence number of the scheduled completion event, −1 when none. */
  eventSeq = -1
  readonly #cc: number
  readonly #listener: ReplicaListener
  readonly #jobs: Job[] = []
  readonly #queue = new Deque<FnRequest>()
  /** Time the jobs' remaining work was last brought up to. */
  #last = 0

  constructor(
    id: number,
    service: string,
    containerConcurrency: number,
    listener: ReplicaListener,
  ) {
    this.id = id
    this.name = `${service}-${id}`
    this.group = service
    this.model = service
    this.#cc = containerConcurrency
    this.#listener = listener
  }

  get ready(): boolean {
    return this.state === 'ready'
  }

  get draining(): boolean {
    return this.state === 'draining'
  }

  /** Jobs executing now. */
  get running(): number {
    return this.#jobs.length
  }

  /** Requests in the queue-proxy queue. */
  get waiting(): number {
    return this.#queue.length
  }

  get outstanding(): number {
    return this.#jobs.length + this.#queue.length
  }

  /** hasSlot says whether a request sent now would start at once. */
  get hasSlot(): boolean {
    return this.#jobs.length < this.#cc
  }

  /** add takes a request: it starts at once if a slot is free, else it queues. */
  add(req: FnRequest, now: number): void {
    this.#advance(now)
    if (this.#jobs.length < this.#cc) this.#start(req, now)
    else this.#queue.pushBack(req)
  }

  /**
   * nextCompletion is when the first running job ends if nothing changes: with k jobs each runs
   * at 1/k, so the job with the least work left, r, ends after r·k seconds.
   */
  nextCompletion(): number | undefined {
    const k = this.#jobs.length
    if (k === 0) return undefined
    let min = Number.POSITIVE_INFINITY
    for (const j of this.#jobs) if (j.rem < min) min = j.rem
    return this.#last + Math.max(0, min) * k
  }

  /** complete finishes the jobs done by `now` and starts queued requests in their slots. */
  complete(now: number): void {
    this.#advance(now)
    const jobs = this.#jobs
    for (let i = 0; i < jobs.length; ) {
      const j = jobs[i]!
      if (j.rem <= DONE_EPS) {
        jobs.splice(i, 1)
        this.#listener.finish(j.req, now)
      } else i++
    }
    while (jobs.length < this.#cc && this.#queue.length > 0) {
      this.#start(this.#queue.popFront()!, now)
    }
  }

  /** reset readies the slot for a new replica asked for at `now` (nothing in it). */
  reset(now: number): void {
    this.askedAt = now
    this.#last = now
    this.eventSeq = -1
  }

  #start(req: FnRequest, now: number): void {
    this.#jobs.push({ req, rem: req.work })
    this.#listener.start(req, now)
  }

  /**
   * #advance brings the running jobs' remaining work up to `now`. Processor sharing: k jobs on
   * one GPU each progress at 1/k of the rate they would alone (a diffusion pipeline at batch 1
   * already saturates the GPU, so concurrency slices time rather than adding throughput).
   */
  #advance(now: number): void {
    const k = this.#jobs.length
    const dt = now - this.#last
    if (k > 0 && dt > 0) {
      const done = dt / k
      for (const j of this.#jobs) j.rem -= done
    }
    if (dt > 0) this.#last = now
  }
}
