/**
 * @module A vLLM-v1-like inference engine, clock-free: whoever owns time calls `step(now)` to
 * plan an iteration (which returns its duration) and `complete(end)` when that duration has
 * passed. The simulator advances virtual time; the emulator sleeps in wall time.
 *
 * Scheduling follows vLLM v1's `Scheduler.schedule()`: one token budget per step; running
 * requests first (decodes and unfinished prefill chunks, in admission order), preempting the most
 * recently admitted request by recompute when KV blocks run out; then waiting requests in FCFS
 * order while budget, `max_num_seqs` and blocks allow, with automatic prefix caching and chunked
 * prefill. No new requests are admitted in a step that preempted.
 *
 * An admission policy with a queue (`hooks.admission.queue`) replaces the FCFS deque: it orders
 * the waiting requests, may hold some back or shed them, and may let a running prefill step
 * aside for a step. Without one (FCFS) the engine makes no policy call at all.
 *
 * A KV policy (`hooks.kv`) may pin finished session turns' cached blocks for a TTL and keep a
 * host-memory tier that evicted blocks spill to and prefix lookups continue into, its reloads
 * charged to the admitting iteration (kv-tiers.ts). Under LRU there is no such call either.
 */
import type { BatchShape } from '../perf/batch.js'
import { addDecode, addPrefillChunk, emptyBatch, resetBatch } from '../perf/batch.js'
import type { IterationModel } from '../perf/iteration.js'
import type { AdmissionPolicy, EngineView, WaitQueue } from '../policy/admission/types.js'
import type { EngineHooks } from '../policy/engine-hooks.js'
import { BlockPool } from './block-pool.js'
import type { EngineConfig } from './config.js'
import { Deque } from './deque.js'
import { createKvTiers, type KvTierStats, type KvTiers } from './kv-tiers.js'
import { SeqStatus, Sequence } from './sequence.js'

/** EngineListener hears about tokens and finished requests; `now` is the iteration's end. */
export interface EngineListener {
  onToken?(seq: Sequence, now: number): void
  onFinish(seq: Sequence, now: number): void
  /**
   * onShed hears of a waiting request the admission policy dropped (counted as rejected; `now` is
   * the step's start). Drivers running a shedding policy (priority-edf) must answer it.
   */
  onShed?(seq: Sequence, now: number): void
}

/** EngineCounters are monotonically increasing totals, as vLLM's Prometheus counters are. */
export interface EngineCounters {
  iterations: number
  busySeconds: number
  preemptions: number
  /** Tokens looked up in the prefix cache at admission, and tokens found (vLLM counts tokens). */
  prefixQueries: number
  prefixHits: number
  /** Prompt tokens of finished requests and sampled output tokens. */
  promptTokens: number
  generationTokens: number
  /** Tokens actually pushed through the model (recomputation and chunking included). */
  computedTokens: number
  finished: number
  rejected: number
  /** Requests withdrawn by the driver (client gone) before they finished. */
  aborted: number
  /** Requests handed to another engine (P/D handoff, migration) before they finished here. */
  detached: number
}

/** RejectReason says why `add` refused a request. */
export type RejectReason = 'too-long' | 'exceeds-kv'

/** GONE stands in the in-flight batch for a request detached mid-iteration; complete() skips it. */
const GONE = new Sequence({ id: -1, arrival: 0, promptTokens: 1, outputTokens: 1, blockHashes: [] })
GONE.status = SeqStatus.Detached

/** remainingPrefill is the work before a sequence is back to one-token decoding. */
function remainingPrefill(s: Sequence): number {
  const t = s.promptTokens + s.generated - s.numComputed
  return s.generated === 0 ? t : t - 1
}

