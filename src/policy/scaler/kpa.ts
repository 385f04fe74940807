/**
 * @module Knative's Pod Autoscaler (KPA), as knative/serving defines it: the decider in
 * pkg/autoscaler/scaling/autoscaler.go (`autoscaler.Scale`, `newAutoscaler`), the metric windows
 * in pkg/autoscaler/metrics/collector.go (`StableAndPanicConcurrency`), the target in
 * pkg/reconciler/autoscaling/resources/target.go (`ResolveMetricTarget`), the Active condition
 * in pkg/reconciler/autoscaling/kpa/kpa.go (`computeActiveCondition`), and the bounds and
 * scale-to-zero in pkg/reconciler/autoscaling/kpa/scaler.go (`applyBounds`, `handleScaleToZero`).
 */
import type { PoolScaleView, ScaleDecision, Scaler, ScaleView } from './types.js'
import { BucketWindow, MaxWindow } from './window.js'

/**
 * KpaOptions are the config-autoscaler keys the KPA reads; each default is Knative's own
 * (pkg/autoscaler/config/config.go, `defaultConfig`).
 */
export interface KpaOptions {
  /** container-concurrency-target-percentage as a fraction: 70% → 0.7. */
  readonly util?: number
  /**
   * Per-replica concurrency target (the `autoscaling.knative.dev/target` annotation). Default: the
   * pool's containerConcurrency; when given it is capped at containerConcurrency, as
   * `ResolveMetricTarget` does, so the autoscaler never aims above what a replica can hold.
   */
  readonly target?: number
  /** stable-window, seconds: 60. */
  readonly window?: number
  /** panic-window-percentage: 10% of the stable window (6 s). */
  readonly panicWindowPct?: number
  /** panic-threshold-percentage as a ratio: 200% → 2. */
  readonly panic?: number
  /** max-scale-up-rate: 1000. */
  readonly maxUp?: number
  /** max-scale-down-rate: 2. */
  readonly maxDown?: number
  /** scale-down-delay, seconds: 0 (off). */
  readonly delay?: number
  /** scale-to-zero-grace-period, seconds: 30. */
  readonly grace?: number
  /** tick-interval, seconds: 2. */
  readonly tick?: number
  /** enable-scale-to-zero: true. */
  readonly scaleToZero?: boolean
}

/** KPA_DEFAULTS are Knative's config-autoscaler defaults (pkg/autoscaler/config/config.go). */
export const KPA_DEFAULTS = {
  util: 0.7,
  window: 60,
  panicWindowPct: 10,
  panic: 2,
  maxUp: 1000,
  maxDown: 2,
  delay: 0,
  grace: 30,
  tick: 2,
  scaleToZero: true,
} as const

/** TARGET_MIN is Knative's floor on the target value (autoscaling.TargetMin, 0.01). */
const TARGET_MIN = 0.01

/** KpaStep is one pool's decision at one tick, with what the decider saw (for scalers reusing it). */
export interface KpaStep {
  /** The desired replica count after bounds and scale to zero. */
  readonly desired: number
  /** The decider's count before bounds and scale to zero (`ScaleResult.DesiredPodCount`). */
  readonly decided: number
  readonly panic: boolean
  /** Average concurrency over the stable and the panic window. */
  readonly stable: number
  readonly panicValue: number
  /** False when no sample has arrived within the stable window (Knative's ErrNoData). */
  readonly hasData: boolean
}

/** PA activity, as the PodAutoscaler's Active condition (pkg/apis/autoscaling/v1alpha1). */
type Activity = 'active' | 'activating' | 'inactive'

/**
 * KpaPool is the KPA's per-revision state for one pool: its two metric windows, panic mode, the
 * scale-down delay and the PodAutoscaler's Active condition. `decide` takes the target value as an
 * argument so that scalers built on the KPA (q-learning) can move it between ticks.
 */
