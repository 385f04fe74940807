/**
 * @module HeteroScale (Li et al., ByteDance, "Taming the Chaos: Coordinated Autoscaling for
 * Heterogeneous and Disaggregated LLM Inference", arXiv 2508.19559, 2025): one metric, the decode
 * pool's output tokens per second, sizes the decode pool by proportional control, and the prefill
 * pool follows at a fixed P:D ratio, so the two phases stay balanced instead of each pool chasing
 * its own, lagging, signal. Scale-up is immediate; scale-down waits out a stabilisation window.
 */
import type { PoolScaleView, ScaleDecision, Scaler, ScaleView } from './types.js'
import { BucketWindow, MaxWindow } from './window.js'

/** HeteroScaleOptions tune the policy; see HETEROSCALE_DEFAULTS for the defaults' reasons. */
export interface HeteroScaleOptions {
  /**
   * Decode tokens per second one decode (or mixed) replica should carry. Calibrate per model and
   * GPU, e.g. the perf model's throughput at the TPOT SLO; default `util` × cc × 20 tokens/s.
   */
  readonly tps?: number
  /** Fraction of a replica's nominal token rate (cc sequences at 20 tokens/s) to aim for. */
  readonly util?: number
  /** Prefill replicas per decode replica. Default: from the pools' bounds (see `poolRatio`). */
  readonly ratio?: number
  /** Seconds of samples the token rate is averaged over. */
  readonly window?: number
  /** Seconds the count must have been wanted lower before it goes down. */
  readonly down?: number
  /** Seconds between decisions. */
  readonly tick?: number
}

/**
 * HETEROSCALE_DEFAULTS. The nominal rate is a 50 ms time per output token (20 tokens/s for each
 * of the cc sequences a replica runs at once), a common interactive TPOT objective; 0.7 of it
 * matches the KPA's utilisation target. A 60 s rate window and a 5-minute scale-down window keep
 * the pools from flapping on bursty token rates; 15 s between decisions is the HPA's sync period,
 * on which such policies run in Kubernetes.
 */
export const HETEROSCALE_DEFAULTS = { util: 0.7, window: 60, down: 300, tick: 15 } as const

/** Tokens per second of one running sequence at a 50 ms TPOT. */
const TOKENS_PER_SEQUENCE_S = 20

/**
 * poolRatio is a follower pool's replicas per driver (decode) replica when no `ratio=` is given:
 * the ratio of the pools' minimums when both are set (the operator's configured shape), else of
 * their maximums. The current ready counts are not used: they are the policy's own output.
 */
export function poolRatio(follower: PoolScaleView, driver: PoolScaleView): number {
  if (follower.minReplicas > 0 && driver.minReplicas > 0) {
    return follower.minReplicas / driver.minReplicas
  }
  if (follower.maxReplicas > 0 && driver.maxReplicas > 0) {
    return follower.maxReplicas / driver.maxReplicas
  }
  return 1
}

/**
 * createHeteroScale returns HeteroScale: decode replicas = ⌈decode tokens/s over the last 60 s /
 * tokens/s per replica⌉, prefill replicas = round(decode × P:D ratio), up at once and down only to
 * the highest count wanted over the last 5 minutes. A single mixed pool scales on its own token
 * rate. While requests are in flight (or held with nothing ready) it keeps at least one replica
 * per pool; it reaches zero only after 5 minutes without any.
 */
export function createHeteroScale(opts: HeteroScaleOptions = {}): Scaler {
  const o = { ...HETEROSCALE_DEFAULTS, ...opts }
  const tokens = new BucketWindow(o.window)
  const busy = new BucketWindow(o.window)
  const held = new MaxWindow(o.down)
  return {
    name: 'heteroscale',
    tickSeconds: o.tick,
    decide: function decideHeteroScale(view: ScaleView): ScaleDecision {
      const driver = view.pools.find((p) => p.role === 'decode') ?? view.pools[0]
      if (!driver) return { desired: [] }
      for (const s of driver.samples) tokens.record(s.time, s.outputTokens)
      // Requests anywhere in the service (prefill queues, held at the gateway) keep it alive.
      for (const p of view.pools) for (const s of p.samples) busy.record(s.time, s.concurrency)
      const perReplica =
        o.tps ?? o.util * Math.max(1, driver.containerConcurrency) * TOKENS_PER_SEQUENCE_S
      // 9000 tokens/s at 2000 per replica → ⌈4.5⌉ = 5 decode replicas.
      let want = Math.ceil(tokens.average(view.now) / perReplica - 1e-9)
      if (want === 0 && busy.average(view.now) > 0) want = 1
      const current = driver.ready + driver.pending
      // Up at once; down to the largest count wanted within the window.
      const stabilised = held.record(view.now, want)
      const decode = clamp(driver, want >= current ? want : Math.min(current, stabilised))
      const desired = view.pools.map((p) => {
        if (p === driver) return decode
        if (decode === 0) return clamp(p, 0)
        const ratio = o.ratio ?? poolRatio(p, driver)
        return clamp(p, Math.max(1, Math.round(decode * ratio)))
      })
      return { desired }
    },
  }
}

function clamp(pool: PoolScaleView, n: number): number {
  return Math.max(pool.minReplicas, Math.min(pool.maxReplicas, n))
}
