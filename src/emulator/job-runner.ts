/**
 * @module The job life cycle: a request admitted to the engine (through the LoRA gate), streamed
 * token by token from the engine's listener, finished, or aborted when its client leaves. The
 * `JobRunner` owns the engine, its wall-time driver and the metrics, which watch the jobs.
 *
 * A client that disconnects has its request aborted in the engine (KV blocks freed at once, as
 * vLLM does) and counted with finished_reason "abort".
 */
import { Engine, type EngineListener } from '../engine/engine.js'
import { SeqStatus, type Sequence } from '../engine/sequence.js'
import type { SizedInstance } from '../engine/sizing.js'
import { badRequest } from '../openai/api-error.js'
import { createIterationModel } from '../perf/iteration.js'
import { type DriverClock, EngineDriver } from './engine-driver.js'
import { answer, type Job, streamToken } from './job.js'
import { LoraGate } from './lora-gate.js'
import { EmulatorMetrics, type LoraState } from './metrics.js'
import { sendError } from './server.js'

/** RunnerOptions are the emulator settings the life cycle needs, defaults resolved. */
export interface RunnerOptions {
  readonly modelName: string
  /** Engine seconds per wall second. */
  readonly timeScale: number
  readonly maxLoras: number
  readonly slowdown: number | undefined
  readonly clock: DriverClock
  /** Exit in the middle of the N-th completion request (--crash-after). */
  readonly crashAfter: number | undefined
  readonly exit: (code: number) => void
}

/** JobRunner runs jobs through the engine and hears its tokens and finishes. */
export class JobRunner implements EngineListener {
  readonly engine: Engine
  readonly metrics: EmulatorMetrics
  readonly #o: RunnerOptions
  readonly #driver: EngineDriver
  readonly #jobs = new Set<Job>()
  readonly #gate: LoraGate<Job>
  #crashed = false
  #draining = false
  #onDrained: (() => void) | undefined