/** Engine is one inference instance's scheduler and KV cache. */
export class Engine {
  readonly config: EngineConfig
  readonly model: IterationModel
  readonly pool: BlockPool
  /** The engine's admission and KV policies beyond vLLM's defaults (empty: plain vLLM). */
  readonly hooks: EngineHooks
  readonly counters: EngineCounters = {
    iterations: 0,
    busySeconds: 0,
    preemptions: 0,
    prefixQueries: 0,
    prefixHits: 0,
    promptTokens: 0,
    generationTokens: 0,
    computedTokens: 0,
    finished: 0,
    rejected: 0,
    aborted: 0,
    detached: 0,
  }
  #listener: EngineListener
  #waiting = new Deque<Sequence>(64)
  #running: Sequence[] = []
  #sched: Sequence[] = []
  #schedTokens: number[] = []
  #schedCount = 0
  #batch: BatchShape = emptyBatch()
  #inFlight = false
  #stepStart = 0
  #pendingPrefill = 0
  /** Aborted requests still in the waiting deque (dropped when they reach its front). */
  #abortedWaiting = 0
  /** Blocks found by the last prefix lookup (reused across admissions). */
  #hitScratch: number[] = []
  /** Pins and a host tier, when the KV policy asks for them; undefined: plain LRU, no calls. */
  readonly #tiers: KvTiers | undefined
  /** The admission policy's queue; undefined: FCFS on #waiting, with no policy calls. */
  readonly #queue: WaitQueue | undefined
  /** The admission policy's per-finish and per-prefill hooks, when it has them. */
  readonly #onFinishHook: AdmissionPolicy['onFinish']
  readonly #deferHook: AdmissionPolicy['defersPrefill']
  /** What policies see of this engine (live getters). */
  readonly #view: EngineView
  /** Running prefills that stepped aside this step, scheduled after admissions. */
  #deferred: Sequence[] = []

  constructor(
    config: EngineConfig,
    model: IterationModel,
    numBlocks: number,
    listener: EngineListener,
    hooks: EngineHooks = {},
  ) {
    if (config.maxModelLen <= 0) throw new RangeError('maxModelLen must be resolved (> 0)')
    this.config = config
    this.model = model
    this.pool = new BlockPool(numBlocks)
    this.#listener = listener
    this.hooks = hooks
    this.#tiers = createKvTiers(hooks.kv, this.pool, config.blockSize, model)
    const adm = hooks.admission
    this.#queue = adm?.queue
    this.#onFinishHook = adm?.onFinish?.bind(adm)
    // Deferred prefills are rescheduled after queue admissions, so deferring needs a queue.
    this.#deferHook = adm?.queue ? adm.defersPrefill?.bind(adm) : undefined
    this.#view = this.#makeView()
  }

  /** numRunning is vllm:num_requests_running. */
  get numRunning(): number {
    return this.#running.length
  }

