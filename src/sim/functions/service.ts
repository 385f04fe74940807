/**
 * @module One serverless service in the function simulator: its replicas (started, ready,
 * draining, stopped), the activator that holds requests while no replica can take them, and
 * the scaler loop (1-s samples → `decide` every tick → reconcile → replica actions), as Knative
 * Serving runs a revision.
 */

import { Deque } from '../../engine/deque.js'
import type { Scaler } from '../../policy/scaler/types.js'
import { meetsSlo } from '../../policy/slo.js'
import type {
  FleetView,
  PolicyContext,
  RequestInfo,
  RoutingPolicy,
  SloTarget,
} from '../../policy/types.js'
import { PoolController, type PoolStatus, type ReplicaRecord } from '../../scaling/controller.js'
import type { ReplicaLedger } from '../../scaling/ledger.js'
import { EventKind } from '../event-queue.js'
import type { TimerKind } from '../kernel.js'
import { type FnRequest, Replica, type ReplicaListener } from './replica.js'

/** ServiceConfig is one service's deployment: the same for every service of a run. */
export interface ServiceConfig {
  readonly name: string
  readonly containerConcurrency: number
  /** Fixed replicas when there is no scaler. */
  readonly instances: number
  readonly minReplicas: number
  readonly maxReplicas: number
  readonly initialReplicas: number
  readonly coldStartSeconds: number
  readonly activatorCapacity: number
  /**
   * Knative's target-burst-capacity: 0 puts the activator in the path only while no replica is
   * ready; −1 keeps it there always; N > 0 while ready × cc − N − in-flight < 0 (excess burst
   * capacity below zero). In the path, it sends requests only to free slots and buffers the rest.
   */
  readonly targetBurstCapacity: number
  readonly sloWaitSeconds: number
  readonly pricePerGpuHour: number
  /**
   * Stop ticking while scaled to zero with nothing in flight, until the next arrival (one service
   * per function: the Alibaba sample's 75 models ticking every 2 s for 12 days would be 40 M
   * decisions).
   */
  readonly park: boolean
}

/** ServiceHost is the simulation loop as a service sees it. */
export interface ServiceHost {
  readonly ctx: PolicyContext
  readonly ledger: ReplicaLedger
  /** at runs `fn` at `time`; `kind` orders it among events at the same time. */
  at(time: number, kind: TimerKind, fn: (now: number) => void): void
  /** addReplica registers a new replica slot of `service` for completion events. */
  addReplica(replica: Replica, service: FunctionService): void
  /** schedule (re)schedules a replica's next job completion. */
  schedule(replica: Replica): void
  started(req: FnRequest, now: number): void
  finished(req: FnRequest, now: number): void
  rejected(now: number): void
  /** decided reports a change of this service's clamped target, for the run's desired total. */
  decided(now: number, delta: number, panic: boolean): void
  /** deployed reports the initial scale of a service begun at `now` (not a decision). */
  deployed(now: number, initial: number): void
  /** done says whether the trace is exhausted and no service has a request left. */
  done(): boolean
  /** sourceDone says whether the trace is exhausted. */
  sourceDone(): boolean
}

/**
 * STUCK_SECONDS: after the trace ends, requests held while the scaler keeps no replica ready or
 * coming are refused after this long — Knative's default revision timeout (timeoutSeconds 300).
 * It only matters for a scaler that never scales up; without it the run would not end.
 */
const STUCK_SECONDS = 300

/** GPUS_PER_REPLICA: one function replica is one GPU. */
const GPUS_PER_REPLICA = 1

const NO_HASHES: ArrayLike<number> = new Uint32Array(0)

