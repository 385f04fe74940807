/**
 * @module Prefill/decode disaggregation in the simulator (DistServe, Splitwise, P/D-Serve): new
 * requests go to prefill instances; when a request's prefill produces its first token, its KV
 * moves over the fleet's KV link to a decode instance chosen then, where it queues like any
 * request but with its KV preloaded, and decodes to the end.
 *
 * Simplifications, each small next to the transfer itself: the whole context moves (no skipping
 * blocks the decode instance already caches); the prefill instance frees the request's blocks as
 * the transfer starts (they stay in its prefix cache) instead of when it ends; and a decode
 * instance that is full makes the request wait after the transfer, where vLLM's connector would
 * allocate first and pull later. TTFT is the prefill's first token, as the client sees it; the
 * transfer and any decode queueing land in the second token's gap (TPOT), as in DistServe.
 */
import type { Sequence } from '../engine/sequence.js'
import { type KvLink, kvTransferBytes, kvTransferSeconds } from '../perf/kv-transfer.js'
import type { PolicyContext, RequestInfo, RoutingPolicy } from '../policy/types.js'
import type { SimInstance } from './sim-instance.js'
import { type SubView, subView } from './sub-view.js'

/** TransferStats summarise the KV moved by handoffs or migrations. */
export interface TransferStats {
  count: number
  bytes: number
  seconds: number
}

/** DisaggDeps are the simulator services the handoff needs. */
export interface DisaggDeps {
  readonly instances: ReadonlyArray<SimInstance>
  readonly link: KvLink
  /** Picks the decode instance (a fresh router of the run's kind, over decode instances only). */
  readonly decodeRouter: RoutingPolicy
  readonly ctx: PolicyContext
  /** Runs `fn` at simulated time `time` (a Transfer event). */
  readonly at: (time: number, fn: (now: number) => void) => void
  /** Wakes an instance that may be idle. */
  readonly kick: (inst: SimInstance, now: number) => void
  /** A request that found no decode instance (or could never fit one) is rejected. */
  readonly reject: (seq: Sequence) => void
}

/** Disaggregation routes arrivals to prefill instances and hands requests to decode ones. */
export class Disaggregation {
  readonly arrivals: SubView
  readonly decode: SubView
  readonly stats: TransferStats = { count: 0, bytes: 0, seconds: 0 }
  readonly #d: DisaggDeps
  /** Requests whose first token came out of a prefill instance in the current iteration. */
  readonly #ready: Sequence[] = []

  constructor(d: DisaggDeps) {
    this.#d = d
    this.arrivals = subView(d.instances.filter((x) => x.plan.role === 'prefill'))
    this.decode = subView(d.instances.filter((x) => x.plan.role === 'decode'))
  }

  /** onToken is the engines' token listener: note prefills that just produced their token. */
  onToken(seq: Sequence): void {
    if (seq.generated !== 1 || seq.generated >= seq.outputTokens) return
    if ((seq.tag as SimInstance).plan.role === 'prefill') this.#ready.push(seq)
  }

  /** afterComplete hands this iteration's finished prefills to decode instances. */
  afterComplete(inst: SimInstance, now: number): void {
    if (this.#ready.length === 0) return
    for (const seq of this.#ready) {
      if (!inst.engine.detach(seq)) continue
      inst.outstanding--
      this.handoff(seq, inst, now)
    }
    this.#ready.length = 0
  }

  /**
   * handoff picks a decode instance for a request detached from prefill instance `src` and moves
   * its KV there. With no decode instance to take it, `reject` hears of it with `seq.tag` still
   * the prefill instance (an autoscaled fleet holds it until a decode replica is ready).
   */
  handoff(seq: Sequence, src: SimInstance, now: number): void {
    const d = this.#d
    const info: RequestInfo = {
      id: seq.id,
      model: src.model,
      inputTokens: seq.promptTokens,
      blockHashes: seq.blockHashes,
    }
    const pick = d.decodeRouter.pick(info, this.decode.view, d.ctx)
    const dst = pick === undefined ? undefined : this.decode.members[pick]
    if (!dst) {
      d.reject(seq)
      return
    }
    dst.outstanding++
    seq.tag = dst
    const tokens = seq.numComputed
    const dt = kvTransferSeconds(src.plan.deployment, tokens, d.link)
    this.stats.count++
    this.stats.bytes += kvTransferBytes(src.plan.deployment, tokens) * src.plan.deployment.tp
    this.stats.seconds += dt
    d.at(now + dt, (t) => {
      seq.preloaded = tokens
      if (dst.engine.adopt(seq, false, t) !== undefined) {
        dst.outstanding--
        d.reject(seq)
        return
      }
      d.kick(dst, t)
    })
  }
}
