/**
 * @module The pool controller: one service's scaling loop, written once for every driver. The
 * LLM simulator, the function simulator and the gateway tell it what happens (requests entering
 * and leaving, replicas ready or leaving) and ask it at each tick, or at a poke, what to do; it
 * builds the scaler's view from its 1-second buckets, asks the scaler, clamps and reconciles, and
 * names the replicas to cancel or drain. The drivers only carry the actions out. Pure: time is
 * passed in, and the same calls give the same actions.
 *
 * The poke, as Knative does it. When a request reaches a revision with no stat yet, the
 * activator reports it at once rather than at its next report (`getOrCreateStat` in
 * pkg/activator/handler/concurrency_reporter.go: a stat of concurrency 1 "to trigger an
 * immediate scale-from-0"), and the autoscaler runs the decider at once when that revision's
 * latest scale is 0 and the stat's concurrency is not (`MultiScaler.Poke`,
 * pkg/autoscaler/scaling/multiscaler.go). Here: a request entering a pool with no replica ready
 * or starting decides at once, with the closed buckets plus a point sample of the open one:
 * the requests in the pool now, and no arrivals (the open bucket counts them when it closes, so
 * each arrival is counted once). Worked example: at t = 12.3 s the first request in a minute
 * reaches a pool at zero; the scaler sees the buckets up to 12 s (all idle) and a sample
 * {time 12.3, concurrency 1}; the KPA's stable window averages it over 12 buckets, 1 / 12 =
 * 0.083, and asks for ⌈0.083 / (cc × 0.7)⌉ = 1 replica (any demand at zero is one replica).
 *
 * The activator's promise: while a pool has requests in it and no replica ready, every decision
 * keeps at least one ready or starting, whatever the scaler says (Knative's KPA never scales a
 * revision the activator reports traffic for to zero). A scaler with no notion of demand at zero,
 * such as HPA's ratio, would otherwise leave held requests waiting for ever, or cancel the
 * replica a poke started before it is ready, and start it again at the next poke.
 */
import type { PoolScaleView, ScaleRole, Scaler } from '../policy/scaler/types.js'
import { reconcile } from './reconcile.js'
import { emptySample, MetricSampler } from './sampler.js'

/** PoolSpec is one pool's fixed shape. */
export interface PoolSpec {
  readonly name: string
  readonly role: ScaleRole
  readonly min: number
  readonly max: number
  /** Requests one replica serves at once: the scalers' target and utilisation's denominator. */
  readonly containerConcurrency: number
}

/** ReplicaState is the one vocabulary of a replica's life: asked for, serving, leaving. */
export type ReplicaState = 'starting' | 'ready' | 'draining'

/** ReplicaRecord is one replica as the controller needs it to choose which to cancel or drain. */
export interface ReplicaRecord<Id> {
  readonly id: Id
  readonly state: ReplicaState
  /** When it was asked for (the start of a run, for one ready from the outset). */
  readonly askedAt: number
  /** Requests on it now. */
  readonly outstanding: number
}

/** PoolStatus is one pool's replicas at a decision. */
export interface PoolStatus<Id> {
  readonly ready: number
  readonly pending: number
  readonly draining: number
  /** Expected seconds from a decision to a ready replica. */
  readonly coldStartSeconds: number
  /** The replicas, to choose victims from; absent where the platform chooses (Kubernetes). */
  readonly replicas?: ReadonlyArray<ReplicaRecord<Id>>
}

/** ScaleAction is one thing a driver does; `replica` is undefined when the platform chooses. */
export type ScaleAction<Id> =
  | { readonly kind: 'start'; readonly pool: number }
  | { readonly kind: 'cancel'; readonly pool: number; readonly replica: Id | undefined }
  | { readonly kind: 'drain'; readonly pool: number; readonly replica: Id | undefined }

/** Trigger says why a decision ran. */
export type Trigger = 'tick' | 'poke'

/** Decision is what one decision asks for. */
export interface Decision<Id> {
  readonly trigger: Trigger
  /** Each pool's desired count after clamping to its bounds. */
  readonly targets: ReadonlyArray<number>
  /** Whether the scaler was in its burst mode (Knative's panic). */
  readonly panic: boolean
  /** Per pool: cancels, then drains, then starts. */
  readonly actions: ReadonlyArray<ScaleAction<Id>>
}

/** PoolController runs one service's scaling decisions over its pools. */
export class PoolController<Id = number> {
  readonly scaler: Scaler
  readonly pools: ReadonlyArray<PoolSpec>
  #samplers: MetricSampler[]

  constructor(scaler: Scaler, pools: ReadonlyArray<PoolSpec>, start: number) {
    this.scaler = scaler
    this.pools = pools
    this.#samplers = pools.map((p) => new MetricSampler(p.containerConcurrency, start))
  }