/** FunctionService is one service and its replicas. */
export class FunctionService implements ReplicaListener {
  readonly cfg: ServiceConfig
  readonly #host: ServiceHost
  readonly #scaler: Scaler | undefined
  readonly #router: RoutingPolicy
  readonly #replicas: Replica[] = []
  readonly #view: FleetView
  readonly #held = new Deque<FnRequest>()
  /** The scaling loop (undefined for a fixed fleet). */
  #control: PoolController<number> | undefined
  #ready = 0
  #pending = 0
  #draining = 0
  #inFlight = 0
  #target = 0
  #parked = false
  #flushing = false
  #stuckSince: number | undefined
  readonly #tick = (now: number): void => this.#onTick(now)
  /** The wait SLO as a latency objective: a TTFT target, no TPOT target. */
  readonly #slo: SloTarget

  constructor(
    cfg: ServiceConfig,
    host: ServiceHost,
    scaler: Scaler | undefined,
    router: RoutingPolicy,
  ) {
    this.cfg = cfg
    this.#host = host
    this.#scaler = scaler
    this.#router = router
    this.#slo = { ttft_s: cfg.sloWaitSeconds, tpot_s: Number.POSITIVE_INFINITY }
    // Functions share no prompt prefixes: no replica caches any.
    this.#view = { instances: this.#replicas, cachedPrefixBlocks: () => 0 }
  }

  /** inFlight counts the service's requests: held, queued and running. */
  get inFlight(): number {
    return this.#inFlight
  }

  /** held is the number of requests in the activator. */
  get held(): number {
    return this.#held.length
  }