  constructor(plan: SizedInstance, o: RunnerOptions) {
    this.#o = o
    this.#gate = new LoraGate<Job>(o.maxLoras)
    // The runner is the engine's listener: its tokens and finishes come back to onToken/onFinish.
    this.engine = new Engine(
      plan.engine,
      createIterationModel(plan.deployment),
      plan.numBlocks,
      this,
    )
    this.#driver = new EngineDriver(this.engine, {
      timeScale: o.timeScale,
      ...(o.slowdown !== undefined ? { slowdown: o.slowdown } : {}),
      clock: o.clock,
    })
    this.metrics = new EmulatorMetrics({
      modelName: o.modelName,
      engine: this.engine,
      gpuMemoryUtilization: plan.engine.gpuMemoryUtilization,
      cacheDtype: plan.deployment.dtype === 'fp8' ? 'fp8' : 'auto',
      maxLoras: this.#gate.maxLoras,
      heldWaiting: () => this.#gate.held,
      loraState: () => this.#loraState(),
    })
  }

  /** arrivalTime is the engine time to stamp on a request arriving now. */
  arrivalTime(): number {
    return this.#driver.arrivalTime()
  }

  /** halt stops producing tokens for good (--hang-after, and shutdown). */
  halt(): void {
    this.#driver.halt()
  }

  /**
   * admit takes a new job: it is aborted if its client leaves, and goes to the engine now or
   * waits for an adapter slot. False (and a 400 sent) if the engine refuses it.
   */
  admit(job: Job): boolean {
    this.#jobs.add(job)
    job.res.on('close', () => {
      if (job.done) return
      job.gone = true
      this.#abort(job)
    })
    return !this.#gate.enter(job.adapter, job) || this.#submit(job)
  }

  /** onToken records a token's timing and streams its frame (the last one waits for onFinish). */
  onToken(seq: Sequence, now: number): void {
    const job = seq.tag as Job
    const k = seq.generated
    const scale = this.#o.timeScale
    if (k === 1) this.metrics.firstToken((now - seq.arrival) / scale, seq.promptTokens)
    else this.metrics.tokenGap((now - job.last) / scale)
    job.last = now
    if (this.#crashesAt(job, k)) {
      this.#crashed = true
      this.#o.exit(1)
      return
    }
    if (k === seq.outputTokens || !job.frames || job.gone) return // the last frame: onFinish
    streamToken(job, job.frames, k)
  }

  /** onFinish counts a finished job, answers its client (if still there) and frees its slot. */
  onFinish(seq: Sequence, now: number): void {
    const job = seq.tag as Job
    job.done = true
    this.#jobs.delete(job)
    const scale = this.#o.timeScale
    this.metrics.finished(
      job.gone ? 'abort' : job.gen.finishReason,
      (now - seq.arrival) / scale,
      (seq.scheduledAt - seq.arrival) / scale,
    )
    if (!job.gone) answer(job)
    this.#release(job.adapter)
    this.#checkDrained()
  }

  /** draining says close() has begun: new completion requests get 503. */
  get draining(): boolean {
    return this.#draining
  }

  /** startDraining refuses new requests from now on. */
  startDraining(): void {
    this.#draining = true
  }

  /** busy says jobs are in flight. */
  get busy(): boolean {
    return this.#jobs.size > 0
  }

  /** drained resolves when the last job in flight ends, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs)
      this.#onDrained = () => {
        clearTimeout(t)
        resolve()
      }
    })
  }

  /**
   * abort withdraws a job whose client disconnected: out of the engine (freeing its KV blocks
   * at once, as vLLM aborts a request) or out of the LoRA gate's hold, and counted as an abort.
   */
  #abort(job: Job): void {
    const seq = job.seq
    if (this.engine.abort(seq)) {
      this.#release(job.adapter)
    } else if (!this.#gate.remove(job)) {
      return // not admitted yet: the handler has not submitted it
    }
    job.done = true
    this.#jobs.delete(job)
    const now = this.#driver.arrivalTime()
    const queued = seq.scheduledAt >= 0 ? seq.scheduledAt : now
    const scale = this.#o.timeScale
    this.metrics.finished('abort', (now - seq.arrival) / scale, (queued - seq.arrival) / scale)
    this.#checkDrained()
  }

  /** submit hands a job to the engine; false (and a 400 sent) if the engine refuses it. */
  #submit(job: Job): boolean {
    const reason = this.#driver.submit(job.seq)
    if (reason === undefined) return true
    // planFleet caps max_model_len at the KV capacity, so the length check catches this first.
    job.done = true
    this.#jobs.delete(job)
    this.#release(job.adapter)
    sendError(job.res, badRequest(`the request cannot fit this engine (${reason})`))
    return false
  }

  /** release frees a job's adapter slot and submits the held jobs that may now go. */
  #release(adapter: string | undefined): void {
    for (const next of this.#gate.leave(adapter)) this.#submit(next)
  }

  /** checkDrained ends close()'s wait once the last job is out. */
  #checkDrained(): void {
    if (this.#draining && this.#jobs.size === 0) this.#onDrained?.()
  }

  /** crashesAt says --crash-after exits at this token: once, in the N-th request, halfway. */
  #crashesAt(job: Job, k: number): boolean {
    return (
      job.index === this.#o.crashAfter && k >= crashPoint(job.seq.outputTokens) && !this.#crashed
    )
  }

  /** loraState lists the adapters with running and with waiting jobs, for the metrics. */
  #loraState(): LoraState {
    const running = new Set<string>()
    const waiting = new Set<string>()
    for (const j of this.#jobs) {
      if (j.adapter === undefined) continue
      if (j.seq.status === SeqStatus.Running) running.add(j.adapter)
      else waiting.add(j.adapter)
    }
    return { running: [...running], waiting: [...waiting] }
  }
}

/** crashPoint is the token at which --crash-after exits: halfway, after at least one token. */
function crashPoint(outputTokens: number): number {
  return Math.min(outputTokens, Math.max(2, Math.ceil(outputTokens / 2)))
}