  /** numWaiting is vllm:num_requests_waiting. */
  get numWaiting(): number {
    if (this.#queue) return this.#queue.length
    return this.#waiting.length - this.#abortedWaiting
  }

  /** kvUsage is vllm:kv_cache_usage_perc (0..1). */
  get kvUsage(): number {
    return this.pool.usage
  }

  /** pendingPrefillTokens is prompt (and recompute) work not yet done, over all requests. */
  get pendingPrefillTokens(): number {
    return this.#pendingPrefill
  }

  /** hasWork says whether any request is waiting or running. */
  get hasWork(): boolean {
    if (this.#running.length > 0) return true
    return this.#queue ? this.#queue.length > 0 : this.#waiting.length > this.#abortedWaiting
  }

  /** inFlight says whether an iteration is planned and not yet completed. */
  get inFlight(): boolean {
    return this.#inFlight
  }

  /** kvTiers are the KV policy's pin and host-tier figures; undefined under plain LRU. */
  get kvTiers(): Readonly<KvTierStats> | undefined {
    return this.#tiers?.snapshot()
  }

  /** cachedPrefixBlocks counts the leading blocks of `hashes` present in the prefix cache. */
  cachedPrefixBlocks(hashes: ArrayLike<number>): number {
    let n = 0
    while (n < hashes.length && this.pool.lookup(hashes[n]!) >= 0) n++
    return n
  }

  /**
   * add queues a request. Returns the reason when it can never run here: longer than
   * max_model_len, or needing more KV blocks than the whole cache holds. `now` (default: the
   * request's arrival) is when it joins the queue, for policies that time their queues.
   */
  add(seq: Sequence, now: number = seq.arrival): RejectReason | undefined {
    const reason = this.#refuse(seq)
    if (reason) return reason
    seq.status = SeqStatus.Waiting
    this.#enqueue(seq, now)
    this.#pendingPrefill += remainingPrefill(seq)
    return undefined
  }

  /**
   * step plans one iteration starting at `now` and returns its duration in seconds, or 0 when
   * nothing can be scheduled. The caller must call `complete(now + duration)` before stepping
   * again.
   */
  step(now: number): number {
    if (this.#inFlight) throw new Error('step() while an iteration is in flight')
    // Pins whose TTL ran out go back to the LRU free queue before anything allocates.
    if (this.#tiers) this.#tiers.expire(now)
    const cfg = this.config
    const batch = this.#batch
    resetBatch(batch)
    this.#schedCount = 0
    let budget = cfg.maxNumBatchedTokens
    const threshold = cfg.longPrefillTokenThreshold
    const bs = cfg.blockSize
    let preempted = false

    // 1. Running requests, in admission order.
    const running = this.#running
    for (let i = 0; i < running.length && budget > 0; ) {
      const seq = running[i]!
      let n = seq.tokensToCompute
      if (threshold > 0 && n > threshold) n = threshold
      if (n > budget) n = budget
      // Fast path, most sequences of most steps: one decode token that fits the last block.
      if (
        n === 1 &&
        seq.numComputed < seq.blocks.length * bs &&
        seq.registered >= seq.blockHashes.length
      ) {
        this.#schedule(seq, 1)
        budget -= 1
        i++
        continue
      }
      const defer = this.#deferHook
      if (defer && seq.tokensToCompute > 1 && defer(seq, now, this.#view)) {
        this.#deferred.push(seq)
        i++
        continue
      }
      let scheduled = true
      while (!this.#allocateSlots(seq, n)) {
        // Out of blocks: preempt the most recently admitted request (vLLM v1's FCFS choice).
        const victim = running.pop()!
        this.#preempt(victim, now)
        preempted = true
        if (victim === seq) {
          scheduled = false
          break
        }
      }
      if (!scheduled) break
      this.#schedule(seq, n)
      budget -= n
      i++
    }

    // 2. Waiting requests, unless this step had to preempt.
    if (this.#queue) {
      if (!preempted) budget = this.#admitQueued(this.#queue, budget, now)
      if (this.#deferred.length > 0) this.#scheduleDeferred(budget)
    } else if (!preempted) {
      const waiting = this.#waiting
      while (waiting.length > 0 && budget > 0 && running.length < cfg.maxNumSeqs) {
        const seq = waiting.peekFront()!
        if (seq.status === SeqStatus.Aborted) {
          waiting.popFront()
          this.#abortedWaiting--
          continue
        }
        const n = this.#admit(seq, budget, now)
        if (n === 0) break
        waiting.popFront()
        running.push(seq)
        seq.status = SeqStatus.Running
        this.#schedule(seq, n)
        budget -= n
      }
    }

    if (this.#schedCount === 0) return 0
    let dt = this.model.iterationTime(batch)
    // Host-tier hits admitted this step reload over PCIe before the iteration can use them.
    if (this.#tiers) dt += this.#tiers.takeReloadSeconds()
    this.#inFlight = true
    this.#stepStart = now
    return dt
  }

  /** complete applies the planned iteration's results at its end time `now`. */
  complete(now: number): void {
    if (!this.#inFlight) throw new Error('complete() without a step in flight')
    this.#inFlight = false
    const c = this.counters
    c.iterations++
    c.busySeconds += now - this.#stepStart
    const listener = this.#listener
    let finishedAny = false
    for (let k = 0; k < this.#schedCount; k++) {
      const seq = this.#sched[k]!
      const n = this.#schedTokens[k]!
      this.#sched[k] = undefined as unknown as Sequence // drop the reference for GC
      if (seq.status !== SeqStatus.Running) continue // aborted while its iteration ran
      // Fast path: a plain decode step that does not finish the request. Prefill work is
      // unchanged (zero before and after), so only the token bookkeeping runs.
      if (
        n === 1 &&
        seq.generated > 0 &&
        seq.numComputed + 1 === seq.promptTokens + seq.generated &&
        seq.generated + 1 < seq.outputTokens
      ) {
        seq.numComputed++
        seq.generated++
        c.computedTokens++
        c.generationTokens++
        const gap = now - seq.lastTokenAt
        if (gap > seq.maxItl) seq.maxItl = gap
        seq.itlSumSq += gap * gap
        seq.lastTokenAt = now
        listener.onToken?.(seq, now)
        continue
      }
      const before = remainingPrefill(seq)
      seq.numComputed += n
      c.computedTokens += n
      if (seq.numComputed === seq.promptTokens + seq.generated) {
        seq.generated++
        c.generationTokens++
        if (seq.firstTokenAt < 0) {
          seq.firstTokenAt = now
        } else {
          const gap = now - seq.lastTokenAt
          if (gap > seq.maxItl) seq.maxItl = gap
          seq.itlSumSq += gap * gap
        }
        seq.lastTokenAt = now
        listener.onToken?.(seq, now)
        if (seq.generated >= seq.outputTokens) {
          this.#pendingPrefill -= before
          this.#finish(seq, now)
          finishedAny = true
          continue
        }
      }
      this.#pendingPrefill += remainingPrefill(seq) - before
    }
    if (finishedAny) {
      const running = this.#running
      let w = 0
      for (let r = 0; r < running.length; r++) {
        const s = running[r]!
        if (s.status === SeqStatus.Running) running[w++] = s
      }
      running.length = w
    }
  }

  /**
   * adopt queues a request that arrives from another engine with `seq.preloaded` tokens of KV
   * already computed (its prompt after a P/D prefill, or its whole context when migrated). It
   * waits like any request; admission allocates blocks for the preloaded KV and computes only
   * what is missing. A `resume`d request (a live migration: it was already running) goes to the
   * head of the queue, as a preempted one does, instead of queueing behind new arrivals.
   * Returns the reason when it can never run here.
   */
  adopt(seq: Sequence, resume = false, now = seq.arrival): RejectReason | undefined {
    const reason = this.#refuse(seq)
    if (reason) return reason
    seq.status = SeqStatus.Waiting
    seq.numComputed = seq.preloaded
    this.#pendingPrefill += remainingPrefill(seq)
    if (resume) this.#requeueFront(seq, now)
    else this.#enqueue(seq, now)
    return undefined
  }

  /**
   * refuse marks `seq` rejected and says why when it can never run here: longer than
   * max_model_len, or needing more KV blocks than the whole cache holds.
   */
  #refuse(seq: Sequence): RejectReason | undefined {
    const total = seq.promptTokens + seq.outputTokens
    let reason: RejectReason | undefined
    if (total > this.config.maxModelLen) reason = 'too-long'
    // The last output token is sampled, never stored: total − 1 tokens of KV at most.
    else if (Math.ceil((total - 1) / this.config.blockSize) > this.pool.numBlocks)
      reason = 'exceeds-kv'
    if (reason) {
      seq.status = SeqStatus.Rejected
      this.counters.rejected++
    }
    return reason
  }

  /**
   * detach takes a running request off this engine to continue elsewhere (P/D handoff, live
   * migration): its blocks are released (they stay in the prefix cache as free cached blocks, as
   * after a finish) and its status becomes Detached; no listener is called. Call it between
   * iterations, never from a listener inside `complete`. False when it is not running here.
   */
  detach(seq: Sequence): boolean {
    if (seq.status !== SeqStatus.Running) return false
    const i = this.#running.indexOf(seq)
    if (i < 0) return false
    this.#pendingPrefill -= remainingPrefill(seq)
    this.#running.splice(i, 1)
    // Mid-iteration (a migration's last stage starts on its own clock): the iteration in flight
    // must not touch the request when it completes, even if another engine runs it by then.
    if (this.#inFlight) {
      for (let k = 0; k < this.#schedCount; k++) if (this.#sched[k] === seq) this.#sched[k] = GONE
    }
    this.#releaseBlocks(seq)
    seq.status = SeqStatus.Detached
    this.counters.detached++
    return true
  }

  /** runningRequests is a read-only view of the running requests, in admission order. */
  get runningRequests(): ReadonlyArray<Sequence> {
    return this.#running
  }

  /**
   * abort withdraws an unfinished request (its client went away): its blocks are freed at once,
   * as vLLM's `abort_requests` does, and an iteration in flight produces nothing more for it.
   * No listener is called. Returns false when the request is not waiting or running here.
   */
  abort(seq: Sequence): boolean {
    if (seq.status === SeqStatus.Waiting) {
      this.#pendingPrefill -= remainingPrefill(seq)
      seq.status = SeqStatus.Aborted
      if (this.#queue) this.#queue.remove(seq)
      else this.#abortedWaiting++
    } else if (seq.status === SeqStatus.Running) {
      this.#pendingPrefill -= remainingPrefill(seq)
      this.#releaseBlocks(seq)
      seq.status = SeqStatus.Aborted
      const i = this.#running.indexOf(seq)
      if (i >= 0) this.#running.splice(i, 1)
    } else {
      return false
    }
    this.counters.aborted++
    return true
  }

  /** checkInvariants verifies block accounting against the requests (tests only). */
  checkInvariants(): void {
    this.pool.checkInvariants()
    const held = new Map<number, number>()
    for (const s of this.#running) {
      const need = Math.ceil(s.numComputed / this.config.blockSize)
      if (s.blocks.length < need) throw new Error(`request ${s.id} holds too few blocks`)
      for (const b of s.blocks) held.set(b, (held.get(b) ?? 0) + 1)
    }
    for (let i = 0; i < this.#waiting.length; i++) {
      const s = this.#waiting.at(i)!
      if (s.blocks.length !== 0) throw new Error(`waiting request ${s.id} holds blocks`)
    }
    for (const r of this.#queue?.requests() ?? []) {
      const s = r as Sequence
      if (s.blocks.length !== 0) throw new Error(`waiting request ${s.id} holds blocks`)
      if (s.status !== SeqStatus.Waiting) throw new Error(`queued request ${s.id} is not waiting`)
    }
    for (const b of this.#tiers?.pinnedBlocks() ?? []) held.set(b, (held.get(b) ?? 0) + 1)
    let used = 0
    for (const [b, n] of held) {
      if (this.pool.refCount(b) !== n) {
        throw new Error(`block ${b}: refCount ${this.pool.refCount(b)} but ${n} holders`)
      }
      used++
    }
    if (used !== this.pool.numBlocks - this.pool.numFree) {
      throw new Error(`${this.pool.numBlocks - this.pool.numFree} blocks in use, ${used} held`)
    }
  }

  #schedule(seq: Sequence, n: number): void {
    const k = this.#schedCount++
    this.#sched[k] = seq
    this.#schedTokens[k] = n
    const context = seq.numComputed
    if (n === 1 && seq.generated > 0 && seq.tokensToCompute === 1)
      addDecode(this.#batch, context + 1)
    else addPrefillChunk(this.#batch, n, context)
  }

  /**
   * admit tries to start a waiting request within `budget`: looks up its prefix in the cache,
   * allocates blocks for its first chunk, and returns the chunk's size (0 = cannot start now).
   */
  #admit(seq: Sequence, budget: number, now: number): number {
    const cfg = this.config
    const pool = this.pool
    const bs = cfg.blockSize
    const total = seq.promptTokens + seq.generated
    if (seq.preloaded > 0) return this.#admitPreloaded(seq, budget, now)
    const hitBlocks = this.#hitScratch
    let hit = 0
    let hostHit = 0
    let evictable = 0
    if (cfg.enablePrefixCaching) {
      // At least one token must be computed to sample from, so a full hit stops a block short.
      const maxHit = Math.min(seq.blockHashes.length, Math.floor((total - 1) / bs))
      const shareable = Math.min(seq.shareableBlocks, maxHit)
      while (hit < shareable) {
        const b = pool.lookup(seq.blockHashes[hit]!)
        if (b < 0) break
        if (pool.refCount(b) === 0) evictable++
        hitBlocks[hit++] = b
      }
      // Where the GPU cache misses, a host tier may hold the blocks that follow (never past a
      // host hit is the GPU looked at again: the prefix must stay contiguous).
      if (this.#tiers && hit < shareable) {
        hostHit = this.#tiers.hostHits(seq.blockHashes, hit, shareable)
      }
      // A resumed request finds its own unshareable blocks where vLLM's hash lookup would:
      // still cached unless the free queue handed them out since.
      const own = seq.ownBlocks
      if (own && hit === seq.shareableBlocks) {
        const gens = seq.ownGens!
        for (let j = 0; j < own.length && hit < maxHit; j++) {
          const b = own[j]!
          if (pool.refCount(b) !== 0 || pool.generation(b) !== gens[j]) break
          evictable++
          hitBlocks[hit++] = b
        }
      }
    }
    const hitTokens = (hit + hostHit) * bs
    let n = total - hitTokens
    if (cfg.longPrefillTokenThreshold > 0 && n > cfg.longPrefillTokenThreshold) {
      n = cfg.longPrefillTokenThreshold
    }
    if (n > budget) n = budget
    const needed = Math.ceil((hitTokens + n) / bs) - hit
    // Touching a free cached block takes it off the free queue, so it cannot also be allocated.
    // Pinned blocks are given up (oldest pin first) before a request is kept waiting.
    if (needed > pool.numFree - evictable && !this.#tiers?.reclaim(needed, hitBlocks, hit)) return 0
    for (let i = 0; i < hit; i++) {
      const b = hitBlocks[i]!
      pool.touch(b)
      seq.blocks.push(b)
    }
    seq.registered = hit
    seq.ownBlocks = undefined
    seq.ownGens = undefined
    seq.numComputed = hitTokens
    seq.hitTokens = hitTokens
    this.counters.prefixQueries += total
    this.counters.prefixHits += hitTokens
    this.#pendingPrefill -= hitTokens
    if (this.#tiers) {
      // Host hits get fresh GPU blocks from allocateSlots below, which also registers them.
      if (hostHit > 0) this.#tiers.reload(seq.blockHashes, hit, hostHit, bs)
      this.#tiers.admitted(seq, now)
    }
    if (!this.#allocateSlots(seq, n)) throw new Error('admission accounting is inconsistent')
    if (seq.scheduledAt < 0) seq.scheduledAt = now
    return n
  }

  /**
   * admitPreloaded starts an adopted request: blocks for its preloaded KV plus the first chunk
   * of what is missing (usually the one decode token), no prefix lookup (the KV came with it).
   */
  #admitPreloaded(seq: Sequence, budget: number, now: number): number {
    const bs = this.config.blockSize
    let n = seq.tokensToCompute
    if (n > budget) n = budget
    const needed = Math.ceil((seq.numComputed + n) / bs)
    if (needed > this.pool.numFree && !this.#tiers?.reclaim(needed)) return 0
    seq.preloaded = 0
    seq.registered = 0
    if (!this.#allocateSlots(seq, n)) throw new Error('admission accounting is inconsistent')
    if (seq.scheduledAt < 0) seq.scheduledAt = now
    return n
  }

  /**
   * allocateSlots makes sure `seq` holds blocks for numComputed + n tokens and registers the
   * prompt blocks that become full, so later requests can hit them. False when blocks run out.
   */
  #allocateSlots(seq: Sequence, n: number): boolean {
    const bs = this.config.blockSize
    const upTo = seq.numComputed + n
    const needed = Math.ceil(upTo / bs) - seq.blocks.length
    if (needed > 0) {
      if (needed > this.pool.numFree && !this.#tiers?.reclaim(needed)) return false
      for (let i = 0; i < needed; i++) seq.blocks.push(this.pool.allocate())
    }
    if (this.config.enablePrefixCaching) {
      const full = Math.min(Math.floor(upTo / bs), seq.blockHashes.length)
      const hashed = Math.min(full, seq.shareableBlocks)
      for (let i = seq.registered; i < hashed; i++) {
        this.pool.register(seq.blocks[i]!, seq.blockHashes[i]!)
      }
      if (full > seq.registered) seq.registered = full
    }
    return true
  }

  /** preempt frees a running request's blocks and puts it back at the head of the queue. */
  #preempt(seq: Sequence, now: number): void {
    const before = remainingPrefill(seq)
    if (this.config.enablePrefixCaching && seq.registered > seq.shareableBlocks) {
      const own = seq.blocks.slice(seq.shareableBlocks, seq.registered)
      seq.ownBlocks = own
      seq.ownGens = own.map((b) => this.pool.generation(b))
    }
    this.#releaseBlocks(seq)
    seq.numComputed = 0
    seq.status = SeqStatus.Waiting
    seq.preemptions++
    this.counters.preemptions++
    this.#pendingPrefill += remainingPrefill(seq) - before
    this.#requeueFront(seq, now)
  }

  /** requeueFront puts a request that already ran (preempted, migrated in) ahead of new ones. */
  #requeueFront(seq: Sequence, now: number): void {
    if (this.#queue) this.#queue.pushPreempted(seq, now, this.#view)
    else this.#waiting.pushFront(seq)
  }

  /** enqueue adds a waiting request to the policy's queue, or to the back of the FCFS deque. */
  #enqueue(seq: Sequence, now: number): void {
    if (this.#queue) this.#queue.push(seq, now, this.#view)
    else this.#waiting.pushBack(seq)
  }

  /**
   * admitQueued starts waiting requests in the policy's order while budget, max_num_seqs and
   * blocks allow, shedding those it says to drop (even when nothing more fits). Returns the budget
   * left.
   */
  #admitQueued(queue: WaitQueue, budget: number, now: number): number {
    const running = this.#running
    const maxSeqs = this.config.maxNumSeqs
    for (;;) {
      const offer = queue.peek(now, this.#view)
      if (offer === undefined) break
      const seq = offer.req as Sequence
      if (offer.verdict === 'shed') {
        queue.pop(seq, now)
        this.#shed(seq, now)
        continue
      }
      if (budget <= 0 || running.length >= maxSeqs) break
      const n = this.#admit(seq, budget, now)
      if (n === 0) break
      queue.pop(seq, now)
      running.push(seq)
      seq.status = SeqStatus.Running
      this.#schedule(seq, n)
      budget -= n
    }
    return budget
  }

  /**
   * scheduleDeferred gives the prefills that stepped aside what budget admissions left. One that
   * finds no free block waits for the next step with its KV intact: stepping aside never
   * preempts anything.
   */
  #scheduleDeferred(budget: number): void {
    const deferred = this.#deferred
    const threshold = this.config.longPrefillTokenThreshold
    for (const seq of deferred) {
      // A deferred request may have been preempted as a victim later in the running loop.
      if (budget <= 0 || seq.status !== SeqStatus.Running) continue
      let n = seq.tokensToCompute
      if (threshold > 0 && n > threshold) n = threshold
      if (n > budget) n = budget
      if (!this.#allocateSlots(seq, n)) continue
      this.#schedule(seq, n)
      budget -= n
    }
    deferred.length = 0
  }

  /** shed drops a waiting request the policy gave up on; it counts as rejected. */
  #shed(seq: Sequence, now: number): void {
    this.#pendingPrefill -= remainingPrefill(seq)
    seq.status = SeqStatus.Rejected
    this.counters.rejected++
    this.#listener.onShed?.(seq, now)
  }

  /** makeView builds the live read-only view admission policies decide over. */
  #makeView(): EngineView {
    const cfg = this.config
    const pool = this.pool
    return {
      blockSize: cfg.blockSize,
      numBlocks: pool.numBlocks,
      get numFreeBlocks() {
        return pool.numFree
      },
      maxNumSeqs: cfg.maxNumSeqs,
      maxNumBatchedTokens: cfg.maxNumBatchedTokens,
      running: this.#running,
      cachedTokens: (req) =>
        cfg.enablePrefixCaching
          ? this.cachedPrefixBlocks((req as Sequence).blockHashes) * cfg.blockSize
          : 0,
    }
  }

  #finish(seq: Sequence, now: number): void {
    // A KV policy may pin the finished turn's cached prefix; what it does not take is freed.
    if (this.#tiers) this.#tiers.retain(seq, now)
    this.#releaseBlocks(seq)
    seq.status = SeqStatus.Finished
    seq.finishedAt = now
    this.counters.finished++
    this.counters.promptTokens += seq.promptTokens
    this.#onFinishHook?.(seq, now)
    this.#listener.onFinish(seq, now)
  }

  /**
   * releaseBlocks frees in reverse order, as vLLM does, so a request's tail blocks (least likely
   * shared) reach the free queue first and are evicted before its prefix.
   */
  #releaseBlocks(seq: Sequence): void {
    const blocks = seq.blocks
    for (let i = blocks.length - 1; i >= 0; i--) this.pool.release(blocks[i]!)
    blocks.length = 0
    seq.registered = 0
  }
}
