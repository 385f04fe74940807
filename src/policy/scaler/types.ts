/**
 * @module The scaling seam. A scaler decides how many replicas each pool of one service should
 * have, from per-second metric buckets its driver (the simulator in virtual time, the gateway in
 * wall time) hands it at every tick. Like every policy it is clock-free: time arrives in the view.
 * A scaler may keep state between ticks (windows, panic mode, a learned table) but no I/O, no
 * clocks, no globals, and the same inputs always give the same decisions.
 */

/** ScaleRole is what a pool's replicas do: whole requests, or one phase of P/D disaggregation. */
export type ScaleRole = 'mixed' | 'prefill' | 'decode'

/**
 * ScaleSample is one 1-second metric bucket of a pool, as Knative's autoscaler aggregates the
 * queue-proxy and activator stats (1 s granularity). Every field covers (time − 1, time].
 */
export interface ScaleSample {
  /** End of the bucket, seconds (virtual or wall). */
  readonly time: number
  /**
   * Mean requests in flight over the bucket, summed over replicas, counting requests held by the
   * activator (or the gateway) while no replica is ready: Knative's observed concurrency.
   */
  readonly concurrency: number
  /** Requests that arrived in the bucket. */
  readonly arrivals: number
  /** Requests that finished in the bucket. */
  readonly completions: number
  /** Of those, how many met the SLO. */
  readonly sloMet: number
  /** Sum of the finished requests' end-to-end latency, seconds. */
  readonly latencySum: number
  /** Output tokens generated in the bucket (decode throughput; 0 for functions). */
  readonly outputTokens: number
  /** Mean fraction of ready replicas busy over the bucket, 0..1 (HPA's utilisation). */
  readonly utilisation: number
}

/** PoolScaleView is one pool of replicas as a scaler sees it at a tick. */
export interface PoolScaleView {
  readonly name: string
  readonly role: ScaleRole
  /** Replicas serving requests. */
  readonly ready: number
  /**
   * Replicas asked for and not yet ready (provisioning, pulling, loading weights). A scaler
   * counts them as coming capacity so that one burst does not order the same replicas twice.
   */
  readonly pending: number
  /** Replicas finishing their requests before they stop (no new work; still billed). */
  readonly draining: number
  readonly minReplicas: number
  readonly maxReplicas: number
  /**
   * Requests one replica serves at once before further ones queue (Knative's containerConcurrency;
   * for an LLM engine, its max-num-seqs or a configured target). Always ≥ 1.
   */
  readonly containerConcurrency: number
  /** Expected seconds from a scale-up decision to a ready replica (cold start). */
  readonly coldStartSeconds: number
  /** Metric buckets that ended since the previous tick, oldest first (may be empty). */
  readonly samples: ReadonlyArray<ScaleSample>
}

/** ScaleView is one service at one tick. */
export interface ScaleView {
  readonly now: number
  /** One pool, or a prefill and a decode pool scaled together. */
  readonly pools: ReadonlyArray<PoolScaleView>
  /** The service's latency objective on end-to-end time, seconds, when one is set. */
  readonly sloE2eSeconds?: number
}

/** ScaleDecision is the desired replica count of each pool, in `ScaleView.pools` order. */
export interface ScaleDecision {
  readonly desired: ReadonlyArray<number>
  /** Whether the scaler is in a burst mode (Knative's panic), for reports. */
  readonly panic?: boolean
}

/**
 * Scaler is a registered scaling policy instance (its own state: one per service). Drivers call
 * `decide` every `tickSeconds`, and also at once when a request reaches a service with no replica
 * ready or coming (Knative's activator "pokes" the autoscaler the same way), so that scaling from
 * zero does not wait for the next tick.
 */
export interface Scaler {
  readonly name: string
  /** Seconds between decisions (Knative's tick-interval, 2 s). */
  readonly tickSeconds: number
  decide(view: ScaleView): ScaleDecision
}
