/**
 * @module The discrete-event simulator: one loop over trace arrivals (streamed, already in time
 * order) and per-instance iteration completions (a small heap), deterministic for a seed. With a
 * scaler, replicas start and stop as it decides (autoscaler.ts).
 */
import { performance } from 'node:perf_hooks'
import type { Sequence } from '../engine/sequence.js'
import { Sequence as Seq } from '../engine/sequence.js'
import { resolveKvLink } from '../perf/kv-transfer.js'
import type { EngineHooks } from '../policy/engine-hooks.js'
import { createRouter } from '../policy/registry.js'
import type { Scaler } from '../policy/scaler/types.js'
import type { FleetView, PolicyContext, RequestInfo, RoutingPolicy } from '../policy/types.js'
import { blockHashes, shareableTokens } from '../trace/prompt.js'
import type { TraceRequest, TraceSource } from '../trace/types.js'
import { createRng } from '../util/rng.js'
import { Autoscaler } from './autoscaler.js'
import { Disaggregation } from './disaggregation.js'
import { EventKind, EventQueue, type SimEvent } from './event-queue.js'
import { describeFleet, type InstancePlan, type KvTransferSpec } from './fleet.js'
import { kvTiersSummary } from './kv-summary.js'
import { MetricsCollector, type Slo } from './metrics.js'
import { Migrations } from './migration.js'
import type { RunDetail, RunSummary } from './result.js'
import { planScaledFleet } from './scaled-fleet.js'
import { SimInstance } from './sim-instance.js'
import { TimelineRecorder } from './timeline.js'

/** SimulationOptions configure one run. */
export interface SimulationOptions {
  readonly seed: number
  readonly slo: Slo
  readonly router: RoutingPolicy
  /** Picks decode instances in a P/D fleet (default: a fresh router of the same name). */
  readonly decodeRouter?: RoutingPolicy
  /** How KV moves between instances (default: RDMA, see perf/kv-transfer.ts). */
  readonly kvTransfer?: KvTransferSpec
  /** Builds each engine's own admission and KV policies (default: vLLM's FCFS and LRU). */
  readonly hooks?: () => EngineHooks
  /**
   * Scales the fleet (one mixed group, or one prefill and one decode group) between each group's
   * `autoscale` bounds; absent: every planned instance serves throughout.
   */
  readonly scaler?: Scaler
  /** The run's label and policy names for the summary (default: the router's name, fcfs, lru). */
  readonly label?: {
    readonly policy: string
    readonly admission: string
    readonly kv: string
    /** The scaler's spec (default: its name). */
    readonly scaler?: string
  }
  /** Called every few thousand arrivals with the count so far and the simulated time. */
  readonly onProgress?: (arrivals: number, simTime: number) => void
}

/** ROUTER_BLOCK_SIZE is the block size of the hashes routers see (vLLM's default). */
const ROUTER_BLOCK_SIZE = 16

/** Held is an arrival waiting in the activator for a replica. */
interface Held {
  readonly r: TraceRequest
  readonly hashes: ReturnType<typeof blockHashes>
}

/**
 * simulate replays `source` through a fleet of `plans` and returns the run's detail. With
 * `opts.scaler`, each group's instances are the slots its replicas start in.
 */