  /**
   * restart begins the buckets afresh at `now` with `ready` replicas per pool (a run's first
   * request, or a parked service waking: no idle buckets to replay).
   */
  restart(now: number, ready: ReadonlyArray<number>): void {
    this.#samplers = this.pools.map((p) => new MetricSampler(p.containerConcurrency, now))
    this.#samplers.forEach((s, i) => {
      s.setReady(now, ready[i] ?? 0)
    })
  }

  /** inFlight is the requests in pool `p` now (held ones included). */
  inFlight(p: number): number {
    return this.#samplers[p]!.inFlight
  }

  /** enter counts a request entering pool `p` (held or admitted). */
  enter(p: number, now: number): void {
    this.#samplers[p]!.enter(now)
  }

  /** leave counts a request leaving pool `p`: finished (with its latency and verdict) or not. */
  leave(p: number, now: number, done?: { readonly latency: number; readonly met: boolean }): void {
    this.#samplers[p]!.leave(now, done)
  }

  /** tokens adds output tokens pool `p` generated (decode throughput, for HeteroScale). */
  tokens(p: number, now: number, n: number): void {
    this.#samplers[p]!.tokens(now, n)
  }

  /** setReady records pool `p`'s ready replicas from `now` on (utilisation's denominator). */
  setReady(p: number, now: number, ready: number): void {
    this.#samplers[p]!.setReady(now, ready)
  }

  /**
   * pokeDue says whether a request that just entered pool `p` should decide at once: the pool
   * has no replica ready or starting (Knative: the revision's latest scale is 0).
   */
  pokeDue(status: { readonly ready: number; readonly pending: number }): boolean {
    return status.ready === 0 && status.pending === 0
  }

  /**
   * decide asks the scaler and returns the actions. `poked` is the pool a poke came from (its
   * view gains the open bucket's point sample), or undefined for a tick.
   */
  decide(now: number, status: ReadonlyArray<PoolStatus<Id>>, poked?: number): Decision<Id> {
    const views = this.pools.map((spec, p) => this.#view(spec, p, now, status[p]!, p === poked))
    const decision = this.scaler.decide({ now, pools: views })
    const targets: number[] = []
    const actions: ScaleAction<Id>[] = []
    this.pools.forEach((spec, p) => {
      const s = status[p]!
      const raw = decision.desired[p]
      let desired = raw !== undefined && Number.isFinite(raw) ? raw : s.ready + s.pending
      // The activator's promise (module comment): work waiting at zero keeps a replica coming.
      if (s.ready === 0 && this.#samplers[p]!.inFlight > 0) desired = Math.max(desired, 1)
      const a = reconcile(desired, {
        ready: s.ready,
        pending: s.pending,
        min: spec.min,
        max: spec.max,
      })
      targets.push(a.target)
      for (const id of victims(s.replicas, 'starting', a.cancel, newestStart)) {
        actions.push({ kind: 'cancel', pool: p, replica: id })
      }
      for (const id of victims(s.replicas, 'ready', a.drain, leastBusy)) {
        actions.push({ kind: 'drain', pool: p, replica: id })
      }
      for (let i = 0; i < a.start; i++) actions.push({ kind: 'start', pool: p })
    })
    return {
      trigger: poked === undefined ? 'tick' : 'poke',
      targets,
      panic: decision.panic ?? false,
      actions,
    }
  }

  #view(spec: PoolSpec, p: number, now: number, s: PoolStatus<Id>, poked: boolean): PoolScaleView {
    const sampler = this.#samplers[p]!
    const samples = sampler.take(now)
    // The activator's stat: the open bucket's concurrency now, no arrivals (counted when it closes).
    if (poked) samples.push(emptySample(now, sampler.inFlight))
    return {
      name: spec.name,
      role: spec.role,
      ready: s.ready,
      pending: s.pending,
      draining: s.draining,
      minReplicas: spec.min,
      maxReplicas: spec.max,
      containerConcurrency: spec.containerConcurrency,
      coldStartSeconds: s.coldStartSeconds,
      samples,
    }
  }
}

/** Better says whether replica `a` should go before `b`. */
type Better<Id> = (a: ReplicaRecord<Id>, b: ReplicaRecord<Id>) => boolean

/**
 * newestStart prefers the most recently asked-for starting replica (a ReplicaSet deletes the
 * unready pods first, youngest first); on a tie, the later one in the list.
 */
function newestStart<Id>(a: ReplicaRecord<Id>, b: ReplicaRecord<Id>): boolean {
  return a.askedAt >= b.askedAt
}

/**
 * leastBusy prefers the ready replica with the fewest requests (the quickest to drain), then the
 * newest, then the later one in the list.
 */
function leastBusy<Id>(a: ReplicaRecord<Id>, b: ReplicaRecord<Id>): boolean {
  if (a.outstanding !== b.outstanding) return a.outstanding < b.outstanding
  return a.askedAt >= b.askedAt
}

/**
 * victims picks `n` replicas in `state`, best first by `better`; with no replica list (the
 * platform chooses) it names none, `n` times.
 */
function victims<Id>(
  replicas: ReadonlyArray<ReplicaRecord<Id>> | undefined,
  state: ReplicaState,
  n: number,
  better: Better<Id>,
): Array<Id | undefined> {
  if (n <= 0) return []
  if (replicas === undefined) return Array.from({ length: n }, () => undefined)
  const taken = new Set<number>()
  const out: Id[] = []
  for (let k = 0; k < n; k++) {
    let pick = -1
    for (let i = 0; i < replicas.length; i++) {
      const r = replicas[i]!
      if (r.state !== state || taken.has(i)) continue
      if (pick < 0 || better(r, replicas[pick]!)) pick = i
    }
    if (pick < 0) break
    taken.add(pick)
    out.push(replicas[pick]!.id)
  }
  return out
}
