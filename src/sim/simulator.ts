/**
 * @module The discrete-event simulator: one loop over trace arrivals (streamed, already in time
 * order) and per-instance iteration completions (a small heap), deterministic for a seed.
 */
import { performance } from 'node:perf_hooks'
import type { EngineHooks } from '../engine/hooks.js'
import type { Sequence } from '../engine/sequence.js'
import { Sequence as Seq } from '../engine/sequence.js'
import type { FleetView, PolicyContext, RequestInfo, RoutingPolicy } from '../policy/types.js'
import { blockHashes, shareableTokens } from '../trace/prompt.js'
import type { TraceRequest, TraceSource } from '../trace/types.js'
import { createRng } from '../util/rng.js'
import { EventKind, EventQueue } from './event-queue.js'
import { describeFleet, type InstancePlan } from './fleet.js'
import { MetricsCollector, type Slo } from './metrics.js'
import type { RunDetail, RunSummary } from './result.js'
import { SimInstance } from './sim-instance.js'
import { TimelineRecorder } from './timeline.js'

/** SimulationOptions configure one run. */
export interface SimulationOptions {
  readonly seed: number
  readonly slo: Slo
  readonly router: RoutingPolicy
  /** Builds each engine's own admission and KV policies (default: vLLM's FCFS and LRU). */
  readonly hooks?: () => EngineHooks
  /** The run's label and policy names for the summary (default: the router's name, fcfs, lru). */
  readonly label?: { readonly policy: string; readonly admission: string; readonly kv: string }
  /** Called every few thousand arrivals with the count so far and the simulated time. */
  readonly onProgress?: (arrivals: number, simTime: number) => void
}

/** ROUTER_BLOCK_SIZE is the block size of the hashes routers see (vLLM's default). */
const ROUTER_BLOCK_SIZE = 16

/** simulate replays `source` through a fleet of `plans` and returns the run's detail. */
export async function simulate(
  plans: ReadonlyArray<InstancePlan>,
  source: TraceSource,
  opts: SimulationOptions,
): Promise<RunDetail> {
  const wallStart = performance.now()
  const metrics = new MetricsCollector(opts.slo)
  const queue = new EventQueue()
  const router = opts.router

  const instances: SimInstance[] = []
  const listener = {
    onFinish(seq: Sequence): void {
      metrics.finish(seq)
      ;(seq.tag as SimInstance).outstanding--
    },
  }
  for (const [i, plan] of plans.entries()) {
    instances.push(new SimInstance(i, plan, listener, opts.hooks?.() ?? {}))
  }
  const view: FleetView = {
    instances,
    cachedPrefixBlocks: (i, hashes) => instances[i]?.engine.cachedPrefixBlocks(hashes) ?? 0,
  }
  const timeline = new TimelineRecorder(instances.length, {
    waiting: () => instances.reduce((s, x) => s + x.engine.numWaiting, 0),
    running: () => instances.reduce((s, x) => s + x.engine.numRunning, 0),
    kvUsage: (k) => instances[k]!.engine.kvUsage,
  })
  const ctx: { now: number; rng: () => number } = { now: 0, rng: createRng(opts.seed) }
  const policyCtx: PolicyContext = ctx
  let events = 0
  let arrivals = 0

  const tryStep = (inst: SimInstance, now: number): void => {
    const dt = inst.engine.step(now)
    if (dt > 0) queue.push(now + dt, EventKind.StepDone, inst.id)
  }

  const handle = (kind: number, i: number, now: number): void => {
    events++
    timeline.advance(now)
    const inst = instances[i]!
    if (kind === EventKind.StepDone) {
      inst.engine.complete(now)
      const c = inst.engine.counters
      const gen = c.generationTokens - inst.lastGenerated
      const computed = c.computedTokens - inst.lastComputed
      timeline.tokens(computed - gen, gen)
      inst.lastGenerated = c.generationTokens
      inst.lastComputed = c.computedTokens
      tryStep(inst, now)
    } else {
      inst.kickPending = false
      if (!inst.engine.inFlight) tryStep(inst, now)
    }
  }

  const arrive = (r: TraceRequest): void => {
    events++
    arrivals++
    const now = r.arrival
    timeline.advance(now)
    timeline.arrival()
    metrics.arrival(now)
    const hashes = blockHashes(r.segments, ROUTER_BLOCK_SIZE)
    const info: RequestInfo = {
      id: r.id,
      model: plans[0]?.deployment.model.id ?? '',
      inputTokens: r.inputTokens,
      blockHashes: hashes,
      ...(r.tenant !== undefined ? { tenant: r.tenant } : {}),
    }
    ctx.now = now
    const pick = router.pick(info, view, policyCtx)
    const inst = pick === undefined ? undefined : instances[pick]
    if (!inst) {
      metrics.reject()
      return
    }
    const bs = inst.plan.engine.blockSize
    const seq = new Seq({
      id: r.id,
      arrival: now,
      // Every request computes at least one prompt token and samples at least one output token.
      promptTokens: Math.max(1, r.inputTokens),
      outputTokens: Math.max(1, r.outputTokens),
      blockHashes: bs === ROUTER_BLOCK_SIZE ? hashes : blockHashes(r.segments, bs),
      shareableBlocks: Math.floor(shareableTokens(r.segments) / bs),
    })
    seq.tag = inst
    if (inst.engine.add(seq) !== undefined) {
      metrics.reject()
      return
    }
    inst.outstanding++
    if (!inst.engine.inFlight && !inst.kickPending) {
      inst.kickPending = true
      queue.push(now, EventKind.Kick, inst.id)
    }
  }

  for await (const chunk of source.chunks()) {
    for (const r of chunk) {
      const t = r.arrival
      for (;;) {
        const top = queue.peek()
        if (!top || top.time > t || (top.time === t && top.kind > EventKind.Arrival)) break
        queue.pop()
        handle(top.kind, top.instance, top.time)
      }
      arrive(r)
    }
    opts.onProgress?.(arrivals, ctx.now)
  }
  for (let e = queue.pop(); e; e = queue.pop()) handle(e.kind, e.instance, e.time)

  const { fields, cdf } = metrics.build()
  let hits = 0
  let queries = 0
  let preemptions = 0
  let gpus = 0
  let dollarsPerHour = 0
  for (const inst of instances) {
    const c = inst.engine.counters
    hits += c.prefixHits
    queries += c.prefixQueries
    preemptions += c.preemptions
    gpus += inst.plan.deployment.tp
    dollarsPerHour += inst.plan.deployment.tp * inst.plan.pricePerGpuHour
  }
  const hours = fields.makespan_s / 3600
  const summary: RunSummary = {
    router: router.name,
    policy: opts.label?.policy ?? router.name,
    admission: opts.label?.admission ?? 'fcfs',
    kv: opts.label?.kv ?? 'lru',
    trace: source.name,
    ...fields,
    prefix_hit_rate: queries > 0 ? hits / queries : 0,
    gpu_hours: gpus * hours,
    cost_usd: dollarsPerHour * hours,
    sim_wall_s: (performance.now() - wallStart) / 1000,
    sim_events: events,
    seed: opts.seed,
    fleet: describeFleet(plans),
    gpus,
    preemptions,
  }
  return {
    summary,
    cdf,
    timeline: timeline.finish(),
    instances: plans.map((p) => ({
      name: p.name,
      group: p.group,
      gpu: p.deployment.gpu.id,
      model: p.deployment.model.id,
      tp: p.deployment.tp,
    })),
  }
}
