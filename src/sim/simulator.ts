/**
 * @module The LLM fleet simulator: a workload on the simulation kernel (kernel.ts) whose events
 * are engine iterations ending and idle instances kicked, deterministic for a seed. An arrival is
 * routed to an instance (or, with a scaler and no replica ready, held by the activator); an
 * iteration's end steps its engine again. P/D handoffs, live migrations and replicas starting and
 * stopping (autoscaler.ts) run on the kernel's timers.
 */
import type { Sequence } from '../engine/sequence.js'
import { Sequence as Seq } from '../engine/sequence.js'
import { resolveKvLink } from '../perf/kv-transfer.js'
import type { EngineHooks } from '../policy/engine-hooks.js'
import { createRouter } from '../policy/registry.js'
import type { Scaler } from '../policy/scaler/types.js'
import type { FleetView, RequestInfo, RoutingPolicy } from '../policy/types.js'
import { blockHashes, shareableTokens } from '../trace/prompt.js'
import type { TraceRequest, TraceSource } from '../trace/types.js'
import { createRng } from '../util/rng.js'
import { Autoscaler } from './autoscaler.js'
import { Disaggregation } from './disaggregation.js'
import { EventKind } from './event-queue.js'
import { describeFleet, type InstancePlan, type KvTransferSpec } from './fleet.js'
import { Kernel, type Workload } from './kernel.js'
import { kvTiersSummary } from './kv-summary.js'
import { MetricsCollector, type Slo } from './metrics.js'
import { Migrations } from './migration.js'
import type { RunDetail, RunSummary } from './result.js'
import { planScaledFleet, type ScaledFleet } from './scaled-fleet.js'
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
  plans: ReadonlyArray<InstancePlan>,
  source: TraceSource,
  opts: SimulationOptions,
): Promise<RunDetail> {
  const kernel = new Kernel()
  const run = new LlmRun(plans, kernel, opts)
  await kernel.run(source, run, opts.onProgress)
  return run.result(source.name)
}

/** LlmRun is one simulation of an LLM fleet, as a kernel workload. */
class LlmRun implements Workload {
  readonly #opts: SimulationOptions
  readonly #kernel: Kernel
  readonly #plans: ReadonlyArray<InstancePlan>
  readonly #metrics: MetricsCollector
  readonly #instances: SimInstance[] = []
  readonly #view: FleetView
  readonly #timeline: TimelineRecorder
  /** Policies read the time here; it moves at arrivals and timers, as policies run there. */
  readonly #ctx: { now: number; rng: () => number; readonly slo: Slo }
  readonly #disagg: Disaggregation | undefined
  readonly #migrations: Migrations | undefined
  readonly #scaling: Autoscaler<Held> | undefined
  /** Arrivals go to the prefill pool in a P/D fleet, else to every instance. */
  readonly #arrivalView: FleetView
  readonly #arrivalMembers: ReadonlyArray<SimInstance>
  /** The time of the event being handled. */
  #clock = 0

