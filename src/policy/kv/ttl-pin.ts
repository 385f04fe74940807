/**
 * @module `ttl-pin`: keep a finished session turn's KV on the GPU for a time-to-live so the next
 * turn hits it, after Continuum (Li et al., "Continuum: Efficient and Robust Multi-Turn LLM Agent
 * Scheduling with KV Cache Time-to-Live", arXiv 2511.02230, 2025). Between an agent's LLM calls a
 * tool runs; under LRU the waiting traffic evicts the program's KV meanwhile, and the next turn
 * prefills it all again. A pin bounds the bet: it ends at its TTL, when the next turn takes it, or
 * early when the engine has no other free block (the engine's side, see engine/kv-tiers.ts).
 * That last rule departs from Continuum, whose pins hold their memory against new requests until
 * the TTL: here a pin never keeps a request waiting, so pinning decides the order of eviction
 * (pinned turns go last, oldest pin first) rather than reserving memory.
 */
import type { KvPolicy, KvRequest } from './types.js'

/**
 * DEFAULT_PIN_TTL_S covers the short pauses pinning pays off for: Continuum targets agents' tool
 * calls, which take milliseconds to tens of seconds, and pins only where the expected reuse is
 * worth the memory held; 10 s covers a few-second tool call with room for its variance without
 * parking KV through a human's think time (Mooncake's conversation sample: median gap between
 * turns about 2 minutes, so use `ttl=auto` there).
 */
export const DEFAULT_PIN_TTL_S = 10

/**
 * DEFAULT_MAX_PIN_TTL_S caps a learned TTL at 5 minutes, the lifetime hosted prompt caches give
 * an idle prefix (Anthropic's prompt caching: 5 min default; OpenAI's: 5–10 min of inactivity).
 * A session whose predicted gap is longer is not pinned at all.
 */
export const DEFAULT_MAX_PIN_TTL_S = 300

/**
 * GAP_HEADROOM stretches the predicted gap into a TTL: a pin that expires just before the next
 * turn arrives buys nothing, and gaps vary from turn to turn.
 */
const GAP_HEADROOM = 1.5

/**
 * MIN_PIN_TTL_S floors a learned TTL: a session whose turns follow back to back still needs its
 * pin to outlive the next turn's wait in the queue.
 */
const MIN_PIN_TTL_S = 1

/** GAP_SMOOTHING weighs the latest gap against the session's history (an EWMA). */
const GAP_SMOOTHING = 0.5

/** TtlPinOptions configure `ttl-pin`. */
export interface TtlPinOptions {
  /** Fixed TTL in seconds (default DEFAULT_PIN_TTL_S); with `adaptive`, the cold-start TTL. */
  readonly ttlS?: number
  /**
   * Learn each session's TTL from its observed gaps (previous turn's finish → next turn's
   * arrival): GAP_HEADROOM × their EWMA, as Continuum predicts a TTL from past tool-call times.
   */
  readonly adaptive?: boolean
  /** Longest learned TTL (default DEFAULT_MAX_PIN_TTL_S); sessions predicted slower are not pinned. */
  readonly maxTtlS?: number
}

/** createTtlPin builds a `ttl-pin` policy: every finished request of a session is pinned. */
export function createTtlPin(opts: TtlPinOptions = {}): KvPolicy {
  const ttl = opts.ttlS ?? DEFAULT_PIN_TTL_S
  if (!opts.adaptive) {
    return {
      name: 'ttl-pin',
      pinSeconds: function pinSeconds(req: KvRequest): number {
        return req.session === undefined ? 0 : ttl
      },
    }
  }
  const maxTtl = opts.maxTtlS ?? DEFAULT_MAX_PIN_TTL_S
  /** When each session's last turn finished here (until its next turn arrives). */
  const finishedAt = new Map<number, number>()
  /** Smoothed gap between a session's turns. */
  const gap = new Map<number, number>()
  return {
    name: 'ttl-pin',
    pinSeconds: function pinSeconds(req: KvRequest, now: number): number {
      if (req.session === undefined) return 0
      finishedAt.set(req.session, now)
      const g = gap.get(req.session)
      if (g === undefined) return ttl
      const t = Math.max(MIN_PIN_TTL_S, GAP_HEADROOM * g)
      return t <= maxTtl ? t : 0
    },
    resumed: function resumed(req: KvRequest): void {
      if (req.session === undefined) return
      const f = finishedAt.get(req.session)
      if (f === undefined) return
      finishedAt.delete(req.session)
      const observed = Math.max(0, req.arrival - f)
      const g = gap.get(req.session)
      gap.set(req.session, g === undefined ? observed : g + GAP_SMOOTHING * (observed - g))
    },
  }
}
