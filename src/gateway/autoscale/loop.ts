/**
 * @module The live autoscaling loop, one per autoscaled pool: the gateway's own accounting feeds
 * a MetricSampler (a request entering the pool, held or admitted; leaving with its latency, SLO
 * verdict and output tokens; replicas becoming ready or going), every `tickSeconds` the pool's
 * scaler decides from the closed 1-second buckets, and reconcile's actions go to the actuator.
 * The same scaler object runs in the simulator, in virtual time; here time is the gateway clock.
 *
 * Like Knative's activator, the gateway holds requests while a pool has no ready replica
 * (dispatch.ts asks `hold`), and a request reaching a pool with no replica ready or coming pokes
 * the scaler at once instead of waiting for the next tick. The decisions, the poke and the
 * choice of replicas to stop are the pool controller's (scaling/controller.ts), the same the
 * simulators run; this loop feeds it the gateway's accounting and hands its actions to the
 * actuator.
 */

import type { Dispatcher } from 'undici'
import { getGpu, getModel } from '../../catalog/index.js'
import { DEFAULT_ENGINE } from '../../engine/config.js'
import { coldStartSeconds } from '../../perf/cold-start.js'
import { createScaler } from '../../policy/scaler/registry.js'
import type { Scaler } from '../../policy/scaler/types.js'
import { meetsSlo } from '../../policy/slo.js'
import { type Decision, PoolController, type Trigger } from '../../scaling/controller.js'
import { ReplicaLedger } from '../../scaling/ledger.js'
import type { ScalingSummary } from '../../scaling/summary.js'
import { errorText, type Log } from '../../util/log.js'
import type { Clock } from '../clock.js'
import type { GatewayConfig } from '../config.js'
import type { AutoscaleHooks, HoldPolicy, PoolOutcome } from '../dispatch.js'
import type { AutoscalerMetrics, ReplicaStop, ScalerGauge } from '../gateway-metrics.js'
import type { Pool, PoolConfig, Upstream } from '../pool.js'
import type { PrefixIndex } from '../prefix-index.js'
import type { Actuator, ReplicaEvents, ReplicaInfo } from './actuator.js'
import type { AutoscaleConfig } from './config.js'
import { KubernetesActuator } from './kubernetes-actuator.js'
import { ProcessActuator } from './process-actuator.js'

/** DEFAULT_COLD_START_S stands in for an undeclared deployment (see autoscale/config.ts). */
const DEFAULT_COLD_START_S = 30
/** DRAIN_POLL_MS is how often a draining backend's in-flight count is checked. */
const DRAIN_POLL_MS = 100

/** AutoscaleSnapshot is one autoscaled pool now (the demo's header, tests). */
export interface AutoscaleSnapshot extends ScalerGauge {
  readonly actuator: string
  readonly replicas: ReadonlyArray<ReplicaInfo>
  /** The ledger's account of the run so far: cold starts, scale-downs, held requests. */
  readonly summary: ScalingSummary
  /** GPU time billed so far (replicas from ask to stop; 1 GPU each without `perf:`). */
  readonly gpuHours: number
}

/** LoopDeps are the gateway parts the loops read and update. */
export interface LoopDeps {
  readonly config: GatewayConfig
  readonly pools: ReadonlyArray<Pool>
  readonly clock: Clock
  readonly agent: Dispatcher
  readonly prefix: PrefixIndex
  readonly metrics: AutoscalerMetrics
  /** Requests a pool holds for want of a ready replica (dispatch's count). */
  readonly held: (pool: Pool) => number
  /** Called when a replica became ready: held requests may go now. */
  readonly onReady: (pool: Pool) => void
  readonly log: Log
  /** Replaces the actuator (tests). */
  readonly actuator?: (
    pool: Pool,
    events: ReplicaEvents,
    inFlight: (url: string) => number,
  ) => Actuator
}

/**
 * outcomeMeetsSlo applies the config's `slo:` to one finished request with policy/slo.ts's
 * verdict: a failure never meets it; without an SLO every success does.
 */
