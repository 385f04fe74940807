/**
 * @module The mechanism behind KV policies beyond vLLM's LRU free queue: pins that keep a finished
 * session turn's cached blocks out of the free queue for a TTL (Continuum), and a host-memory tier
 * that catches blocks the GPU evicts and feeds them back over PCIe (vLLM's CPU offloading
 * connector, LMCache, Mooncake's DRAM pool). The policy decides how long and how much; this file
 * does the block accounting, so an engine under plain LRU never builds one.
 */
import type { IterationModel } from '../perf/iteration.js'
import { kvTransferBytes } from '../perf/kv-transfer.js'
import type { KvGeometry, KvPolicy, KvRequest } from '../policy/kv/types.js'
import type { BlockPool } from './block-pool.js'
import { HostTier } from './host-tier.js'

/** KvTierStats are one engine's totals and peaks for the KV tiers (all monotonic but `*Now`). */
export interface KvTierStats {
  /** KV bytes of one block, whole instance. */
  readonly blockBytes: number
  /** Host tier size in blocks (0: none). */
  readonly hostCapacityBlocks: number
  /** Most blocks the host tier held at once. */
  hostPeakBlocks: number
  /** Blocks written to the host tier (GPU evictions of blocks it did not hold). */
  offloadBlocks: number
  /** Prompt tokens found in the host tier at admission (also counted in prefixHits). */
  hostHitTokens: number
  /** Blocks reloaded host → GPU, and the seconds the admitting iterations paid for them. */
  reloadBlocks: number
  reloadSeconds: number
  /** Pins made; taken by the session's next turn; ended by TTL (or a newer pin of the session). */
  pins: number
  pinHits: number
  pinExpired: number
  /** Pins ended early, oldest first, because the engine ran out of free blocks. */
  pinReclaimed: number
  /** Distinct blocks pinned now (two pins sharing a prefix count it once), and the most at once. */
  pinnedBlocksNow: number
  pinnedPeakBlocks: number
}

interface Pin {
  readonly session: number | undefined
  /** The pinned blocks in token order; the pin holds one reference on each. */
  readonly blocks: number[]
  readonly expiry: number
  live: boolean
}

/** PinnedRequest is what pinning needs of a finishing request (a Sequence fits). */
export interface PinnedRequest extends KvRequest {
  readonly blocks: number[]
  readonly registered: number
  readonly shareableBlocks: number
  readonly preemptions: number
}

/** KvTiers is one engine's pins and host tier, driven by its KV policy. */
export class KvTiers {
  readonly stats: KvTierStats
  readonly #policy: KvPolicy
  readonly #pool: BlockPool
  readonly #host: HostTier | undefined
  readonly #pinning: boolean
  /** KV bytes of one block on one GPU: each GPU reloads its own shard over its own PCIe link. */
  readonly #bytesPerGpu: number
  readonly #pcieBandwidth: number
  /** Reload seconds owed by the iteration being planned. */
  #reloadPending = 0
  /** Pins in the order they were made (oldest first), dead ones dropped lazily. */
  #pins: Pin[] = []
  #pinHead = 0
  #bySession = new Map<number, Pin>()
  #nextExpiry = Number.POSITIVE_INFINITY
  /** Pins holding each block (allocated with the first pin). */
  #pinCount: Int32Array | undefined

