/**
 * @module Autoscaling in the simulator, as Knative Serving runs it (docs/scaling/SYSTEM.md): every
 * tick the scaler reads each pool's 1-second metric buckets and names a replica count; the
 * difference is reconciled (cancel starting replicas first, then drain the ready ones with the
 * fewest requests); a started replica is billed at once and serves after its cold start; a
 * draining one takes no new requests, finishes its own, then stops. While a pool has no ready
 * replica its requests wait in the activator, a bounded FIFO, and the first such request pokes
 * the scaler at once instead of waiting for the next tick.
 *
 * Simplifications: replicas live in `max` pre-built slots per pool, so a pool never holds more
 * than `max` replicas counting draining ones (a start waits for a slot to free); a restarted slot
 * gets a fresh engine, its KV cache empty. Knative's activator also caps each replica at
 * containerConcurrency requests; here every held request goes to the router once a replica is
 * ready and the engine queues what it cannot run. Replicas ready at the start (initial scale) are
 * warm: billed from the first arrival, not cold starts.
 */
import { Deque } from '../engine/deque.js'
import type { Sequence } from '../engine/sequence.js'
import type { EngineHooks } from '../policy/engine-hooks.js'
import type { Scaler } from '../policy/scaler/types.js'
import { meetsSlo } from '../policy/slo.js'
import {
  type Decision,
  PoolController,
  type PoolStatus,
  type ReplicaRecord,
  type ReplicaState,
} from '../scaling/controller.js'
import { ReplicaLedger } from '../scaling/ledger.js'
import type { ScalingSeries, ScalingSummary } from '../scaling/summary.js'
import { type Slo, timingOf } from './metrics.js'
import type { PoolPlan, ScaledFleet } from './scaled-fleet.js'
import type { SimInstance } from './sim-instance.js'

/** A slot's replica: none, starting (billed, not serving), ready, or draining. */
const Off = 0
const Starting = 1
const Ready = 2
const Draining = 3

/** STATE_NAMES maps a slot's state to the controller's vocabulary. */
const STATE_NAMES: ReadonlyArray<ReplicaState | undefined> = [
  undefined,
  'starting',
  'ready',
  'draining',
]

/** AutoscalerDeps are the simulator services autoscaling uses. `A` is a held arrival. */
export interface AutoscalerDeps<A> {
  readonly scaler: Scaler
  /** The scaler's spec for the summary (`kpa:util=0.5`). */
  readonly label: string
  readonly fleet: ScaledFleet
  /** The simulator's instances, built from `fleet.slots` in order. */
  readonly instances: ReadonlyArray<SimInstance>
  readonly slo: Slo
  readonly at: (time: number, fn: (now: number) => void) => void
  /** Fresh admission and KV policies for a restarted engine. */
  readonly hooks: () => EngineHooks
  /** Routes a held arrival now that its pool has a ready replica. */
  readonly release: (arrival: A, now: number) => void
  /** Hands a request whose prefill finished to the decode pool (P/D). */
  readonly handoff: (seq: Sequence, src: SimInstance, now: number) => void
  /** Counts a request the fleet refused. */
  readonly reject: () => void
  /** Whether every arrival has been read. */
  readonly sourceDone: () => boolean
}

/** Held is a request waiting in the activator since `at`. */
interface Held<T> {
  readonly item: T
  readonly at: number
}

/** PoolState is one pool's slots and their replicas. */
interface PoolState {
  readonly plan: PoolPlan
  readonly slots: ReadonlyArray<SimInstance>
  readonly state: Uint8Array
  readonly askedAt: Float64Array
  /** Bumped when a start is cancelled, so its readiness callback is ignored. */
  readonly gen: Uint32Array
  /** The slot's engine has served: a restart needs a fresh one. */
  readonly used: Uint8Array
  ready: number
  pending: number
  draining: number
}

/** Autoscaler drives one autoscaled fleet's replicas through a run. */
export class Autoscaler<A> {
  readonly #d: AutoscalerDeps<A>
  readonly #pools: PoolState[]
  /** Pool index of each instance, by instance id. */
  readonly #poolOf: Uint8Array
  readonly #ledger = new ReplicaLedger()
  readonly #control: PoolController<number>
  /** Arrivals held while the first pool had no ready replica. */
  readonly #arrivals = new Deque<Held<A>>()
  /** P/D requests whose prefill finished while the decode pool had no ready replica. */
  readonly #handoffs = new Deque<Held<Sequence>>()
  #begun = false
  #ticking = false
  /** Time of the latest replica change or decision, so billing covers it. */
  #last = 0