export function outcomeMeetsSlo(o: PoolOutcome, slo: GatewayConfig['slo']): boolean {
  if (o.status >= 400) return false
  if (!slo) return true
  const tpot =
    o.ttft !== undefined && o.outputTokens > 1 ? (o.e2e - o.ttft) / (o.outputTokens - 1) : undefined
  return meetsSlo({ ttft: o.ttft, tpot, e2e: o.e2e, outputTokens: o.outputTokens }, slo)
}

/** PoolAutoscaler runs one pool's loop. */
export class PoolAutoscaler {
  readonly pool: Pool
  readonly scaler: Scaler
  readonly hold: HoldPolicy
  readonly #d: LoopDeps
  readonly #control: PoolController<number>
  readonly #ledger = new ReplicaLedger()
  readonly #actuator: Actuator
  readonly #cc: number
  readonly #coldStartDefault: number
  readonly #gpus: number
  readonly #price: number
  /** Backends the actuator made ready, by URL. */
  readonly #ready = new Map<string, Upstream>()
  #desired = 0
  #coldStarts = 0
  #coldStartSum = 0
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(pool: Pool, pc: PoolConfig, c: AutoscaleConfig, d: LoopDeps) {
    this.pool = pool
    this.#d = d
    this.scaler = createScaler(c.scaler)
    this.#cc =
      c.container_concurrency ??
      pc.max_in_flight ??
      pc.perf?.max_num_seqs ??
      DEFAULT_ENGINE.maxNumSeqs
    const perf = pc.perf
    const deployment = perf && {
      gpu: getGpu(perf.gpu, 'perf.gpu'),
      model: getModel(perf.model ?? pc.model, 'perf.model'),
      tp: perf.tp,
      dtype: perf.dtype,
    }
    this.#coldStartDefault =
      c.cold_start_s ?? (deployment ? coldStartSeconds(deployment) : DEFAULT_COLD_START_S)
    this.#gpus = deployment?.tp ?? 1
    this.#price = deployment?.gpu.pricePerHour ?? 0
    const spec = {
      name: pool.model,
      role: 'mixed',
      min: c.min,
      max: c.max,
      containerConcurrency: this.#cc,
    } as const
    this.#control = new PoolController(this.scaler, [spec], d.clock.now())
    this.hold = {
      maxRequests: c.hold.max_requests,
      timeoutS: c.hold.timeout_s,
      retryAfter: () => this.#retryAfter(),
    }
    const events: ReplicaEvents = {
      ready: (url, askedAt) => this.#onReady(url, askedAt),
      drain: (url) => this.#onDrain(url),
      gone: (url, why) => this.#onGone(url, why),
    }
    const inFlight = (url: string): number => this.#ready.get(url)?.state.inFlight ?? 0
    this.#actuator = d.actuator
      ? d.actuator(pool, events, inFlight)
      : createActuator(pool, c, d, events, inFlight)
  }

  /** start adopts running replicas, applies the pool's minimum, then ticks every tickSeconds. */
  async start(): Promise<void> {
    await this.#actuator.start()
    this.tick('tick')
    this.#timer = setInterval(() => this.tick('tick'), this.scaler.tickSeconds * 1000)
    this.#timer.unref()
  }

