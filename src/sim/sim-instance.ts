/**
 * @module One simulated instance: an engine plus the router-side accounting, exposed to policies
 * as a live, read-only `InstanceView` (getters over engine state, so routing a request allocates
 * nothing per instance).
 */
import { Engine, type EngineListener } from '../engine/engine.js'
import type { EngineHooks } from '../engine/hooks.js'
import { createInstancePerf } from '../perf/instance-perf.js'
import { createIterationModel } from '../perf/iteration.js'
import type { InstancePerf, InstanceView } from '../policy/types.js'
import type { InstancePlan } from './fleet.js'

/** SimInstance is an engine with its routing state. */
export class SimInstance implements InstanceView {
  readonly id: number
  readonly name: string
  readonly group: string
  readonly model: string
  readonly plan: InstancePlan
  readonly engine: Engine
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

  constructor(id: number, plan: InstancePlan, listener: EngineListener, hooks: EngineHooks = {}) {
    this.id = id
    this.name = plan.name
    this.group = plan.group
    this.model = plan.deployment.model.id
    this.plan = plan
    const model = createIterationModel(plan.deployment)
    this.engine = new Engine(plan.engine, model, plan.numBlocks, listener, hooks)
    this.perf = createInstancePerf(model, plan.engine)
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
