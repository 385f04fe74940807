/**
 * @module laps: length-aware prefill scheduling (She et al., "LAPS: A Length-Aware-Prefill LLM
 * Serving System", arXiv 2601.11589). Short and long prefills interfere: a short prompt queued
 * behind a long one waits out its whole prefill (head-of-line blocking), and mixing them in one
 * iteration costs both. LAPS keeps two queues, split on uncached prompt tokens, and serves the
 * short one first. Long prompts are released in batches: once the oldest has waited `window`
 * seconds, or enough have gathered to fill an iteration's token budget, every long one waiting
 * is released together so they share iterations, while short ones run in between (LAPS's
 * temporal disaggregation on one instance).
 *
 * The paper applies its adaptive wait window to the short queue, to fill captured CUDA-graph
 * shapes; an iteration-time model has no graph shapes to fill, so here the window groups the long
 * prefills instead. Preempted requests resume first and never wait for a window.
 */
import { SplitQueue } from './split-queue.js'
import type { AdmissionPolicy, Offer, RequestView } from './types.js'

/** LapsOptions tune laps. */
export interface LapsOptions {
  /**
   * Most uncached prompt tokens of a short request (default 256: the paper's split, from
   * LMSYS-Chat, where 63% of first-turn prompts are under 256 tokens).
   */
  readonly shortTokens?: number
  /** Longest a long request waits for others to batch with, in seconds (default 0.1). */
  readonly window?: number
  /** Long tokens that release the batch at once (default: the engine's max_num_batched_tokens). */
  readonly batchTokens?: number
}

/** createLaps builds a laps policy (one per engine). */
export function createLaps(opts: LapsOptions = {}): AdmissionPolicy {
  const q = new SplitQueue(opts.shortTokens ?? 256)
  const window = opts.window ?? 0.1
  /** Long requests released by the last window and not yet admitted. */
  let release = 0
  let offeredLong = false
  return {
    name: 'laps',
    queue: {
      get length() {
        return q.length
      },
      push: (req, now, view) => q.push(req, now, view),
      pushPreempted: (req) => q.pushPreempted(req),
      remove: (req) => {
        const from = q.remove(req)
        if (from === 'long' && release > q.long.length) release = q.long.length
        return from !== undefined
      },
      peek: function peekLaps(now, view): Offer | undefined {
        const short = q.short.peek()
        if (short !== undefined) {
          offeredLong = false
          return { req: short, verdict: 'admit' }
        }
        const long = q.long.peek()
        if (long === undefined) return undefined
        if (release === 0) {
          const full = q.longTokens >= (opts.batchTokens ?? view.maxNumBatchedTokens)
          // An idle engine never waits for a batch: there is nothing to run in between.
          const due = view.running.length === 0 || now - q.long.peekKey()! >= window
          if (!full && !due) return undefined
          release = q.long.length
        }
        offeredLong = true
        return { req: long, verdict: 'admit' }
      },
      pop: (_req: RequestView) => {
        if (!offeredLong) {
          q.short.pop()
          return
        }
        q.popLong()
        release--
      },
      requests: () => q.values(),
    },
  }
}
