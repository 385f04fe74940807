/**
 * @module Steps the clock-free engine in wall time. The only part of the emulator that reads a
 * clock or sets timers, and it does both through an injectable `DriverClock`, so tests can run
 * it on a fake clock.
 *
 * Engine time = wall seconds since start × timeScale. An iteration planned at engine time S with
 * duration dt (× slowdown) completes at E = S + dt: the driver sleeps until the wall clock reaches
 * E / timeScale, then calls `complete(E)` (tokens stream out from the engine's listener) and plans
 * the next iteration at E, not at the moment the timer fired. Timer lateness (a 1 ms granularity
 * against 40 µs iterations at --time-scale 200, or a busy event loop) therefore does not drift:
 * the driver runs late iterations back to back, one per event-loop turn, until it has caught up.
 * If it falls more than MAX_LAG_S wall seconds behind (a paused process), it gives the lag up and
 * resumes from the wall clock. When nothing is scheduled it sets no timer and waits for `submit`;
 * an idle engine then starts at the arrival that woke it.
 */
import type { Engine, RejectReason } from '../engine/engine.js'
import type { Sequence } from '../engine/sequence.js'

/** DriverClock is the time source and the timers the driver uses. */
export interface DriverClock {
  /** now returns monotonic milliseconds. */
  now(): number
  /** setTimer runs `fn` after `ms` milliseconds; returns a handle for clearTimer. */
  setTimer(fn: () => void, ms: number): unknown
  clearTimer(handle: unknown): void
  /** defer runs `fn` on the next event-loop turn, after pending I/O. */
  defer(fn: () => void): void
}

/** systemClock is the real clock: performance.now, setTimeout and setImmediate. */
export const systemClock: DriverClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  defer: (fn) => {
    setImmediate(fn)
  },
}

/** DriverOptions tune the driver. */
export interface DriverOptions {
  /** Engine seconds per wall second (10 = ten times faster than real time). */
  readonly timeScale: number
  /** Multiplies every iteration's duration (a slow or throttled GPU). */
  readonly slowdown?: number
  readonly clock?: DriverClock
}

/** MAX_LAG_S is how far behind the wall clock the driver may fall before it resyncs. */
const MAX_LAG_S = 0.25

/** EngineDriver owns the engine's time. */
export class EngineDriver {
  readonly engine: Engine
  readonly timeScale: number
  #slowdown: number
  #clock: DriverClock
  #t0: number
  /** Engine time of the last completion, or of the last idle resume. */
  #last = 0
  /** End of the iteration in flight (engine time), or -1. */
  #stepEnd = -1
  #timer: unknown = undefined
  /** Inside `complete`: listeners may submit, and the next iteration is planned after. */
  #completing = false
  #halted = false

  constructor(engine: Engine, opts: DriverOptions) {
    if (!(opts.timeScale > 0)) throw new RangeError('timeScale must be > 0')
    this.engine = engine
    this.timeScale = opts.timeScale
    this.#slowdown = opts.slowdown ?? 1
    this.#clock = opts.clock ?? systemClock
    this.#t0 = this.#clock.now()
  }

  /** wallTime returns the engine time the wall clock has reached. */
  wallTime(): number {
    return ((this.#clock.now() - this.#t0) / 1000) * this.timeScale
  }

  /**
   * arrivalTime is the engine time to stamp on a request arriving now: the wall clock, but never
   * after the end of the iteration in flight (when the driver runs late, the request joins the
   * next iteration as it would have on time) and never before the last completion.
   */
  arrivalTime(): number {
    const w = this.wallTime()
    if (this.#completing) return this.#last // the next iteration starts there
    if (this.#stepEnd >= 0) return Math.min(w, this.#stepEnd)
    return Math.max(w, this.#last)
  }

  /** halted says whether `halt` stopped the engine. */
  get halted(): boolean {
    return this.#halted
  }

  /**
   * submit queues a sequence (its `arrival` from `arrivalTime()`) and wakes the engine. Returns
   * the engine's reject reason when it can never run.
   */
  submit(seq: Sequence): RejectReason | undefined {
    const reason = this.engine.add(seq)
    if (reason === undefined) this.#wake(seq.arrival)
    return reason
  }

  /**
   * halt stops producing tokens for good: the iteration in flight never completes and nothing
   * more is planned (--hang-after, and shutdown).
   */
  halt(): void {
    this.#halted = true
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer)
    this.#timer = undefined
  }

  /**
   * wake starts an idle engine at the arrival that woke it, not at the wall clock a few
   * microseconds later: the emulator's own request handling costs no engine time, as in the
   * simulator (at --time-scale 20, 100 µs of handling would otherwise add 2 ms to every TTFT).
   */
  #wake(arrival: number): void {
    if (this.#halted || this.#completing || this.engine.inFlight) return
    this.#plan(Math.max(arrival, this.#last))
  }

  /** plan starts an iteration at engine time `start` and arranges its completion. */
  #plan(start: number): void {
    const dt = this.engine.step(start) * this.#slowdown
    this.#last = start
    if (dt === 0) return // idle: the next submit wakes the engine
    const end = start + dt
    this.#stepEnd = end
    const delayMs = ((end - this.wallTime()) / this.timeScale) * 1000
    if (delayMs > 0) {
      // Rounded up: a timer may not fire before the iteration's end, or tokens would come early.
      this.#timer = this.#clock.setTimer(this.#onTimer, Math.ceil(delayMs))
    } else {
      this.#clock.defer(this.#onTimer)
    }
  }

  #onTimer = (): void => {
    this.#timer = undefined
    if (this.#halted) return
    const end = this.#stepEnd
    this.#stepEnd = -1
    this.#last = end
    this.#completing = true
    try {
      this.engine.complete(end)
    } finally {
      this.#completing = false
    }
    if (this.#halted || !this.engine.hasWork) return
    const behind = this.wallTime() - end
    this.#plan(behind > MAX_LAG_S * this.timeScale ? end + behind : end)
  }
}
