/**
 * @module One simulated instance: an engine plus the router-side accounting, exposed to policies
 * as a live, read-only `InstanceView` (getters over engine state, so routing a request allocates
 * nothing per instance).
 */
import { Engine, type EngineCounters, type EngineListener } from '../engine/engine.js'
import { createInstancePerf } from '../perf/instance-perf.js'
import { createIterationModel, type IterationModel } from '../perf/iteration.js'
import type { EngineHooks } from '../policy/engine-hooks.js'
import type { InstancePerf, InstanceView } from '../policy/types.js'
import type { InstancePlan } from './fleet.js'

/** SimInstance is an engine with its routing state. */
export class SimInstance implements InstanceView {
  readonly id: number
  readonly name: string
  readonly group: string
  readonly model: string
  readonly plan: InstancePlan
  /** The running engine; an autoscaled replica gets a fresh one at every restart. */
  engine: Engine
  /** The latency model the engine itself runs on, so routers predict with the simulated truth. */
  readonly perf: InstancePerf
  ready = true
  draining = false
  /** Requests routed here and not finished. */
  outstanding = 0
  /** A Kick event is queued for this instance. */
  kickPending = false
  /** Counter values at the last timeline update, for per-bucket deltas. */
  lastGenerated = 0
  lastComputed = 0
  readonly #model: IterationModel
  readonly #listener: EngineListener
  /** Prefix-cache and preemption totals of the engines this instance ran before its current one. */
  readonly #retired = { prefixHits: 0, prefixQueries: 0, preemptions: 0 }

  constructor(id: number, plan: InstancePlan, listener: EngineListener, hooks: EngineHooks = {}) {
    this.id = id
    this.name = plan.name
    this.group = plan.group
    this.model = plan.deployment.model.id
    this.plan = plan
    this.#model = createIterationModel(plan.deployment)
    this.#listener = listener
    this.engine = new Engine(plan.engine, this.#model, plan.numBlocks, listener, hooks)
    this.perf = createInstancePerf(this.#model, plan.engine)
  }

  /**
   * restart replaces the engine with a fresh one (an empty KV cache: a new process on a new
   * node), keeping the old one's counters in `totals`. Only an idle instance may restart.
   */
  restart(hooks: EngineHooks = {}): void {
    if (this.engine.hasWork || this.engine.inFlight) throw new Error('restart() of a busy instance')
    const c = this.engine.counters
    this.#retired.prefixHits += c.prefixHits
    this.#retired.prefixQueries += c.prefixQueries
    this.#retired.preemptions += c.preemptions
    this.engine = new Engine(
      this.plan.engine,
      this.#model,
      this.plan.numBlocks,
      this.#listener,
      hooks,
    )
    this.lastGenerated = 0
    this.lastComputed = 0
  }

  /** totals are the prefix-cache and preemption counters over every engine this instance ran. */
  get totals(): Pick<EngineCounters, 'prefixHits' | 'prefixQueries' | 'preemptions'> {
    const c = this.engine.counters
    const r = this.#retired
    return {
      prefixHits: r.prefixHits + c.prefixHits,
      prefixQueries: r.prefixQueries + c.prefixQueries,
      preemptions: r.preemptions + c.preemptions,
    }
  }

  get running(): number {
    return this.engine.numRunning
  }
  get waiting(): number {
    return this.engine.numWaiting
  }
  get kvUsage(): number {
    return this.engine.kvUsage
  }
  get kvBlocks(): number {
    return this.engine.pool.numBlocks
  }
  get pendingPrefillTokens(): number {
    return this.engine.pendingPrefillTokens
  }
}
