/**
 * @module The simulation kernel both simulators run on: one event queue (event-queue.ts: time,
 * then the kind's rank, then sequence), the trace streamed in chunks and merged with the queue in
 * time order, timers, progress, and the event and wall-time accounting a run reports. A simulator
 * is a workload: it takes arrivals and its own events (an iteration ending, an idle instance
 * kicked, a replica's job done) and schedules more through the kernel; the kernel owns time.
 *
 * The loop, in full (Vidur's is the model): before each arrival, every event that comes before it
 * runs; then the arrival; once the trace is exhausted, every remaining event, including those the
 * handlers schedule.
 */
import { performance } from 'node:perf_hooks'
import type { TraceRequest, TraceSource } from '../trace/types.js'
import { EventKind, EventQueue, type SimEvent } from './event-queue.js'

/** TimerKind is a callback's kind: with transfers before arrivals, or after everything (Flush). */
export type TimerKind = typeof EventKind.Transfer | typeof EventKind.Timer | typeof EventKind.Flush

/** Workload is a simulator as the kernel drives it. */
export interface Workload {
  /** before runs first at every event and arrival (time-series sampling). */
  before(now: number): void
  /** arrive takes one trace request at its arrival time. */
  arrive(r: TraceRequest, now: number): void
  /**
   * onEvent handles one of the workload's own events (StepDone or Kick, for `target`); returns
   * false for an event that turned out stale (rescheduled since), which is not counted.
   */
  onEvent(kind: EventKind, target: number, seq: number, now: number): boolean
}

/** Kernel owns a run's time and events. */
export class Kernel {
  readonly #queue = new EventQueue()
  readonly #timers = new Map<number, (now: number) => void>()
  /** Events handled (arrivals included; stale ones not). */
  events = 0
  arrivals = 0
  /** Every arrival has been read. */
  sourceDone = false
  /** Wall-clock seconds the run took. */
  wallSeconds = 0

  /** at runs `fn` at `time`, ranked as `kind` among the events of that instant. */
  at(time: number, fn: (now: number) => void, kind: TimerKind = EventKind.Timer): void {
    this.#timers.set(this.#queue.push(time, kind, -1).seq, fn)
  }

  /** schedule queues a workload event (StepDone or Kick) for `target`. */
  schedule(time: number, kind: EventKind, target: number): SimEvent {
    return this.#queue.push(time, kind, target)
  }

  /**
   * run streams `source` through `workload` and resolves when every event is done; `onProgress`
   * hears the arrivals so far and the simulated time after each chunk.
   */
  async run(
    source: TraceSource,
    workload: Workload,
    onProgress?: (arrivals: number, simTime: number) => void,
  ): Promise<void> {
    const wallStart = performance.now()
    let now = 0
    const onEvent = (e: SimEvent): void => {
      now = e.time
      workload.before(now)
      const timer = this.#timers.get(e.seq)
      if (timer !== undefined) {
        this.#timers.delete(e.seq)
        this.events++
        timer(now)
      } else if (workload.onEvent(e.kind, e.instance, e.seq, now)) {
        this.events++
      }
    }
    for await (const chunk of source.chunks()) {
      for (const r of chunk) {
        this.#queue.runBefore(r.arrival, onEvent)
        now = r.arrival
        this.events++
        this.arrivals++
        workload.before(now)
        workload.arrive(r, now)
      }
      onProgress?.(this.arrivals, now)
    }
    this.sourceDone = true
    this.#queue.drain(onEvent)
    this.wallSeconds = (performance.now() - wallStart) / 1000
  }
}
