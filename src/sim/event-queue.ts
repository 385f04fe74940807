/**
 * @module The simulator's event order, defined once: time, then kind priority, then insertion
 * sequence. Equal-time events therefore run in a fixed, documented order (vidur's heap key and
 * comparison disagreed; here one function decides both).
 */

/**
 * EventKind names what an event is; its rank orders events at equal time. An iteration that ends
 * (StepDone) frees KV and slots before arrivals at the same instant are routed, and an idle
 * instance is kicked only after every arrival of that instant has queued, so a burst at one
 * timestamp forms one batch as it would in vLLM's loop. A KV transfer that lands (P/D handoff,
 * migration) is like a finished iteration: it comes first. Timers (a scaler's tick, a replica's
 * cold start) rank with transfers; a Flush timer runs after everything else at its instant, as a
 * kick does (a backlog dispatched once every replica that became ready at that time is ready).
 */
export const EventKind = {
  StepDone: 0,
  Transfer: 1,
  Timer: 2,
  Arrival: 3,
  Kick: 4,
  Flush: 5,
} as const
/** EventKind values. */
export type EventKind = (typeof EventKind)[keyof typeof EventKind]

/** RANK is each kind's place at equal time (lower first); kinds of equal rank go by sequence. */
const RANK: Readonly<Record<EventKind, number>> = {
  [EventKind.StepDone]: 0,
  [EventKind.Transfer]: 1,
  [EventKind.Timer]: 1,
  [EventKind.Arrival]: 2,
  [EventKind.Kick]: 3,
  [EventKind.Flush]: 3,
}

/** rankOf is a kind's rank at equal time. */
export function rankOf(kind: EventKind): number {
  return RANK[kind]
}

/** SimEvent is one scheduled event for an instance (or a timer: instance −1). */
export interface SimEvent {
  readonly time: number
  readonly kind: EventKind
  /** RANK[kind], kept on the event so the heap compares without a lookup. */
  readonly rank: number
  readonly seq: number
  readonly instance: number
}

/** compareEvents orders events: time, rank of kind, then sequence number. */
export function compareEvents(a: SimEvent, b: SimEvent): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1
  if (a.rank !== b.rank) return a.rank - b.rank
  return a.seq - b.seq
}

const ARRIVAL_RANK = RANK[EventKind.Arrival]

/** EventQueue is a binary min-heap of SimEvents under compareEvents. */
export class EventQueue {
  #heap: SimEvent[] = []
  #seq = 0

  get size(): number {
    return this.#heap.length
  }

  /** push schedules an event and returns it. */
  push(time: number, kind: EventKind, instance: number): SimEvent {
    const e: SimEvent = { time, kind, rank: RANK[kind], seq: this.#seq++, instance }
    const h = this.#heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (compareEvents(h[p]!, e) <= 0) break
      h[i] = h[p]!
      i = p
    }
    h[i] = e
    return e
  }

  /** peek returns the next event without removing it. */
  peek(): SimEvent | undefined {
    return this.#heap[0]
  }

  /**
   * runBefore handles, in order, every event that comes before an arrival at `t`: all earlier
   * events, and those at `t` whose kind ranks before Arrival (see EventKind). Events a handler
   * schedules are handled too when they qualify.
   */
  runBefore(t: number, handle: (e: SimEvent) => void): void {
    for (;;) {
      const top = this.#heap[0]
      if (!top || top.time > t || (top.time === t && top.rank > ARRIVAL_RANK)) return
      this.pop()
      handle(top)
    }
  }

  /** drain handles every remaining event, including those the handlers schedule. */
  drain(handle: (e: SimEvent) => void): void {
    for (let e = this.pop(); e; e = this.pop()) handle(e)
  }

  /** pop removes and returns the next event. */
  pop(): SimEvent | undefined {
    const h = this.#heap
    const top = h[0]
    const last = h.pop()
    if (top === undefined || last === undefined || h.length === 0) return top
    let i = 0
    const n = h.length
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && compareEvents(h[r]!, h[l]!) < 0 ? r : l
      if (compareEvents(last, h[c]!) <= 0) break
      h[i] = h[c]!
      i = c
    }
    h[i] = last
    return top
  }
}
