/**
 * @module flowprefill: prefill preemption for short requests (Hsieh et al., "FlowPrefill:
 * Decoupling Preemption from Prefill Scheduling Granularity to Mitigate Head-of-Line Blocking in
 * LLM Serving", arXiv 2602.16603). A long prompt in chunked prefill holds the token budget for
 * several iterations, and a short request arriving meanwhile waits for all of them. FlowPrefill
 * preempts the long prefill at an operator boundary; an iteration-level engine can only do it at
 * a chunk boundary: while a short request waits, a running long prefill steps aside, the short
 * ones are admitted first, and the long one takes the budget they leave. It keeps its KV: this is
 * not vLLM's recompute preemption. Waiting short requests are also admitted before long ones.
 *
 * FlowPrefill weighs each request's TTFT SLO; here a long prefill stops stepping aside once its
 * own class deadline (priority-edf's targets) has passed, so a stream of short requests cannot
 * starve it.
 */
import { classTarget, DEFAULT_CLASS_TARGETS } from './priority-edf.js'
import { SplitQueue } from './split-queue.js'
import type { AdmissionPolicy, Offer } from './types.js'

/** FlowPrefillOptions tune flowprefill. */
export interface FlowPrefillOptions {
  /** Most uncached prompt tokens of a short request (default 1024: one eighth of the default budget). */
  readonly shortTokens?: number
  /** TTFT targets by class (s), bounding how long a long prefill keeps stepping aside. */
  readonly targets?: ReadonlyArray<number>
}

/** createFlowPrefill builds a flowprefill policy (one per engine). */
export function createFlowPrefill(opts: FlowPrefillOptions = {}): AdmissionPolicy {
  const q = new SplitQueue(opts.shortTokens ?? 1024)
  const targets = opts.targets ?? DEFAULT_CLASS_TARGETS
  let offeredLong = false
  return {
    name: 'flowprefill',
    queue: {
      get length() {
        return q.length
      },
      push: (req, now, view) => q.push(req, now, view),
      pushPreempted: (req) => q.pushPreempted(req),
      remove: (req) => q.remove(req) !== undefined,
      peek: function peekFlowPrefill(): Offer | undefined {
        const short = q.short.peek()
        offeredLong = short === undefined
        const req = short ?? q.long.peek()
        return req === undefined ? undefined : { req, verdict: 'admit' }
      },
      pop: () => {
        if (offeredLong) q.popLong()
        else q.short.pop()
      },
      requests: () => q.values(),
    },
    defersPrefill: function defersPrefill(req, now) {
      if (q.short.length === 0) return false
      const left = req.promptTokens + req.generated - req.numComputed
      return left > q.shortTokens && now < req.arrival + classTarget(req.priority, targets)
    },
  }
}
