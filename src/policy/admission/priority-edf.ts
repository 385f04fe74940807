/**
 * @module priority-edf: priority classes with SLO-aware earliest-deadline-first admission. A
 * request's deadline is its arrival plus its class's TTFT target; waiting requests start in
 * deadline order, and one that has not started by `shedAfter` class targets past its deadline is
 * shed (counted as rejected) rather than served hopelessly late while it delays everyone behind.
 */
import { KeyedQueue } from './keyed-queue.js'
import type { AdmissionPolicy, Offer, RequestView, Verdict } from './types.js'

/**
 * DEFAULT_CLASS_TARGETS are TTFT targets in seconds by class: 0 interactive (2 s, the common chat
 * target and `simulate`'s default --slo-ttft), 1 standard (10 s), 2 and beyond batch (60 s).
 */
export const DEFAULT_CLASS_TARGETS: ReadonlyArray<number> = [2, 10, 60]

/** DEFAULT_CLASS is the class of a request that names none: standard, not interactive. */
export const DEFAULT_CLASS = 1

/** PriorityEdfOptions tune priority-edf. */
export interface PriorityEdfOptions {
  /** TTFT target (s) by class; classes past the end take the last. */
  readonly targets?: ReadonlyArray<number>
  /**
   * How late, in multiples of its class target past its deadline, a request that has not started
   * is shed (default 1: a 2 s interactive request is shed once it has waited 4 s). Infinity: never.
   */
  readonly shedAfter?: number
}

/** classTarget is the TTFT target of `priority` (undefined: DEFAULT_CLASS). */
export function classTarget(
  priority: number | undefined,
  targets: ReadonlyArray<number> = DEFAULT_CLASS_TARGETS,
): number {
  const c = priority ?? DEFAULT_CLASS
  return targets[Math.min(Math.max(0, c), targets.length - 1)]!
}

/** createPriorityEdf builds a priority-edf policy (one per engine). */
export function createPriorityEdf(opts: PriorityEdfOptions = {}): AdmissionPolicy {
  const targets = opts.targets ?? DEFAULT_CLASS_TARGETS
  const shedAfter = opts.shedAfter ?? 1
  const q = new KeyedQueue<RequestView>()
  const deadline = (r: RequestView): number => r.arrival + classTarget(r.priority, targets)
  return {
    name: 'priority-edf',
    queue: {
      get length() {
        return q.length
      },
      push: (req) => q.push(req, deadline(req)),
      // A preempted request keeps its deadline, which is usually already the earliest.
      pushPreempted: (req) => q.push(req, deadline(req)),
      remove: (req) => q.remove(req),
      peek: function peekEdf(now): Offer | undefined {
        const req = q.peek()
        if (req === undefined) return undefined
        // Only a request that never started is shed: one with output already streamed finishes.
        const late = now - q.peekKey()!
        const shed =
          req.generated === 0 &&
          req.preemptions === 0 &&
          late > shedAfter * classTarget(req.priority, targets)
        const verdict: Verdict = shed ? 'shed' : 'admit'
        return { req, verdict }
      },
      pop: () => {
        q.pop()
      },
      requests: () => q.values(),
    },
  }
}
