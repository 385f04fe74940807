/**
 * @module One request inside an engine: its progress, its KV blocks and its timestamps.
 */

/** SeqStatus is where a sequence is in the engine. */
export const SeqStatus = {
  Waiting: 0,
  Running: 1,
  Finished: 2,
  Rejected: 3,
  Aborted: 4,
  /** Handed to another engine (P/D handoff, migration): it goes on there. */
  Detached: 5,
} as const
/** SeqStatus values. */
export type SeqStatus = (typeof SeqStatus)[keyof typeof SeqStatus]

/** SequenceInit is what the engine needs to know about a request. */
export interface SequenceInit {
  readonly id: number
  readonly arrival: number
  readonly promptTokens: number
  readonly outputTokens: number
  /** Chained hashes of the prompt's full blocks at the engine's block size. */
  readonly blockHashes: ArrayLike<number>
  /**
   * Leading blocks whose content other requests may share (default: all). Blocks after the first
   * content unique to this request can only ever be hit by this request itself after a
   * preemption, so the engine tracks those by block identity instead of hashing them.
   */
  readonly shareableBlocks?: number
  /** Priority class for admission policies (0 the most urgent; default: the policy's). */
  readonly priority?: number | undefined
  /** Tenant, for fair-share admission. */
  readonly tenant?: string | undefined
  /** The conversation or agent program this request is a turn of (KV policies pin by it). */
  readonly session?: number | undefined
  /** Turn index within the session, 0 first. */
  readonly turn?: number | undefined
}

/**
 * Sequence is a request's engine state. Timestamps are in the driver's clock (virtual seconds in
 * the simulator, wall seconds in the emulator); -1 means "not yet".
 */
export class Sequence {
  readonly id: number
  readonly arrival: number
  readonly promptTokens: number
  readonly outputTokens: number
  readonly blockHashes: ArrayLike<number>
  readonly shareableBlocks: number
  readonly priority: number | undefined
  readonly tenant: string | undefined
  readonly session: number | undefined
  readonly turn: number | undefined
  status: SeqStatus = SeqStatus.Waiting
  /** Tokens whose KV is computed (prefix hits included). */
  numComputed = 0
  /** Output tokens sampled so far. */
  generated = 0
  /** KV blocks held, in token order. */
  readonly blocks: number[] = []
  /** Leading blocks already made findable in the prefix cache. */
  registered = 0
  /** Prompt tokens taken from the prefix cache at the last admission (counted once per admission). */
  hitTokens = 0
  preemptions = 0
  /** First time the scheduler gave this request tokens of an iteration. */
  scheduledAt = -1
  firstTokenAt = -1
  lastTokenAt = -1
  finishedAt = -1
  /**
   * Inter-token gaps, summarised exactly: with n = generated − 1 gaps, their mean is
   * (lastTokenAt − firstTokenAt)/n, their largest is maxItl (preemption stalls show up here) and
   * their variance is itlSumSq/n − mean².
   */
  maxItl = 0
  itlSumSq = 0
  /**
   * After a preemption: the freed blocks holding this request's own (unshareable) full prompt
   * blocks, with the pool generation each had, so a resume can reuse those not yet reallocated.
   */
  ownBlocks: number[] | undefined = undefined
  ownGens: number[] | undefined = undefined
  /**
   * KV tokens that arrive with the request from another engine (a P/D handoff or a migration):
   * admission allocates blocks for them instead of computing them. Cleared once admitted, so a
   * later preemption recomputes locally, as a vLLM decode instance would.
   */
  preloaded = 0
  /** Opaque slot for the driver (e.g. the simulator's routing record or a stream). */
  tag: unknown = undefined

  constructor(init: SequenceInit) {
    this.id = init.id
    this.arrival = init.arrival
    this.promptTokens = init.promptTokens
    this.outputTokens = init.outputTokens
    this.blockHashes = init.blockHashes
    this.shareableBlocks = Math.min(
      init.shareableBlocks ?? init.blockHashes.length,
      init.blockHashes.length,
    )
    this.priority = init.priority
    this.tenant = init.tenant
    this.session = init.session
    this.turn = init.turn
  }

  /** totalTokens is the context the engine knows: prompt plus sampled output. */
  get totalTokens(): number {
    return this.promptTokens + this.generated
  }

  /** tokensToCompute is the KV still missing before the next token can be sampled. */
  get tokensToCompute(): number {
    return this.promptTokens + this.generated - this.numComputed
  }

  /** queueDelay is scheduledAt − arrival (valid once scheduled). */
  get queueDelay(): number {
    return this.scheduledAt - this.arrival
  }
}