  /** close stops ticking and stops (or lets go of) the replicas. */
  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    await this.#actuator.close()
  }

  /** entered counts a request entering the pool; at zero with nothing coming it pokes the scaler. */
  entered(now: number): void {
    this.#control.enter(0, now)
    if (!this.#closed && this.#control.pokeDue(this.#actuator.counts())) this.tick('poke')
  }

  /** left records a request leaving the pool. */
  left(now: number, o: PoolOutcome): void {
    const met = outcomeMeetsSlo(o, this.#d.config.slo)
    this.#control.leave(0, now, o.served ? { latency: o.e2e, met } : undefined)
    if (o.outputTokens > 0) this.#control.tokens(0, now, o.outputTokens)
  }

  /** released records a held request dispatched after `waited` seconds. */
  released(waited: number): void {
    this.#ledger.held(waited)
  }

  /** refused records a held request turned away. */
  refused(reason: 'full' | 'timeout'): void {
    if (reason === 'full') this.#ledger.heldRejected()
    this.#d.metrics.refused(this.pool.model, reason)
  }

  /** tick asks the controller and applies its decision through the actuator. */
  tick(trigger: Trigger): void {
    if (this.#closed) return
    const d = this.#d
    const now = d.clock.now()
    const c = this.#actuator.counts()
    const status = {
      ...c,
      coldStartSeconds: this.#coldStart(),
      ...(this.#actuator.records ? { replicas: this.#actuator.records() } : {}),
    }
    let decision: Decision<number>
    try {
      decision = this.#control.decide(now, [status], trigger === 'poke' ? 0 : undefined)
    } catch (err) {
      d.log('error', 'scaler failed', {
        pool: this.pool.model,
        scaler: this.scaler.name,
        error: errorText(err),
      })
      return
    }
    const target = decision.targets[0]!
    this.#desired = target
    this.#ledger.decision(now, target, decision.panic)
    d.metrics.decision(this.pool.model, this.scaler.name, trigger)
    const count = (kind: string) => decision.actions.filter((a) => a.kind === kind).length
    const start = count('start')
    for (let i = 0; i < start; i++) this.#ledger.start(now, this.#gpus, this.#price)
    d.metrics.started(this.pool.model, start)
    if (decision.actions.length > 0) {
      d.log('info', 'scaling', {
        pool: this.pool.model,
        scaler: this.scaler.name,
        target,
        ready: c.ready,
        starting: c.pending,
        trigger,
        start,
        cancel: count('cancel'),
        drain: count('drain'),
      })
    }
    this.#actuator.apply(decision.actions, target)
  }

  /** gauge is the pool's replica counts now (read at every /metrics scrape). */
  gauge(): ScalerGauge {
    return {
      pool: this.pool.model,
      scaler: this.scaler.name,
      desired: this.#desired,
      ...this.#actuator.counts(),
      held: this.#d.held(this.pool),
    }
  }

  /** snapshot describes the pool's replicas now, with the ledger's account. */
  snapshot(): AutoscaleSnapshot {
    const now = this.#d.clock.now()
    return {
      ...this.gauge(),
      actuator: this.#actuator.kind,
      replicas: this.#actuator.replicas(),
      summary: this.#ledger.summary(this.scaler.name, now),
      gpuHours: this.#ledger.gpuHours(now),
    }
  }

  /** #coldStart is the mean measured cold start, or the configured or estimated one before any. */
  #coldStart(): number {
    return this.#coldStarts > 0 ? this.#coldStartSum / this.#coldStarts : this.#coldStartDefault
  }

  /** #retryAfter is the expected wait for the soonest replica coming (≥ 1 s), for a 429. */
  #retryAfter(): number {
    const now = this.#d.clock.now()
    const cold = this.#coldStart()
    let soonest = cold
    for (const r of this.#actuator.replicas()) {
      if (r.state === 'starting' && r.askedAt !== undefined) {
        soonest = Math.min(soonest, r.askedAt + cold - now)
      }
    }
    return Math.max(1, Math.ceil(soonest))
  }

  #onReady(url: string, askedAt: number | undefined): void {
    const d = this.#d
    const now = d.clock.now()
    const u = this.pool.addBackend(url)
    this.#ready.set(url, u)
    if (askedAt === undefined) {
      // Adopted (running before the gateway): billed from now; its start was not seen.
      this.#ledger.start(now, this.#gpus, this.#price)
      this.#ledger.ready(now, now)
    } else {
      const cold = now - askedAt
      this.#ledger.ready(now, askedAt)
      this.#coldStarts++
      this.#coldStartSum += cold
      d.metrics.coldStart(this.pool.model, cold)
      d.log('info', 'replica ready', {
        pool: this.pool.model,
        backend: url,
        cold_start_s: Number(cold.toFixed(2)),
      })
    }
    this.#control.setReady(0, now, this.#actuator.counts().ready)
    d.onReady(this.pool)
  }

  #onDrain(url: string): Promise<void> {
    const u = this.#ready.get(url)
    if (!u || u.state.draining) return Promise.resolve()
    const now = this.#d.clock.now()
    u.state.draining = true
    this.#ledger.unready(now)
    this.#control.setReady(0, now, this.#actuator.counts().ready)
    return new Promise((resolve) => {
      const check = (): void => {
        if (u.state.inFlight <= 0 || u.removed) resolve()
        else setTimeout(check, DRAIN_POLL_MS)
      }
      check()
    })
  }

  #onGone(url: string | undefined, why: ReplicaStop): void {
    const d = this.#d
    const now = d.clock.now()
    const u = url === undefined ? undefined : this.#ready.get(url)
    if (u) {
      // One that left without draining (it exited) was still counted ready.
      if (!u.state.draining) this.#ledger.unready(now)
      this.#ready.delete(url!)
      this.pool.removeBackend(u)
      d.prefix.reset(u.url)
    }
    this.#ledger.stop(now, this.#gpus, this.#price, u === undefined)
    d.metrics.stopped(this.pool.model, why)
    this.#control.setReady(0, now, this.#actuator.counts().ready)
  }
}