  constructor(
    policy: KvPolicy,
    pool: BlockPool,
    geometry: KvGeometry,
    bytesPerGpu: number,
    pcieBandwidth: number,
  ) {
    this.#policy = policy
    this.#pool = pool
    this.#pinning = policy.pinSeconds !== undefined
    this.#bytesPerGpu = bytesPerGpu
    this.#pcieBandwidth = pcieBandwidth
    const hostBlocks = Math.floor(policy.hostBlocks?.(geometry) ?? 0)
    if (hostBlocks > 0) {
      this.#host = new HostTier(hostBlocks)
      pool.spillTo(this.#host)
    }
    this.stats = {
      blockBytes: geometry.blockBytes,
      hostCapacityBlocks: this.#host?.capacity ?? 0,
      hostPeakBlocks: 0,
      offloadBlocks: 0,
      hostHitTokens: 0,
      reloadBlocks: 0,
      reloadSeconds: 0,
      pins: 0,
      pinHits: 0,
      pinExpired: 0,
      pinReclaimed: 0,
      pinnedBlocksNow: 0,
      pinnedPeakBlocks: 0,
    }
  }

  /** hasHost says whether admissions should look past the GPU cache. */
  get hasHost(): boolean {
    return this.#host !== undefined
  }

  /**
   * hostHits counts blocks of `hashes` from index `from` (the first GPU miss) up to `to` that the
   * host tier holds, stopping at the first it does not: a prefix match has to stay contiguous.
   */
  hostHits(hashes: ArrayLike<number>, from: number, to: number): number {
    const host = this.#host
    if (!host) return 0
    let k = from
    while (k < to && host.has(hashes[k]!)) k++
    return k - from
  }

  /**
   * reload commits `count` host hits starting at `from`: marks them recently used (so spills
   * caused by allocating their GPU blocks cannot push them out first) and charges the transfer to
   * the iteration being planned: bytes / bandwidth, each GPU loading its own shard in parallel.
   */
  reload(hashes: ArrayLike<number>, from: number, count: number, blockSize: number): void {
    const host = this.#host!
    for (let k = from; k < from + count; k++) host.touch(hashes[k]!)
    const seconds = (count * this.#bytesPerGpu) / this.#pcieBandwidth
    this.#reloadPending += seconds
    const s = this.stats
    s.reloadBlocks += count
    s.reloadSeconds += seconds
    s.hostHitTokens += count * blockSize
  }

  /** takeReloadSeconds returns the reload time owed by the iteration just planned, and clears it. */
  takeReloadSeconds(): number {
    const t = this.#reloadPending
    this.#reloadPending = 0
    return t
  }

  /**
   * retain pins the findable prefix of a finishing request's blocks when the policy says so: the
   * pinned blocks leave `req.blocks` (the pin keeps their references) and the caller releases
   * the rest as usual. Output blocks and a partial last block are never pinned: no later prompt
   * hashes to them.
   */
  retain(req: PinnedRequest, now: number): void {
    if (!this.#pinning) return
    const k = Math.min(req.registered, req.shareableBlocks, req.blocks.length)
    if (k === 0) return
    const ttl = this.#policy.pinSeconds!(req, now)
    if (!(ttl > 0)) return
    if (req.session !== undefined) {
      const old = this.#bySession.get(req.session)
      if (old) {
        this.#unpin(old)
        this.stats.pinExpired++
      }
    }
    const pin: Pin = {
      session: req.session,
      blocks: req.blocks.splice(0, k),
      expiry: now + ttl,
      live: true,
    }
    this.#pins.push(pin)
    if (req.session !== undefined) this.#bySession.set(req.session, pin)
    if (pin.expiry < this.#nextExpiry) this.#nextExpiry = pin.expiry
    const s = this.stats
    s.pins++
    if (this.#pinCount === undefined) this.#pinCount = new Int32Array(this.#pool.numBlocks)
    const count = this.#pinCount
    for (const b of pin.blocks) if (count[b]!++ === 0) s.pinnedBlocksNow++
    if (s.pinnedBlocksNow > s.pinnedPeakBlocks) s.pinnedPeakBlocks = s.pinnedBlocksNow
  }

  /**
   * admitted hears that `req` was admitted (its prefix hits already hold their blocks): a pin its
   * session left here is taken, i.e. released, and the policy hears of the resumed session.
   */
  admitted(req: KvRequest & { readonly preemptions: number }, now: number): void {
    if (req.session === undefined) return
    const pin = this.#bySession.get(req.session)
    if (pin) {
      this.#unpin(pin)
      this.stats.pinHits++
    }
    if (req.preemptions === 0 && req.turn !== undefined && req.turn > 0) {
      this.#policy.resumed?.(req, now)
    }
  }

  /** expire ends every pin whose TTL ran out by `now` (cheap until the earliest expiry). */
  expire(now: number): void {
    if (now < this.#nextExpiry) return
    let next = Number.POSITIVE_INFINITY
    const kept: Pin[] = []
    for (let i = this.#pinHead; i < this.#pins.length; i++) {
      const p = this.#pins[i]!
      if (!p.live) continue
      if (p.expiry <= now) {
        this.#unpin(p)
        this.stats.pinExpired++
      } else {
        kept.push(p)
        if (p.expiry < next) next = p.expiry
      }
    }
    this.#pins = kept
    this.#pinHead = 0
    this.#nextExpiry = next
  }

  /**
   * reclaim ends pins, oldest first, until `needed` blocks can be allocated: numFree, less the
   * free blocks among the first `hit` of `hitBlocks` (an admission is about to take those off the
   * free queue as prefix hits). False when even ending every pin is not enough.
   */
  reclaim(needed: number, hitBlocks?: ReadonlyArray<number>, hit = 0): boolean {
    const pool = this.#pool
    for (;;) {
      let evictable = 0
      for (let i = 0; i < hit; i++) if (pool.refCount(hitBlocks![i]!) === 0) evictable++
      if (needed <= pool.numFree - evictable) return true
      const pin = this.#oldest()
      if (!pin) return false
      this.#unpin(pin)
      this.stats.pinReclaimed++
    }
  }

  /** pinnedBlocks lists every block reference pins hold (invariant checks only). */
  *pinnedBlocks(): IterableIterator<number> {
    for (let i = this.#pinHead; i < this.#pins.length; i++) {
      const p = this.#pins[i]!
      if (p.live) yield* p.blocks
    }
  }

  /** snapshot returns the stats with the host tier's figures brought up to date. */
  snapshot(): Readonly<KvTierStats> {
    const s = this.stats
    if (this.#host) {
      s.hostPeakBlocks = this.#host.peak
      s.offloadBlocks = this.#host.stores
    }
    return s
  }

  #oldest(): Pin | undefined {
    const pins = this.#pins
    while (this.#pinHead < pins.length && !pins[this.#pinHead]!.live) this.#pinHead++
    return pins[this.#pinHead]
  }

  /** unpin releases a pin's blocks, tail first, as vLLM frees a request's blocks. */
  #unpin(pin: Pin): void {
    pin.live = false
    if (pin.session !== undefined && this.#bySession.get(pin.session) === pin) {
      this.#bySession.delete(pin.session)
    }
    const blocks = pin.blocks
    const count = this.#pinCount!
    for (let i = blocks.length - 1; i >= 0; i--) {
      const b = blocks[i]!
      if (--count[b]! === 0) this.stats.pinnedBlocksNow--
      this.#pool.release(b)
    }
  }
}

/**
 * createKvTiers builds the tiers an engine's KV policy asks for, or undefined when it asks for
 * none (plain LRU: the engine then makes no KV policy call at all). Block bytes and the host link
 * come from the deployment: KV per token per GPU × block size, over the GPU's PCIe bandwidth.
 */
export function createKvTiers(
  policy: KvPolicy | undefined,
  pool: BlockPool,
  blockSize: number,
  model: IterationModel,
): KvTiers | undefined {
  if (!policy || (policy.hostBlocks === undefined && policy.pinSeconds === undefined)) {
    return undefined
  }
  const d = model.deployment
  const bytesPerGpu = kvTransferBytes(d, blockSize)
  const geometry: KvGeometry = {
    blockSize,
    gpuBlocks: pool.numBlocks,
    blockBytes: bytesPerGpu * d.tp,
    gpus: d.tp,
  }
  return new KvTiers(policy, pool, geometry, bytesPerGpu, d.gpu.pcieBandwidth)
}