export class KpaPool {
  readonly #o: Required<Omit<KpaOptions, 'target'>> & { target?: number }
  readonly #stable: BucketWindow
  readonly #panicWin: BucketWindow
  readonly #delay: MaxWindow | undefined
  #started = false
  /** When panic mode began or was last extended; undefined when not panicking. */
  #panicTime: number | undefined
  #maxPanicPods = 0
  #activity: Activity = 'inactive'
  #since = 0

  constructor(opts: KpaOptions = {}) {
    this.#o = { ...KPA_DEFAULTS, ...opts }
    this.#stable = new BucketWindow(this.#o.window)
    // Knative: panic window = stable window × panic-window-percentage / 100, 60 s × 10% = 6 s.
    this.#panicWin = new BucketWindow((this.#o.window * this.#o.panicWindowPct) / 100)
    this.#delay = this.#o.delay > 0 ? new MaxWindow(this.#o.delay) : undefined
  }

  /**
   * targetValue is the per-replica concurrency the KPA aims at for `pool`: target × util, with
   * target = min(annotation target, containerConcurrency) (`ResolveMetricTarget`): cc=10,
   * util=0.7 → 7.
   */
  targetValue(pool: PoolScaleView): number {
    const cc = Math.max(1, pool.containerConcurrency)
    const total = this.#o.target === undefined ? cc : Math.min(this.#o.target, cc)
    return Math.max(TARGET_MIN, total * this.#o.util)
  }

  /** decide feeds the pool's new samples into the windows and returns its desired count. */
  decide(pool: PoolScaleView, now: number, targetValue = this.targetValue(pool)): KpaStep {
    for (const s of pool.samples) {
      this.#stable.record(s.time, s.concurrency)
      this.#panicWin.record(s.time, s.concurrency)
    }
    if (!this.#started) this.#start(pool, now)
    const current = pool.ready + pool.pending
    if (this.#stable.isEmpty(now)) {
      // ErrNoData: Scale returns invalidSR and the reconciler leaves the deployment alone.
      const panic = this.#panicTime !== undefined
      return { desired: current, decided: current, panic, stable: 0, panicValue: 0, hasData: false }
    }
    const stable = this.#stable.average(now)
    const panicValue = this.#panicWin.average(now)
    const decided = this.#scale(pool.ready, stable, panicValue, targetValue, now)
    const bounded = applyBounds(pool.minReplicas, pool.maxReplicas, decided)
    const desired = this.#scaleToZero(pool, bounded, now)
    return {
      desired,
      decided,
      panic: this.#panicTime !== undefined,
      stable,
      panicValue,
      hasData: true,
    }
  }

  /**
   * #start is `newAutoscaler`: a decider created over more than one ready pod starts in panic mode
   * holding that count, because it has lost (here: never had) the metric history, and scaling
   * down on a near-empty window would be a mistake.
   */
  #start(pool: PoolScaleView, now: number): void {
    this.#started = true
    if (pool.ready > 1) {
      this.#panicTime = now
      this.#maxPanicPods = pool.ready
    }
    this.#activity = pool.ready > 0 ? 'active' : 'inactive'
    this.#since = now
  }

  /** #scale is `autoscaler.Scale` after the metrics are read. */
  #scale(ready: number, stable: number, panicValue: number, tv: number, now: number): number {
    const o = this.#o
    // Knative uses 1 when no pod is ready, so the rates still allow the first scale-up.
    const readyPods = Math.max(1, ready)
    // ceil keeps a step of at least one pod when the rate is conservative: ready=2, rate 1.1 →
    // ceil(2.2) = 3.
    const maxScaleUp = Math.ceil(o.maxUp * readyPods)
    // The revision is assumed routed (spec.Reachable); unreachable ones may drop to 0 at once.
    const maxScaleDown = Math.floor(readyPods / o.maxDown)
    const dspc = Math.ceil(stable / tv)
    const dppc = Math.ceil(panicValue / tv)
    const desiredStable = Math.min(Math.max(dspc, maxScaleDown), maxScaleUp)
    const desiredPanic = Math.min(Math.max(dppc, maxScaleDown), maxScaleUp)
    const over = dppc / readyPods >= o.panic
    if (over) {
      // Enter panic, or extend it while the burst lasts.
      this.#panicTime = now
    } else if (this.#panicTime !== undefined && this.#panicTime + o.window < now) {
      // Leave once the surge has been in the stable window for a whole window.
      this.#panicTime = undefined
      this.#maxPanicPods = 0
    }
    let desired = desiredStable
    if (this.#panicTime !== undefined) {
      // Provision for the larger of the two, and never scale down while panicking.
      desired = Math.max(desired, desiredPanic)
      this.#maxPanicPods = Math.max(this.#maxPanicPods, desired)
      desired = this.#maxPanicPods
    }
    // scale-down-delay: the largest count decided over the delay window.
    if (this.#delay) desired = this.#delay.record(now, desired)
    return desired
  }

  /**
   * #scaleToZero is `handleScaleToZero`, with the PodAutoscaler's Active condition tracked here
   * instead of on a resource: a 0 is applied only after the PA has been active for a stable window
   * (then it is marked inactive and the activator joins the path) and inactive for the grace
   * period. Simplified from Knative: the activator probe is taken to succeed at once, and the
   * activation timeout (progress-deadline + 10 s) and scale-to-zero-pod-retention-period (0) are
   * left out.
   */
  #scaleToZero(pool: PoolScaleView, desired: number, now: number): number {
    const current = pool.ready + pool.pending
    if (desired > 0) {
      // computeActiveCondition: wanted and serving → Active; wanted, none ready → Activating.
      this.#mark(pool.ready > 0 ? 'active' : 'activating', now)
      return desired
    }
    if (!this.#o.scaleToZero) return 1
    switch (this.#activity) {
      case 'activating':
        // scaleUnknown: leave the deployment as it is until activation ends.
        return current
      case 'active':
        if (now - this.#since >= this.#o.window) {
          // Mark inactive (the activator takes over the route); the scale is not applied yet.
          this.#mark('inactive', now)
          return Math.min(1, current)
        }
        // Active for less than a stable window: down to at most 1 until it has been.
        return 1
      case 'inactive':
        // Backed by the activator for the grace period: now to zero.
        return now - this.#since >= this.#o.grace ? 0 : Math.min(1, current)
    }
  }

  #mark(activity: Activity, now: number): void {
    if (activity === this.#activity) return
    this.#activity = activity
    this.#since = now
  }
}

/** applyBounds clamps to the pool's [min, max] (kpa/scaler.go `applyBounds`). */
function applyBounds(min: number, max: number, x: number): number {
  return Math.max(min, Math.min(max, x))
}

/**
 * createKpa returns Knative's KPA: every 2 s each pool's replicas become ceil(concurrency averaged
 * over 60 s / (containerConcurrency × 0.7)), or over 6 s in panic mode (entered when that asks
 * for twice the ready pods, left a stable window after the burst, never scaling down meanwhile),
 * at most halving per tick, down to zero after 60 s idle plus a 30 s grace. Pools of a P/D view
 * scale independently, each from its own samples.
 */
export function createKpa(opts: KpaOptions = {}): Scaler {
  const pools = new Map<string, KpaPool>()
  return {
    name: 'kpa',
    tickSeconds: opts.tick ?? KPA_DEFAULTS.tick,
    decide: function decideKpa(view: ScaleView): ScaleDecision {
      let panic = false
      const desired = view.pools.map((pool) => {
        let kpa = pools.get(pool.name)
        if (!kpa) {
          kpa = new KpaPool(opts)
          pools.set(pool.name, kpa)
        }
        const step = kpa.decide(pool, view.now)
        panic ||= step.panic
        return step.desired
      })
      return { desired, panic }
    },
  }
}
