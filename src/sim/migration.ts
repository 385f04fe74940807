/**
 * @module Live migration of running requests between simulated instances (Llumnix §4.2): every
 * poll the router's `rebalance` may name a (source, destination) pair; the shortest running
 * decode request on the source (Llumnix's default `SR` policy) is copied in stages while it keeps
 * decoding there, each stage sending the KV produced during the previous one; once what is left
 * is small (≤ 16 blocks, Llumnix's `--migration-last-stage-max-blocks`) or after 3 stages
 * (`--migration-max-stages`), the request stops on the source, the last blocks move (the
 * downtime), and it resumes on the destination with its KV preloaded. A request that finishes or
 * is preempted during the copy is simply not moved (the migration aborts), so it finishes once.
 */
import type { Sequence } from '../engine/sequence.js'
import { SeqStatus } from '../engine/sequence.js'
import { type KvLink, kvTransferBytes, kvTransferSeconds } from '../perf/kv-transfer.js'
import type { PolicyContext, RoutingPolicy } from '../policy/types.js'
import type { SimInstance } from './sim-instance.js'
import type { SubView } from './sub-view.js'

/** LAST_STAGE_MAX_BLOCKS and MAX_STAGES are Llumnix's defaults (docs/Arguments.md). */
const LAST_STAGE_MAX_BLOCKS = 16
const MAX_STAGES = 3
/** POLL_S is Llumnix's `--polling-interval` default. */
export const POLL_S = 0.05

/** MigrationStats summarise the run's migrations. */
export interface MigrationStats {
  started: number
  done: number
  aborted: number
  bytes: number
  downtimeSeconds: number
}

/** MigrationDeps are the simulator services migrations use. */
export interface MigrationDeps {
  /** The instances requests may move between (in a P/D fleet, the decode pool). */
  readonly pool: SubView
  readonly router: RoutingPolicy
  readonly ctx: PolicyContext
  readonly link: KvLink
  readonly at: (time: number, fn: (now: number) => void) => void
  readonly kick: (inst: SimInstance, now: number) => void
  /** Whether the run still has work (arrivals to come or requests in engines): keep polling. */
  readonly busy: () => boolean
}

/** Migrations polls the router and carries its moves out. */
export class Migrations {
  readonly stats: MigrationStats = {
    started: 0,
    done: 0,
    aborted: 0,
    bytes: 0,
    downtimeSeconds: 0,
  }
  readonly #d: MigrationDeps
  /** Requests being moved, so one is never picked twice. */
  readonly #moving = new Set<Sequence>()
  #polling = false

  constructor(d: MigrationDeps) {
    this.#d = d
  }

  /** start begins polling at `now` (idempotent). */
  start(now: number): void {
    if (this.#polling) return
    this.#polling = true
    this.#d.at(now + POLL_S, (t) => this.#poll(t))
  }

  #poll(now: number): void {
    const d = this.#d
    const plan = d.router.rebalance?.(d.pool.view, d.ctx)
    if (plan) this.#begin(d.pool.members[plan.from]!, d.pool.members[plan.to]!, now)
    if (d.busy()) d.at(now + POLL_S, (t) => this.#poll(t))
    else this.#polling = false
  }

  /** #begin picks the source's shortest running decode request and starts its first stage. */
  #begin(src: SimInstance, dst: SimInstance, now: number): void {
    let seq: Sequence | undefined
    for (const s of src.engine.runningRequests) {
      if (s.generated === 0 || s.tokensToCompute !== 1 || this.#moving.has(s)) continue
      if (!seq || s.numComputed < seq.numComputed) seq = s
    }
    if (!seq) return
    // The destination must be able to hold the whole context, or the move only shifts the jam.
    const bs = dst.plan.engine.blockSize
    const freeBlocks = (1 - dst.engine.kvUsage) * dst.engine.pool.numBlocks
    if (Math.ceil((seq.numComputed + 1) / bs) > freeBlocks) return
    this.#moving.add(seq)
    dst.outstanding++ // reserve: the router sees the destination's coming load at once
    this.stats.started++
    this.#stage(seq, src, dst, 0, 1, now)
  }

  /** #stage copies the KV from `copied` up to now, then decides on another stage or the last. */
  #stage(
    seq: Sequence,
    src: SimInstance,
    dst: SimInstance,
    copied: number,
    stage: number,
    now: number,
  ): void {
    const d = this.#d
    if (seq.status !== SeqStatus.Running || seq.tag !== src) {
      this.#abort(seq, dst)
      return
    }
    const upTo = seq.numComputed
    const dep = src.plan.deployment
    const dt = kvTransferSeconds(dep, upTo - copied, d.link)
    this.stats.bytes += kvTransferBytes(dep, upTo - copied) * dep.tp
    d.at(now + dt, (t) => {
      if (seq.status !== SeqStatus.Running || seq.tag !== src) {
        this.#abort(seq, dst)
        return
      }
      const left = Math.ceil((seq.numComputed - upTo) / src.plan.engine.blockSize)
      if (left > LAST_STAGE_MAX_BLOCKS && stage < MAX_STAGES) {
        this.#stage(seq, src, dst, upTo, stage + 1, t)
      } else {
        this.#last(seq, src, dst, upTo, t)
      }
    })
  }

  /** #last stops the request on the source, sends what is left, and resumes it on `dst`. */
  #last(seq: Sequence, src: SimInstance, dst: SimInstance, copied: number, now: number): void {
    const d = this.#d
    if (!src.engine.detach(seq)) {
      this.#abort(seq, dst)
      return
    }
    src.outstanding--
    const tokens = seq.numComputed
    const dep = src.plan.deployment
    const downtime = kvTransferSeconds(dep, tokens - copied, d.link)
    this.stats.bytes += kvTransferBytes(dep, tokens - copied) * dep.tp
    this.stats.downtimeSeconds += downtime
    seq.tag = dst
    d.at(now + downtime, (t) => {
      this.#moving.delete(seq)
      seq.preloaded = tokens
      dst.engine.adopt(seq, true, t)
      this.stats.done++
      d.kick(dst, t)
    })
  }

  #abort(seq: Sequence, dst: SimInstance): void {
    this.#moving.delete(seq)
    dst.outstanding--
    this.stats.aborted++
  }
}