/** createActuator builds the actuator a pool's config names. */
function createActuator(
  pool: Pool,
  c: AutoscaleConfig,
  d: LoopDeps,
  events: ReplicaEvents,
  inFlight: (url: string) => number,
): Actuator {
  if (c.actuator.process) {
    return new ProcessActuator({
      config: c.actuator.process,
      pool: pool.model,
      clock: d.clock,
      agent: d.agent,
      events,
      inFlight,
      log: d.log,
    })
  }
  return new KubernetesActuator({
    config: c.actuator.kubernetes!,
    pool: pool.model,
    clock: d.clock,
    events,
    log: d.log,
  })
}

/**
 * Autoscaling is every autoscaled pool's loop, and the hooks dispatch.ts calls. Pools without
 * an `autoscale:` block are not in it.
 */
export class Autoscaling implements AutoscaleHooks {
  readonly #loops = new Map<Pool, PoolAutoscaler>()

  constructor(d: LoopDeps) {
    d.config.pools.forEach((pc, i) => {
      const pool = d.pools[i]!
      if (pc.autoscale) this.#loops.set(pool, new PoolAutoscaler(pool, pc, pc.autoscale, d))
    })
  }

  /** get returns a pool's loop, if it autoscales. */
  get(pool: Pool): PoolAutoscaler | undefined {
    return this.#loops.get(pool)
  }

  /** size is the number of autoscaled pools. */
  get size(): number {
    return this.#loops.size
  }

  /** start starts every loop. */
  async start(): Promise<void> {
    await Promise.all([...this.#loops.values()].map((l) => l.start()))
  }

  /** close stops every loop and its replicas. */
  async close(): Promise<void> {
    await Promise.all([...this.#loops.values()].map((l) => l.close()))
  }

  /** gauges are every autoscaled pool's counts. */
  gauges(): ScalerGauge[] {
    return [...this.#loops.values()].map((l) => l.gauge())
  }

  /** snapshot describes every autoscaled pool. */
  snapshot(): AutoscaleSnapshot[] {
    return [...this.#loops.values()].map((l) => l.snapshot())
  }

  hold(pool: Pool): HoldPolicy | undefined {
    return this.#loops.get(pool)?.hold
  }

  entered(pool: Pool, now: number): void {
    this.#loops.get(pool)?.entered(now)
  }

  released(pool: Pool, waited: number): void {
    this.#loops.get(pool)?.released(waited)
  }

  refused(pool: Pool, reason: 'full' | 'timeout'): void {
    this.#loops.get(pool)?.refused(reason)
  }

  left(pool: Pool, now: number, o: PoolOutcome): void {
    this.#loops.get(pool)?.left(now, o)
  }
}