  /** running and queued sum the replicas' jobs and queue-proxy queues. */
  get running(): number {
    let n = 0
    for (const r of this.#replicas) n += r.running
    return n
  }

  get queued(): number {
    let n = 0
    for (const r of this.#replicas) n += r.waiting
    return n
  }

  /**
   * begin deploys the service at `now`, its first request's arrival: a fixed fleet is ready at
   * once (provisioned before the trace, as the LLM simulator's fleets are, and billed by the
   * caller); an autoscaled one has its initial replicas ready (Knative's initial-scale, as the
   * LLM simulator's --initial-replicas: billed from now, not cold starts) and starts its ticks.
   */
  begin(now: number): void {
    const scaler = this.#scaler
    const { minReplicas: min, maxReplicas: max, initialReplicas } = this.cfg
    const initial = scaler === undefined ? this.cfg.instances : clamp(initialReplicas, min, max)
    for (let i = 0; i < initial; i++) {
      const r = this.#slot()
      r.reset(now)
      r.state = 'ready'
      this.#ready++
      if (scaler) this.#host.ledger.warm(now, GPUS_PER_REPLICA, this.cfg.pricePerGpuHour)
    }
    if (scaler === undefined) return
    const c = this.cfg
    const pool = {
      name: c.name,
      role: 'mixed',
      min,
      max,
      containerConcurrency: c.containerConcurrency,
    } as const
    this.#control = new PoolController(scaler, [pool], now)
    this.#control.setReady(0, now, this.#ready)
    this.#host.deployed(now, initial)
    this.#target = initial
    this.#host.at(now + scaler.tickSeconds, EventKind.Timer, this.#tick)
  }

  /**
   * arrive takes a request. While no replica is ready, or the activator still holds earlier
   * requests (FIFO), or it is in the path (target-burst-capacity) and no slot is free, the request
   * joins the activator's queue — refused when that is full — and a service with no replica ready
   * or coming asks its scaler at once (Knative's activator poke). Otherwise the router picks a
   * ready replica, where it runs or waits in the queue-proxy queue.
   */
  arrive(req: FnRequest, now: number): void {
    if (this.#parked) this.#wake(now)
    this.#control?.enter(0, now)
    this.#inFlight++
    if (this.#held.length === 0 && this.#ready > 0) {
      const pick = this.#router.pick(info(req, this.cfg.name), this.#view, this.#host.ctx)
      const replica = pick === undefined ? undefined : this.#replicas[pick]
      if (replica !== undefined && (replica.hasSlot || !this.#activatorInPath())) {
        this.#send(replica, req, now)
        return
      }
    }
    if (this.#held.length >= this.cfg.activatorCapacity) {
      this.#host.ledger.heldRejected()
      this.#refuse(now)
      return
    }
    this.#held.pushBack(req)
    if (this.#control?.pokeDue(this.#status())) this.#decide(now, true)
    this.#dispatch(now)
  }

  /** complete handles a replica's job completion event. */
  complete(replica: Replica, now: number): void {
    replica.complete(now)
    this.#host.schedule(replica)
    if (replica.state === 'draining' && replica.outstanding === 0) this.#stop(replica, now)
    if (this.#held.length > 0) this.#dispatch(now)
  }

  /** start is the replica listener's hook: a job begins executing. */
  start(req: FnRequest, now: number): void {
    req.started = now
    // A function's wait SLO is a first-token target: the start of execution is its first output.
    const wait = now - req.arrival
    req.met = meetsSlo({ ttft: wait, tpot: undefined, e2e: wait, outputTokens: 1 }, this.#slo)
    this.#host.started(req, now)
  }

  /** finish is the replica listener's hook: a job is done. */
  finish(req: FnRequest, now: number): void {
    this.#inFlight--
    this.#control?.leave(0, now, { latency: now - req.arrival, met: req.met })
    this.#host.finished(req, now)
  }

  /** #activatorInPath applies target-burst-capacity while some replica is ready. */
  #activatorInPath(): boolean {
    const tbc = this.cfg.targetBurstCapacity
    if (tbc === 0) return false
    if (tbc < 0) return true
    return this.#ready * this.cfg.containerConcurrency - tbc - this.#inFlight < 0
  }

  #send(replica: Replica, req: FnRequest, now: number): void {
    const startsNow = replica.hasSlot
    replica.add(req, now)
    if (startsNow) this.#host.schedule(replica)
  }

  #refuse(now: number): void {
    this.#inFlight--
    this.#control?.leave(0, now)
    this.#host.rejected(now)
  }

  /**
   * #dispatch moves held requests, oldest first, to ready replicas with a free slot: Knative's
   * activator throttles each pod to its containerConcurrency and buffers the rest, so a backlog
   * spreads over replicas as they become ready instead of piling onto the first one.
   */
  #dispatch(now: number): void {
    const held = this.#held
    while (held.length > 0) {
      const req = held.peekFront()!
      const pick = this.#router.pick(info(req, this.cfg.name), this.#view, this.#host.ctx)
      const replica = pick === undefined ? undefined : this.#replicas[pick]
      // Least-outstanding picks the emptiest replica: if it has no free slot, none has.
      if (replica === undefined || !replica.hasSlot) return
      held.popFront()
      this.#host.ledger.held(now - req.arrival)
      this.#send(replica, req, now)
    }
  }

  #onTick(now: number): void {
    const host = this.#host
    // Once the trace is exhausted and every request is done, the run is over.
    if (host.done()) return
    this.#decide(now, false)
    if (host.sourceDone()) this.#checkStuck(now)
    const c = this.cfg
    if (c.park && this.#ready + this.#pending + this.#draining === 0 && this.#inFlight === 0) {
      this.#parked = true
      return
    }
    host.at(now + this.#scaler!.tickSeconds, EventKind.Timer, this.#tick)
  }

  /** #wake restarts a parked service's tick loop with a fresh sampler (no idle buckets to replay). */
  #wake(now: number): void {
    this.#parked = false
    this.#control!.restart(now, [this.#ready])
    this.#host.at(now + this.#scaler!.tickSeconds, EventKind.Timer, this.#tick)
  }

  /** #decide asks the controller (at a tick, or a poke) and carries out its decision. */
  #decide(now: number, poke: boolean): void {
    const decision = this.#control!.decide(now, [this.#status()], poke ? 0 : undefined)
    const target = decision.targets[0]!
    this.#host.decided(now, target - this.#target, decision.panic)
    this.#target = target
    for (const a of decision.actions) {
      if (a.kind === 'start') this.#start(now)
      else if (a.kind === 'cancel') this.#cancel(this.#replicas[a.replica!]!, now)
      else this.#drain(this.#replicas[a.replica!]!, now)
    }
  }

  /** #status is the service's replicas for the controller. */
  #status(): PoolStatus<number> {
    const replicas: ReplicaRecord<number>[] = []
    for (const r of this.#replicas) {
      if (r.state === 'stopped') continue
      replicas.push({ id: r.id, state: r.state, askedAt: r.askedAt, outstanding: r.outstanding })
    }
    return {
      ready: this.#ready,
      pending: this.#pending,
      draining: this.#draining,
      coldStartSeconds: this.cfg.coldStartSeconds,
      replicas,
    }
  }