  constructor(givenPlans: ReadonlyArray<InstancePlan>, kernel: Kernel, opts: SimulationOptions) {
    this.#opts = opts
    this.#kernel = kernel
    this.#metrics = new MetricsCollector(opts.slo)
    const scaled = opts.scaler ? planScaledFleet(givenPlans) : undefined
    this.#plans = scaled ? scaled.slots : givenPlans
    const listener = this.#listener(
      this.#plans.some((p) => p.role === 'prefill'),
      scaled !== undefined,
    )
    for (const [i, plan] of this.#plans.entries()) {
      this.#instances.push(new SimInstance(i, plan, listener, opts.hooks?.() ?? {}))
    }
    const instances = this.#instances
    this.#view = {
      instances,
      cachedPrefixBlocks: (i, hashes) => instances[i]?.engine.cachedPrefixBlocks(hashes) ?? 0,
    }
    this.#timeline = new TimelineRecorder(instances.length, {
      waiting: () => instances.reduce((s, x) => s + x.engine.numWaiting, 0),
      running: () => instances.reduce((s, x) => s + x.engine.numRunning, 0),
      kvUsage: (k) => instances[k]!.engine.kvUsage,
    })
    this.#ctx = { now: 0, rng: createRng(opts.seed), slo: opts.slo }
    // One link for P/D handoffs and migrations alike (default RDMA, see perf/kv-transfer.ts).
    const t = opts.kvTransfer ?? { link: 'rdma' as const }
    const link = resolveKvLink(t.link, this.#plans[0]!.deployment.gpu, t.bandwidthGbps, t.latencyS)
    this.#disagg = this.#createDisagg(link, scaled !== undefined)
    this.#migrations = this.#createMigrations(link)
    this.#arrivalView = this.#disagg ? this.#disagg.arrivals.view : this.#view
    this.#arrivalMembers = this.#disagg ? this.#disagg.arrivals.members : instances
    this.#scaling = scaled && opts.scaler ? this.#createScaling(scaled, opts.scaler) : undefined
  }

  /** #listener hears the engines: finished and shed requests, and P/D's first tokens. */
  #listener(pd: boolean, scaled: boolean) {
    return {
      onFinish: (seq: Sequence, now: number): void => {
        this.#metrics.finish(seq)
        ;(seq.tag as SimInstance).outstanding--
        this.#scaling?.finished(seq, now)
      },
      // A request the admission policy shed (priority-edf) counts as rejected.
      onShed: (seq: Sequence, now: number): void => {
        this.#metrics.reject()
        ;(seq.tag as SimInstance).outstanding--
        this.#scaling?.refused(seq.tag as SimInstance, now)
      },
      // Only a P/D fleet listens to every token: the default path stays one call per request.
      ...(pd
        ? {
            onToken: scaled
              ? (seq: Sequence, now: number) => {
                  this.#disagg!.onToken(seq)
                  this.#scaling!.firstToken(seq, now)
                }
              : (seq: Sequence) => this.#disagg!.onToken(seq),
          }
        : {}),
    }
  }

  /** #at runs `fn` at `time` on a kernel timer, with the policies' clock moved there. */
  readonly #at = (time: number, fn: (now: number) => void): void => {
    this.#kernel.at(
      time,
      (now) => {
        this.#ctx.now = now
        fn(now)
      },
      EventKind.Transfer,
    )
  }

  /** #kick wakes an idle instance after every arrival of this instant has queued. */
  readonly #kick = (inst: SimInstance, now: number): void => {
    if (!inst.engine.inFlight && !inst.kickPending) {
      inst.kickPending = true
      this.#kernel.schedule(now, EventKind.Kick, inst.id)
    }
  }

  #createDisagg(
    link: ReturnType<typeof resolveKvLink>,
    scaled: boolean,
  ): Disaggregation | undefined {
    if (!this.#plans.some((p) => p.role === 'prefill')) return undefined
    const metrics = this.#metrics
    return new Disaggregation({
      instances: this.#instances,
      link,
      decodeRouter: this.#opts.decodeRouter ?? createRouter(this.#opts.router.name),
      ctx: this.#ctx,
      at: this.#at,
      kick: this.#kick,
      reject: scaled
        ? (seq) => {
            // No decode replica ready: the autoscaler holds it; a failed adopt is refused.
            const inst = seq.tag as SimInstance
            if (inst.plan.role === 'prefill') this.#scaling!.handoffFailed(seq, this.#clock)
            else {
              metrics.reject()
              this.#scaling!.refused(inst, this.#clock)
            }
          }
        : () => metrics.reject(),
    })
  }

  #createMigrations(link: ReturnType<typeof resolveKvLink>): Migrations | undefined {
    const router = this.#opts.router
    if (!router.rebalance) return undefined
    const instances = this.#instances
    return new Migrations({
      pool: this.#disagg ? this.#disagg.decode : { view: this.#view, members: instances },
      router,
      ctx: this.#ctx,
      link,
      at: this.#at,
      kick: this.#kick,
      busy: () => !this.#kernel.sourceDone || instances.some((x) => x.engine.hasWork),
    })
  }

  #createScaling(scaled: ScaledFleet, scaler: Scaler): Autoscaler<Held> {
    const opts = this.#opts
    return new Autoscaler<Held>({
      scaler,
      label: opts.label?.scaler ?? scaler.name,
      fleet: scaled,
      instances: this.#instances,
      slo: opts.slo,
      at: this.#at,
      hooks: () => opts.hooks?.() ?? {},
      release: (h, now) => {
        this.#ctx.now = now
        this.#route(h.r, h.hashes, now)
      },
      handoff: (seq, src, now) => {
        this.#ctx.now = now
        this.#disagg!.handoff(seq, src, now)
      },
      reject: () => this.#metrics.reject(),
      sourceDone: () => this.#kernel.sourceDone,
    })
  }

  before(now: number): void {
    this.#clock = now
    this.#timeline.advance(now)
  }

  arrive(r: TraceRequest, now: number): void {
    this.#timeline.arrival()
    this.#metrics.arrival(now)
    const hashes = blockHashes(r.segments, ROUTER_BLOCK_SIZE)
    this.#ctx.now = now
    this.#migrations?.start(now)
    // No replica ready in the arrival pool: the activator holds the request (or refuses it).
    if (this.#scaling?.arrive(now)) this.#scaling.hold({ r, hashes }, now)
    else this.#route(r, hashes, now)
  }

  onEvent(kind: EventKind, i: number, _seq: number, now: number): boolean {
    const inst = this.#instances[i]!
    if (kind === EventKind.StepDone) {
      inst.engine.complete(now)
      this.#disagg?.afterComplete(inst, now)
      const c = inst.engine.counters
      const gen = c.generationTokens - inst.lastGenerated
      const computed = c.computedTokens - inst.lastComputed
      this.#timeline.tokens(computed - gen, gen)
      inst.lastGenerated = c.generationTokens
      inst.lastComputed = c.computedTokens
      this.#tryStep(inst, now)
      this.#scaling?.afterStep(inst, now, gen)
    } else {
      inst.kickPending = false
      if (!inst.engine.inFlight) this.#tryStep(inst, now)
    }
    return true
  }

  #tryStep(inst: SimInstance, now: number): void {
    const dt = inst.engine.step(now)
    if (dt > 0) this.#kernel.schedule(now + dt, EventKind.StepDone, inst.id)
  }

  /** #route sends an arrival (at `now`, later than its arrival when it was held) to an instance. */
  #route(r: TraceRequest, hashes: Held['hashes'], now: number): void {
    const info: RequestInfo = {
      id: r.id,
      model: this.#plans[0]?.deployment.model.id ?? '',
      inputTokens: r.inputTokens,
      blockHashes: hashes,
      ...(r.tenant !== undefined ? { tenant: r.tenant } : {}),
    }
    const pick = this.#opts.router.pick(info, this.#arrivalView, this.#ctx)
    const inst = pick === undefined ? undefined : this.#arrivalMembers[pick]
    if (!inst) {
      this.#metrics.reject()
      this.#scaling?.refused(undefined, now)
      return
    }
    const seq = newSequence(r, hashes, inst.plan.engine.blockSize)
    seq.tag = inst
    if (inst.engine.add(seq, now) !== undefined) {
      this.#metrics.reject()
      this.#scaling?.refused(inst, now)
      return
    }
    inst.outstanding++
    this.#kick(inst, now)
  }

  /** result builds the run's summary and series once the kernel is done. */
  result(trace: string): RunDetail {
    const plans = this.#plans
    const { fields, cdf } = this.#metrics.build()
    return {
      summary: this.#summary(trace, fields),
      cdf,
      timeline: this.#timeline.finish(),
      instances: plans.map((p) => ({
        name: p.name,
        group: p.group,
        gpu: p.deployment.gpu.id,
        model: p.deployment.model.id,
        tp: p.deployment.tp,
      })),
      ...(this.#scaling ? { scaling: this.#scaling.series() } : {}),
    }
  }

  #summary(trace: string, fields: ReturnType<MetricsCollector['build']>['fields']): RunSummary {
    const opts = this.#opts
    const scaling = this.#scaling
    const kernel = this.#kernel
    const fleet = fleetTotals(this.#instances)
    const hours = fields.makespan_s / 3600
    // An autoscaled fleet is billed replica by replica, from its start to its stop.
    const end = this.#metrics.lastEvent
    const kvTiers = kvTiersSummary(
      this.#instances.map((x) => x.engine.kvTiers),
      fleet.hits,
      fleet.queries,
    )
    const router = opts.router.name
    return {
      router,
      policy: opts.label?.policy ?? (opts.scaler ? `${router}+${opts.scaler.name}` : router),
      admission: opts.label?.admission ?? 'fcfs',
      kv: opts.label?.kv ?? 'lru',
      trace,
      ...fields,
      prefix_hit_rate: fleet.queries > 0 ? fleet.hits / fleet.queries : 0,
      gpu_hours: scaling ? scaling.gpuHours(end) : fleet.gpus * hours,
      cost_usd: scaling ? scaling.costUsd(end) : fleet.dollarsPerHour * hours,
      sim_wall_s: kernel.wallSeconds,
      sim_events: kernel.events,
      seed: opts.seed,
      fleet: describeFleet(this.#plans),
      gpus: fleet.gpus,
      preemptions: fleet.preemptions,
      ...(kvTiers ? { kv_tiers: kvTiers } : {}),
      ...(this.#migrations ? { migrations: migrationSummary(this.#migrations) } : {}),
      ...(scaling ? { scaling: scaling.summary(end) } : {}),
      ...(this.#disagg ? { kv_transfer: transferSummary(this.#disagg) } : {}),
    }
  }
}

/** newSequence turns a trace request into an engine request for blocks of `bs` tokens. */
function newSequence(r: TraceRequest, hashes: Held['hashes'], bs: number): Seq {
  return new Seq({
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
}

/** fleetTotals sums the instances' prefix-cache and preemption counters, GPUs and prices. */
function fleetTotals(instances: ReadonlyArray<SimInstance>) {
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
  return { hits, queries, preemptions, gpus, dollarsPerHour }
}

function migrationSummary(m: Migrations): NonNullable<RunSummary['migrations']> {
  const s = m.stats
  return {
    done: s.done,
    aborted: s.aborted,
    gb: s.bytes / 1e9,
    mean_downtime_ms: s.done > 0 ? (s.downtimeSeconds / s.done) * 1000 : 0,
  }
}

function transferSummary(d: Disaggregation): NonNullable<RunSummary['kv_transfer']> {
  const s = d.stats
  return {
    count: s.count,
    gb: s.bytes / 1e9,
    mean_ms: s.count > 0 ? (s.seconds / s.count) * 1000 : 0,
  }
}