  constructor(d: AutoscalerDeps<A>) {
    this.#d = d
    this.#poolOf = new Uint8Array(d.instances.length)
    this.#pools = d.fleet.pools.map((plan, p) => {
      const slots = d.instances.slice(plan.first, plan.first + plan.max)
      const state = new Uint8Array(plan.max)
      const used = new Uint8Array(plan.max)
      for (const [k, inst] of slots.entries()) {
        this.#poolOf[inst.id] = p
        const warm = k < plan.initial
        state[k] = warm ? Ready : Off
        used[k] = warm ? 1 : 0
        inst.ready = warm
        inst.draining = false
      }
      return {
        plan,
        slots,
        state,
        askedAt: new Float64Array(plan.max),
        gen: new Uint32Array(plan.max),
        used,
        ready: plan.initial,
        pending: 0,
        draining: 0,
      }
    })
    this.#control = new PoolController(d.scaler, d.fleet.pools, 0)
  }

  /** held counts requests waiting in the activator (both queues). */
  get held(): number {
    return this.#arrivals.length + this.#handoffs.length
  }

  /**
   * arrive counts a request entering the service at `now` and says whether it must be held (its
   * pool has no ready replica). The first arrival starts the clock: samplers, billing of the
   * initial replicas and the tick.
   */
  arrive(now: number): boolean {
    if (!this.#begun) this.#begin(now)
    this.#control.enter(0, now)
    return this.#pools[0]!.ready === 0
  }

  /** hold queues an arrival for the first ready replica, or refuses it when the queue is full. */
  hold(arrival: A, now: number): void {
    const pool = this.#pools[0]!
    if (this.#arrivals.length >= pool.plan.activatorCapacity) {
      this.#refuseHeld(pool, now)
      return
    }
    this.#arrivals.pushBack({ item: arrival, at: now })
    this.#poke(0, now)
  }

  /** refused records a request the router or an engine refused, leaving `inst`'s pool. */
  refused(inst: SimInstance | undefined, now: number): void {
    this.#control.leave(inst ? this.#poolOf[inst.id]! : 0, now)
  }

  /** firstToken moves a P/D request from the prefill pool's count to the decode pool's. */
  firstToken(seq: Sequence, now: number): void {
    if (seq.generated !== 1 || seq.generated >= seq.outputTokens) return
    const p = this.#poolOf[(seq.tag as SimInstance).id]!
    if (this.#pools[p]!.plan.role !== 'prefill') return
    this.#control.leave(p, now)
    if (p + 1 < this.#pools.length) this.#control.enter(p + 1, now)
  }

  /** finished records a completed request's latency and whether it met the SLO. */
  finished(seq: Sequence, now: number): void {
    const p = this.#poolOf[(seq.tag as SimInstance).id]!
    const t = timingOf(seq)
    this.#control.leave(p, now, { latency: t.e2e, met: meetsSlo(t, this.#d.slo) })
  }

  /**
   * handoffFailed takes a P/D request no decode instance took: held until a decode replica is
   * ready when none is, else (the router refused it) rejected.
   */
  handoffFailed(seq: Sequence, now: number): void {
    const p = this.#pools.length - 1
    const pool = this.#pools[p]!
    const full = this.#handoffs.length >= pool.plan.activatorCapacity
    if (pool.ready > 0 || full) {
      if (full) this.#ledger.heldRejected()
      this.#control.leave(p, now)
      this.#d.reject()
      return
    }
    this.#handoffs.pushBack({ item: seq, at: now })
    this.#poke(p, now)
  }

  /** afterStep records an iteration's output tokens and stops a drained replica. */
  afterStep(inst: SimInstance, now: number, generated: number): void {
    const p = this.#poolOf[inst.id]!
    const pool = this.#pools[p]!
    if (generated > 0 && pool.plan.role !== 'prefill') this.#control.tokens(p, now, generated)
    if (inst.draining) this.#stopIfIdle(pool, inst.id - pool.plan.first, now)
  }

  /** summary describes the run's scaling up to `end` (or its last replica change, if later). */
  summary(end: number): ScalingSummary {
    return this.#ledger.summary(this.#d.label, Math.max(end, this.#last))
  }

  /** gpuHours and costUsd bill every replica from its start to its stop (or `end`). */
  gpuHours(end: number): number {
    return this.#ledger.gpuHours(Math.max(end, this.#last))
  }
  costUsd(end: number): number {
    return this.#ledger.costUsd(Math.max(end, this.#last))
  }

  /** series is the replica counts over time, for the report. */
  series(): ScalingSeries {
    return this.#ledger.series()
  }

  #begin(now: number): void {
    this.#begun = true
    this.#last = now
    // Billing starts here even with no replica, so the summary spans the whole run.
    this.#ledger.gpuHours(now)
    let initial = 0
    for (const pool of this.#pools) {
      for (let k = 0; k < pool.plan.initial; k++) {
        this.#ledger.warm(now, pool.plan.gpus, pool.plan.pricePerGpuHour)
      }
      initial += pool.plan.initial
    }
    this.#ledger.initial(now, initial)
    this.#control.restart(
      now,
      this.#pools.map((pool) => pool.ready),
    )
    this.#startTicking(now)
  }

  #startTicking(now: number): void {
    if (this.#ticking) return
    this.#ticking = true
    this.#d.at(now + this.#d.scaler.tickSeconds, (t) => this.#tick(t))
  }

  /** #busy: arrivals to come, requests held, or requests in an engine. */
  #busy(): boolean {
    if (!this.#d.sourceDone() || this.held > 0) return true
    return this.#d.instances.some((x) => x.engine.hasWork)
  }

  #tick(now: number): void {
    for (const pool of this.#pools) {
      for (let k = 0; k < pool.plan.max; k++) {
        if (pool.state[k] === Draining) this.#stopIfIdle(pool, k, now)
      }
    }
    if (!this.#busy()) {
      // Nothing left to serve: the run ends here, so do not keep deciding.
      this.#ticking = false
      return
    }
    this.#decide(now)
    this.#giveUp(now)
    this.#d.at(now + this.#d.scaler.tickSeconds, (t) => this.#tick(t))
  }

  /** #poke decides at once when pool `p` has requests waiting and no replica ready or coming. */
  #poke(p: number, now: number): void {
    if (this.#control.pokeDue(this.#status(this.#pools[p]!))) this.#decide(now, p)
    this.#giveUp(now)
    this.#startTicking(now)
  }

  /** #decide asks the controller (a poke from pool `poked`, or a tick) and carries it out. */
  #decide(now: number, poked?: number): void {
    const decision = this.#control.decide(
      now,
      this.#pools.map((pool) => this.#status(pool)),
      poked,
    )
    this.#apply(decision, now)
    let target = 0
    for (const t of decision.targets) target += t
    this.#ledger.decision(now, target, decision.panic)
    this.#last = Math.max(this.#last, now)
  }

  /** #status is a pool's replica counts and records for the controller. */
  #status(pool: PoolState): PoolStatus<number> {
    const replicas: ReplicaRecord<number>[] = []
    for (let k = 0; k < pool.plan.max; k++) {
      const state = STATE_NAMES[pool.state[k]!]
      if (state === undefined) continue
      replicas.push({
        id: k,
        state,
        askedAt: pool.askedAt[k]!,
        outstanding: pool.slots[k]!.outstanding,
      })
    }
    return {
      ready: pool.ready,
      pending: pool.pending,
      draining: pool.draining,
      coldStartSeconds: pool.plan.coldStartSeconds,
      replicas,
    }
  }

  /** #apply carries out a decision; a start with no free slot ends the pool's starts. */
  #apply(decision: Decision<number>, now: number): void {
    const full = new Set<number>()
    for (const a of decision.actions) {
      const pool = this.#pools[a.pool]!
      if (a.kind === 'cancel') this.#cancel(pool, a.replica!, now)
      else if (a.kind === 'drain') this.#drain(pool, a.replica!, now)
      else if (!full.has(a.pool) && !this.#start(pool, now)) full.add(a.pool)
    }
  }

  /**
   * #giveUp refuses held requests once no replica can come for them: every arrival has been read,
   * and their pool has none ready or starting even after a decision.
   */
  #giveUp(now: number): void {
    if (!this.#d.sourceDone()) return
    const first = this.#pools[0]!
    if (first.ready === 0 && first.pending === 0) {
      while (this.#arrivals.popFront()) this.#refuseHeld(first, now)
    }
    const last = this.#pools[this.#pools.length - 1]!
    if (last.ready === 0 && last.pending === 0) {
      while (this.#handoffs.popFront()) this.#refuseHeld(last, now)
    }
  }

  #refuseHeld(pool: PoolState, now: number): void {
    this.#ledger.heldRejected()
    this.#control.leave(this.#pools.indexOf(pool), now)
    this.#d.reject()
  }

  /** #start asks for a replica in the lowest free slot; false when every slot is taken. */
  #start(pool: PoolState, now: number): boolean {
    const k = pool.state.indexOf(Off)
    if (k < 0) return false
    pool.state[k] = Starting
    pool.askedAt[k] = now
    const gen = ++pool.gen[k]!
    pool.pending++
    this.#ledger.start(now, pool.plan.gpus, pool.plan.pricePerGpuHour)
    this.#d.at(now + pool.plan.coldStartSeconds, (t) => {
      if (pool.gen[k] === gen && pool.state[k] === Starting) this.#ready(pool, k, t)
    })
    return true
  }

  #ready(pool: PoolState, k: number, now: number): void {
    const inst = pool.slots[k]!
    if (pool.used[k]) inst.restart(this.#d.hooks())
    pool.used[k] = 1
    pool.state[k] = Ready
    inst.ready = true
    inst.draining = false
    pool.pending--
    pool.ready++
    this.#ledger.ready(now, pool.askedAt[k]!)
    this.#last = Math.max(this.#last, now)
    this.#control.setReady(this.#pools.indexOf(pool), now, pool.ready)
    this.#release(pool, now)
  }

  /** #release sends the pool's held requests on, oldest first, now that a replica is ready. */
  #release(pool: PoolState, now: number): void {
    if (pool === this.#pools[0]) {
      for (let h = this.#arrivals.popFront(); h; h = this.#arrivals.popFront()) {
        this.#ledger.held(now - h.at)
        this.#d.release(h.item, now)
      }
    }
    if (pool.plan.role === 'decode') {
      for (let h = this.#handoffs.popFront(); h; h = this.#handoffs.popFront()) {
        this.#ledger.held(now - h.at)
        this.#d.handoff(h.item, h.item.tag as SimInstance, now)
      }
    }
  }

  /** #cancel stops slot `k`'s starting replica (the controller chose it). */
  #cancel(pool: PoolState, k: number, now: number): void {
    if (pool.state[k] !== Starting) return
    pool.state[k] = Off
    pool.gen[k]!++
    pool.pending--
    this.#ledger.stop(now, pool.plan.gpus, pool.plan.pricePerGpuHour, true)
    this.#last = Math.max(this.#last, now)
  }

  /** #drain takes slot `k`'s ready replica out of routing (the controller chose it). */
  #drain(pool: PoolState, k: number, now: number): void {
    if (pool.state[k] !== Ready) return
    const inst = pool.slots[k]!
    pool.state[k] = Draining
    inst.draining = true
    pool.ready--
    pool.draining++
    this.#ledger.unready(now)
    this.#last = Math.max(this.#last, now)
    this.#control.setReady(this.#pools.indexOf(pool), now, pool.ready)
    this.#stopIfIdle(pool, k, now)
  }

  /** #stopIfIdle stops a draining replica once its last request has left. */
  #stopIfIdle(pool: PoolState, k: number, now: number): void {
    const inst = pool.slots[k]!
    if (pool.state[k] !== Draining || inst.outstanding > 0) return
    if (inst.engine.hasWork || inst.engine.inFlight) return
    pool.state[k] = Off
    inst.ready = false
    inst.draining = false
    pool.draining--
    this.#ledger.stop(now, pool.plan.gpus, pool.plan.pricePerGpuHour, false)
    this.#last = Math.max(this.#last, now)
  }
}
