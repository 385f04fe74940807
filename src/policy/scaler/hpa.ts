/**
 * @module The Kubernetes Horizontal Pod Autoscaler on a utilisation metric, as
 * kubernetes/kubernetes pkg/controller/podautoscaler defines it: the replica count from
 * replica_calculator.go (`GetResourceReplicas`: ratio, tolerance, unready pods), and the
 * stabilisation and rate limits from horizontal.go (`stabilizeRecommendationWithBehaviors`,
 * `convertDesiredReplicasWithBehaviorRate`, `calculateScaleUpLimitWithScalingRules`) with the
 * default `behavior` of autoscaling/v2.
 */
import type { PoolScaleView, ScaleDecision, Scaler, ScaleView } from './types.js'
import { BucketWindow, MaxWindow } from './window.js'

/** HpaOptions tune the HPA; defaults are Kubernetes' own except the target, which it lacks. */
export interface HpaOptions {
  /**
   * Target mean utilisation of ready replicas, 0..1. Kubernetes has no default (the user sets
   * averageUtilization); 0.7 is a common choice and matches the KPA's 70% target.
   */
  readonly util?: number
  /** --horizontal-pod-autoscaler-tolerance: no change within ±10% of the target. */
  readonly tolerance?: number
  /** --horizontal-pod-autoscaler-sync-period, seconds: 15. */
  readonly sync?: number
  /** behavior.scaleDown.stabilizationWindowSeconds: 300. */
  readonly window?: number
}

/** HPA_DEFAULTS are Kubernetes' defaults (and the chosen target utilisation). */
export const HPA_DEFAULTS = { util: 0.7, tolerance: 0.1, sync: 15, window: 300 } as const

/**
 * Default autoscaling/v2 behavior (pkg/apis/autoscaling/v2/defaults.go): scale up by the larger
 * of 4 pods or 100% per 15 s, scale down by up to 100% per 15 s.
 */
const SCALE_UP_PODS = 4
const SCALE_UP_PERCENT = 100
const SCALE_DOWN_PERCENT = 100
const POLICY_PERIOD_S = 15

/** HpaPool is one pool's HPA state: metric windows, past recommendations, recent scale events. */
class HpaPool {
  readonly #o: Required<HpaOptions>
  readonly #util: BucketWindow
  readonly #conc: BucketWindow
  /** Recommendations of the last scale-down window; the max is the stabilised count. */
  readonly #recs: MaxWindow
  /** Scale events (time, replicas added or removed) of the last policy period. */
  #events: Array<{ time: number; delta: number }> = []

  constructor(o: Required<HpaOptions>) {
    this.#o = o
    // The metric is the mean over the last sync period (the metrics API's window).
    this.#util = new BucketWindow(o.sync)
    this.#conc = new BucketWindow(o.sync)
    this.#recs = new MaxWindow(o.window)
  }

  decide(pool: PoolScaleView, now: number): number {
    for (const s of pool.samples) {
      this.#util.record(s.time, s.utilisation)
      this.#conc.record(s.time, s.concurrency)
    }
    const current = pool.ready + pool.pending
    const raw = this.#recommend(pool, current, now)
    // stabilizeRecommendationWithBehaviors: scale-up window 0 s (take `raw`), scale-down the max
    // of the last 300 s of recommendations (this one included).
    const down = this.#recs.record(now, raw)
    let next = current
    if (next < raw) next = raw
    if (next > down) next = down
    next = this.#limitRate(next, current, now)
    next = Math.max(pool.minReplicas, Math.min(pool.maxReplicas, next))
    if (next !== current) this.#events.push({ time: now, delta: next - current })
    return next
  }

  /** #recommend is GetResourceReplicas on the window's mean utilisation. */
  #recommend(pool: PoolScaleView, current: number, now: number): number {
    const { util: target, tolerance } = this.#o
    if (pool.ready === 0) {
      // No ready pod has metrics, so Kubernetes would do nothing; requests held at a service
      // with none ready must still bring one up: size for them as the KPA would.
      const conc = this.#conc.average(now)
      if (conc <= 0) return current
      return Math.max(current, Math.ceil(conc / (pool.containerConcurrency * target)))
    }
    const u = this.#util.average(now)
    const ratio = u / target
    if (pool.pending === 0 || ratio <= 1) {
      if (Math.abs(1 - ratio) <= tolerance) return current
      // Ready 4 at 0.91 mean utilisation, target 0.7 → ratio 1.3 → ceil(5.2) = 6.
      return Math.ceil(ratio * pool.ready)
    }
    // Scaling up with unready pods: they count as 0% busy, so pods already coming are not
    // ordered again. Ready 4 at 1.0 + 2 pending → 4/(6 × 0.7) = 0.95: within tolerance, keep 6.
    const rebalanced = (u * pool.ready) / ((pool.ready + pool.pending) * target)
    if (Math.abs(1 - rebalanced) <= tolerance || rebalanced < 1) return current
    return Math.ceil(rebalanced * (pool.ready + pool.pending))
  }

  /**
   * #limitRate is convertDesiredReplicasWithBehaviorRate under the default policies: up to
   * max(start + 4, start × 2) and down to start × 0 per 15 s, where `start` is the count at the
   * start of the period (current less what the last 15 s of events added).
   */
  #limitRate(desired: number, current: number, now: number): number {
    this.#events = this.#events.filter((e) => e.time > now - POLICY_PERIOD_S)
    let added = 0
    let removed = 0
    for (const e of this.#events) {
      if (e.delta > 0) added += e.delta
      else removed -= e.delta
    }
    if (desired > current) {
      const start = current - added
      const limit = Math.max(start + SCALE_UP_PODS, Math.ceil(start * (1 + SCALE_UP_PERCENT / 100)))
      return Math.min(desired, Math.max(limit, current))
    }
    if (desired < current) {
      const start = current + removed
      const limit = Math.floor(start * (1 - SCALE_DOWN_PERCENT / 100))
      return Math.max(desired, Math.min(limit, current))
    }
    return desired
  }
}

/**
 * createHpa returns the Kubernetes HPA on utilisation: every 15 s, replicas = ceil(ready × mean
 * utilisation / target), unchanged within ±10%, counting pods still starting as idle on scale-up;
 * scale-down waits for the highest recommendation of the last 5 minutes; scale-up is at most
 * max(+4, ×2) per 15 s. Kubernetes cannot scale to zero without the alpha HPAScaleToZero gate;
 * here, in a pool whose minimum is 0, the HPA goes to zero once 5 minutes of recommendations have
 * all been 0 (no request in flight for that long), and scales up from zero on held requests.
 */
export function createHpa(opts: HpaOptions = {}): Scaler {
  const o: Required<HpaOptions> = { ...HPA_DEFAULTS, ...opts }
  const pools = new Map<string, HpaPool>()
  return {
    name: 'hpa',
    tickSeconds: o.sync,
    decide: function decideHpa(view: ScaleView): ScaleDecision {
      const desired = view.pools.map((pool) => {
        let hpa = pools.get(pool.name)
        if (!hpa) {
          hpa = new HpaPool(o)
          pools.set(pool.name, hpa)
        }
        return hpa.decide(pool, view.now)
      })
      return { desired }
    },
  }
}
