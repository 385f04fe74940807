/**
 * @module The admission and in-engine scheduling seam: which waiting request an engine starts next,
 * whether it starts at all (or is shed), and whether a running prefill steps aside for a step.
 * FCFS is the engine's built-in order and needs no calls: a policy without a `queue` leaves the
 * engine on its plain vLLM v1 path.
 */

/**
 * RequestView is what a scheduling policy may know about a request. It has no output length on
 * purpose: a real scheduler learns it only when the request finishes (`onFinish`).
 */
export interface RequestView {
  readonly id: number
  readonly arrival: number
  readonly promptTokens: number
  /** Output tokens sampled so far (non-zero for a preempted request coming back). */
  readonly generated: number
  /** Tokens whose KV is computed (prefix hits included). */
  readonly numComputed: number
  readonly preemptions: number
  /** Priority class, 0 the most urgent; undefined means the policy's default class. */
  readonly priority: number | undefined
  readonly tenant: string | undefined
}

/** EngineView is the live, read-only engine state a policy decides over. */
export interface EngineView {
  readonly blockSize: number
  /** KV blocks in the whole cache. */
  readonly numBlocks: number
  readonly numFreeBlocks: number
  readonly maxNumSeqs: number
  readonly maxNumBatchedTokens: number
  /** Running requests, in admission order. */
  readonly running: ReadonlyArray<RequestView>
  /** cachedTokens is how many leading prompt tokens of `req` the prefix cache holds now. */
  cachedTokens(req: RequestView): number
}

/** Verdict is what the engine does with the request a queue offers. */
export type Verdict = 'admit' | 'shed'

/** Offer is a queue's next request and its verdict. */
export interface Offer {
  readonly req: RequestView
  readonly verdict: Verdict
}

/**
 * WaitQueue holds and orders one engine's waiting requests. The engine calls `peek` until it
 * returns undefined or the offered request cannot start (blocks, budget, max_num_seqs), and `pop`
 * for each offer it acts on. Every request it gets back is one it pushed.
 */
export interface WaitQueue {
  readonly length: number
  /** push adds a newly arrived request. */
  push(req: RequestView, now: number, view: EngineView): void
  /** pushPreempted returns a request preempted by recompute (vLLM v1 puts it at the head). */
  pushPreempted(req: RequestView, now: number, view: EngineView): void
  /** remove drops a waiting request (aborted); false when it is not here. */
  remove(req: RequestView): boolean
  /** peek offers the request to act on next, or undefined to start nothing more this step. */
  peek(now: number, view: EngineView): Offer | undefined
  /** pop removes the request the last `peek` offered: it was admitted or shed at `now`. */
  pop(req: RequestView, now: number): void
  /** requests lists the waiting requests, in no particular order (invariant checks). */
  requests(): Iterable<RequestView>
}

/** AdmissionPolicy decides the order and admission of an engine's waiting requests. */
export interface AdmissionPolicy {
  readonly name: string
  /** The policy's waiting queue; absent: the engine's FCFS deque, with no policy call at all. */
  readonly queue?: WaitQueue
  /** onFinish hears of each finished request; its `generated` is now its true output length. */
  onFinish?(req: RequestView, now: number): void
  /**
   * defersPrefill says whether a running request still in prefill lets waiting requests start
   * first this step. It keeps its KV and gets whatever token budget they leave.
   */
  defersPrefill?(req: RequestView, now: number, view: EngineView): boolean
}