  #checkStuck(now: number): void {
    if (this.#held.length === 0 || this.#ready + this.#pending > 0) {
      this.#stuckSince = undefined
      return
    }
    this.#stuckSince ??= now
    if (now - this.#stuckSince < STUCK_SECONDS) return
    while (this.#held.popFront() !== undefined) {
      this.#host.ledger.heldRejected()
      this.#refuse(now)
    }
  }

  /** #slot returns a stopped slot to reuse, or a new one. */
  #slot(): Replica {
    for (const r of this.#replicas) if (r.state === 'stopped') return r
    const r = new Replica(this.#replicas.length, this.cfg.name, this.cfg.containerConcurrency, this)
    this.#replicas.push(r)
    this.#host.addReplica(r, this)
    return r
  }

  #start(now: number): void {
    const r = this.#slot()
    r.reset(now)
    r.state = 'starting'
    this.#pending++
    this.#host.ledger.start(now, GPUS_PER_REPLICA, this.cfg.pricePerGpuHour)
    const generation = r.generation
    this.#host.at(now + this.cfg.coldStartSeconds, EventKind.Timer, (t) => {
      if (r.generation === generation && r.state === 'starting') this.#onReady(r, t)
    })
  }

  #onReady(r: Replica, now: number): void {
    r.state = 'ready'
    this.#pending--
    this.#ready++
    this.#host.ledger.ready(now, r.askedAt)
    this.#control?.setReady(0, now, this.#ready)
    // Replicas asked for together become ready at the same instant: dispatch once all have, so
    // the backlog spreads over them (Flush timers run after every other event at a time).
    if (this.#held.length > 0 && !this.#flushing) {
      this.#flushing = true
      this.#host.at(now, EventKind.Flush, (t) => {
        this.#flushing = false
        this.#dispatch(t)
      })
    }
  }

  /** #cancel stops a starting replica (the controller chose it). */
  #cancel(victim: Replica, now: number): void {
    if (victim.state !== 'starting') return
    victim.state = 'stopped'
    victim.generation++
    this.#pending--
    this.#host.ledger.stop(now, GPUS_PER_REPLICA, this.cfg.pricePerGpuHour, true)
  }

  /** #drain takes a ready replica out of service (the controller chose it). */
  #drain(victim: Replica, now: number): void {
    if (victim.state !== 'ready') return
    victim.state = 'draining'
    this.#ready--
    this.#draining++
    this.#host.ledger.unready(now)
    this.#control?.setReady(0, now, this.#ready)
    if (victim.outstanding === 0) this.#stop(victim, now)
  }

  #stop(r: Replica, now: number): void {
    r.state = 'stopped'
    r.generation++
    this.#draining--
    this.#host.ledger.stop(now, GPUS_PER_REPLICA, this.cfg.pricePerGpuHour, false)
  }
}

function clamp(x: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, x))
}

function info(req: FnRequest, model: string): RequestInfo {
  return { id: req.id, model, inputTokens: 0, blockHashes: NO_HASHES }
}