export async function simulate(
  givenPlans: ReadonlyArray<InstancePlan>,
  source: TraceSource,
  opts: SimulationOptions,
): Promise<RunDetail> {
  const wallStart = performance.now()
  const metrics = new MetricsCollector(opts.slo)
  const queue = new EventQueue()
  const router = opts.router
  const scaled = opts.scaler ? planScaledFleet(givenPlans) : undefined
  const plans = scaled ? scaled.slots : givenPlans

  const instances: SimInstance[] = []
  const pd = plans.some((p) => p.role === 'prefill')
  let disagg: Disaggregation | undefined
  let scaling: Autoscaler<Held> | undefined
  const listener = {
    onFinish(seq: Sequence, now: number): void {
      metrics.finish(seq)
      ;(seq.tag as SimInstance).outstanding--
      scaling?.finished(seq, now)
    },
    // A request the admission policy shed (priority-edf) counts as rejected.
    onShed(seq: Sequence, now: number): void {
      metrics.reject()
      ;(seq.tag as SimInstance).outstanding--
      scaling?.refused(seq.tag as SimInstance, now)
    },
    // Only a P/D fleet listens to every token: the default path stays one call per request.
    ...(pd
      ? {
          onToken: scaled
            ? (seq: Sequence, now: number) => {
                disagg!.onToken(seq)
                scaling!.firstToken(seq, now)
              }
            : (seq: Sequence) => disagg!.onToken(seq),
        }
      : {}),
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
  const ctx: { now: number; rng: () => number; readonly slo: Slo } = {
    now: 0,
    rng: createRng(opts.seed),
    slo: opts.slo,
  }
  const policyCtx: PolicyContext = ctx
  let events = 0
  let arrivals = 0
  /** The time of the event being handled (ctx.now moves only where policies run). */
  let clock = 0
  /** Actions of pending Transfer events, by event sequence number. */
  const transfers = new Map<number, (now: number) => void>()
  const at = (time: number, fn: (now: number) => void): void => {
    transfers.set(queue.push(time, EventKind.Transfer, -1).seq, fn)
  }
  const kick = (inst: SimInstance, now: number): void => {
    if (!inst.engine.inFlight && !inst.kickPending) {
      inst.kickPending = true
      queue.push(now, EventKind.Kick, inst.id)
    }
  }
  // One link for P/D handoffs and migrations alike (default RDMA, see perf/kv-transfer.ts).
  const t = opts.kvTransfer ?? { link: 'rdma' as const }
  const link = resolveKvLink(t.link, plans[0]!.deployment.gpu, t.bandwidthGbps, t.latencyS)
  if (pd) {
    disagg = new Disaggregation({
      instances,
      link,
      decodeRouter: opts.decodeRouter ?? createRouter(router.name),
      ctx: policyCtx,
      at,
      kick,
      reject: scaled
        ? (seq) => {
            // No decode replica ready: the autoscaler holds it; a failed adopt is refused.
            if ((seq.tag as SimInstance).plan.role === 'prefill') scaling!.handoffFailed(seq, clock)
            else {
              metrics.reject()
              scaling!.refused(seq.tag as SimInstance, clock)
            }
          }
        : () => metrics.reject(),
    })
  }
  let sourceDone = false
  const migrations = router.rebalance
    ? new Migrations({
        pool: disagg ? disagg.decode : { view, members: instances },
        router,
        ctx: policyCtx,
        link,
        at,
        kick,
        busy: () => !sourceDone || instances.some((x) => x.engine.hasWork),
      })
    : undefined
  // Arrivals go to the prefill pool in a P/D fleet, else to every instance.
  const arrivalView = disagg ? disagg.arrivals.view : view
  const arrivalMembers: ReadonlyArray<SimInstance> = disagg ? disagg.arrivals.members : instances

  /** route sends an arrival (at `now`, later than its arrival when it was held) to an instance. */
  const route = (r: TraceRequest, hashes: Held['hashes'], now: number): void => {
    const info: RequestInfo = {
      id: r.id,
      model: plans[0]?.deployment.model.id ?? '',
      inputTokens: r.inputTokens,
      blockHashes: hashes,
      ...(r.tenant !== undefined ? { tenant: r.tenant } : {}),
    }
    const pick = router.pick(info, arrivalView, policyCtx)
    const inst = pick === undefined ? undefined : arrivalMembers[pick]
    if (!inst) {
      metrics.reject()
      scaling?.refused(undefined, now)
      return
    }
    const bs = inst.plan.engine.blockSize
    const seq = new Seq({
      id: r.id,
      arrival: r.arrival,
      // Every request computes at least one prompt token and samples at least one output token.
      promptTokens: Math.max(1, r.inputTokens),
      outputTokens: Math.max(1, r.outputTokens),
      blockHashes: bs === ROUTER_BLOCK_SIZE ? hashes : blockHashes(r.segments, bs),
      shareableBlocks: Math.floor(shareableTokens(r.segments) / bs),
      session: r.session,
      turn: r.turn,
      priority: r.priority,
      tenant: r.tenant,
    })
    seq.tag = inst
    if (inst.engine.add(seq, now) !== undefined) {
      metrics.reject()
      scaling?.refused(inst, now)
      return
    }
    inst.outstanding++
    kick(inst, now)
  }

  if (opts.scaler && scaled) {
    scaling = new Autoscaler<Held>({
      scaler: opts.scaler,
      label: opts.label?.scaler ?? opts.scaler.name,
      fleet: scaled,
      instances,
      slo: opts.slo,
      at,
      hooks: () => opts.hooks?.() ?? {},
      release: (h, now) => {
        ctx.now = now
        route(h.r, h.hashes, now)
      },
      handoff: (seq, src, now) => {
        ctx.now = now
        disagg!.handoff(seq, src, now)
      },
      reject: () => metrics.reject(),
      sourceDone: () => sourceDone,
    })
  }

  const tryStep = (inst: SimInstance, now: number): void => {
    const dt = inst.engine.step(now)
    if (dt > 0) queue.push(now + dt, EventKind.StepDone, inst.id)
  }

  const handle = (kind: number, i: number, now: number, eventSeq: number): void => {
    events++
    clock = now
    timeline.advance(now)
    if (kind === EventKind.Transfer) {
      const fn = transfers.get(eventSeq)!
      transfers.delete(eventSeq)
      ctx.now = now
      fn(now)
      return
    }
    const inst = instances[i]!
    if (kind === EventKind.StepDone) {
      inst.engine.complete(now)
      disagg?.afterComplete(inst, now)
      const c = inst.engine.counters
      const gen = c.generationTokens - inst.lastGenerated
      const computed = c.computedTokens - inst.lastComputed
      timeline.tokens(computed - gen, gen)
      inst.lastGenerated = c.generationTokens
      inst.lastComputed = c.computedTokens
      tryStep(inst, now)
      scaling?.afterStep(inst, now, gen)
    } else {
      inst.kickPending = false
      if (!inst.engine.inFlight) tryStep(inst, now)
    }
  }

  const arrive = (r: TraceRequest): void => {
    events++
    arrivals++
    const now = r.arrival
    clock = now
    timeline.advance(now)
    timeline.arrival()
    metrics.arrival(now)
    const hashes = blockHashes(r.segments, ROUTER_BLOCK_SIZE)
    ctx.now = now
    migrations?.start(now)
    // No replica ready in the arrival pool: the activator holds the request (or refuses it).
    if (scaling?.arrive(now)) scaling.hold({ r, hashes }, now)
    else route(r, hashes, now)
  }

  const onEvent = (e: SimEvent): void => handle(e.kind, e.instance, e.time, e.seq)
  for await (const chunk of source.chunks()) {
    for (const r of chunk) {
      queue.runBefore(r.arrival, onEvent)
      arrive(r)
    }
    opts.onProgress?.(arrivals, ctx.now)
  }
  sourceDone = true
  queue.drain(onEvent)

  const { fields, cdf } = metrics.build()
  let hits = 0
  let queries = 0
  let preemptions = 0
  let gpus = 0
  let dollarsPerHour = 0
  for (const inst of instances) {
    const c = inst.totals
    hits += c.prefixHits
    queries += c.prefixQueries
    preemptions += c.preemptions
    gpus += inst.plan.deployment.tp
    dollarsPerHour += inst.plan.deployment.tp * inst.plan.pricePerGpuHour
  }
  const hours = fields.makespan_s / 3600
  // An autoscaled fleet is billed replica by replica, from its start to its stop.
  const end = metrics.lastEvent
  const kvTiers = kvTiersSummary(
    instances.map((x) => x.engine.kvTiers),
    hits,
    queries,
  )
  const summary: RunSummary = {
    router: router.name,
    policy:
      opts.label?.policy ?? (opts.scaler ? `${router.name}+${opts.scaler.name}` : router.name),
    admission: opts.label?.admission ?? 'fcfs',
    kv: opts.label?.kv ?? 'lru',
    trace: source.name,
    ...fields,
    prefix_hit_rate: queries > 0 ? hits / queries : 0,
    gpu_hours: scaling ? scaling.gpuHours(end) : gpus * hours,
    cost_usd: scaling ? scaling.costUsd(end) : dollarsPerHour * hours,
    sim_wall_s: (performance.now() - wallStart) / 1000,
    sim_events: events,
    seed: opts.seed,
    fleet: describeFleet(plans),
    gpus,
    preemptions,
    ...(kvTiers ? { kv_tiers: kvTiers } : {}),
    ...(migrations
      ? {
          migrations: {
            done: migrations.stats.done,
            aborted: migrations.stats.aborted,
            gb: migrations.stats.bytes / 1e9,
            mean_downtime_ms:
              migrations.stats.done > 0
                ? (migrations.stats.downtimeSeconds / migrations.stats.done) * 1000
                : 0,
          },
        }
      : {}),
    ...(scaling ? { scaling: scaling.summary(end) } : {}),
    ...(disagg
      ? {
          kv_transfer: {
            count: disagg.stats.count,
            gb: disagg.stats.bytes / 1e9,
            mean_ms:
              disagg.stats.count > 0 ? (disagg.stats.seconds / disagg.stats.count) * 1000 : 0,
          },
        }
      : {}),
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
    ...(scaling ? { scaling: scaling.series() } : {}),
  }
}
