/**
 * @module The function simulator: a discrete-event replay of a serverless function trace
 * (image generation jobs with measured execution times) through one autoscaled service, or one
 * per function, with cold starts, an activator, processor-sharing replicas and GPU billing. It is
 * a workload on the same simulation kernel as the LLM simulator (../kernel.ts).
 */
import { type GpuSpec, gpus } from '../../catalog/gpus.js'
import { createRouter } from '../../policy/registry.js'
import type { Scaler } from '../../policy/scaler/types.js'
import { ReplicaLedger } from '../../scaling/ledger.js'
import type { TraceRequest, TraceSource } from '../../trace/types.js'
import { UsageError } from '../../util/errors.js'
import { createRng } from '../../util/rng.js'
import { cdfPoints, GrowableF64, summarize } from '../../util/stats.js'
import { EventKind } from '../event-queue.js'
import { Kernel, type TimerKind, type Workload } from '../kernel.js'
import { TimelineRecorder } from '../timeline.js'
import {
  DEFAULT_ACTIVATOR_CAPACITY,
  DEFAULT_CONTAINER_CONCURRENCY,
  DEFAULT_FUNCTION_COLD_START,
  DEFAULT_FUNCTION_GPU,
  DEFAULT_MAX_REPLICAS,
  DEFAULT_SLO_WAIT_SECONDS,
  type FunctionColdStart,
  functionColdStartSeconds,
} from './defaults.js'
import type { FnRequest, Replica } from './replica.js'
import type { FunctionRunDetail, FunctionRunSummary } from './result.js'
import { FunctionService, type ServiceConfig, type ServiceHost } from './service.js'

/** FunctionKey says how requests map to services: one for the trace, or one per function id. */
export type FunctionKey = 'none' | 'model'

/** FUNCTION_KEYS are the values of --function-key. */
export const FUNCTION_KEYS: ReadonlyArray<FunctionKey> = ['none', 'model']

/** FunctionScaler names a scaler and builds a fresh instance (its own state) per service. */
export interface FunctionScaler {
  /** The spec as the user gave it, for reports ("kpa", "kpa:util=0.5"). */
  readonly label: string
  readonly create: () => Scaler
}

/** FunctionSimOptions configure one run; every field but `seed` has a default. */
export interface FunctionSimOptions {
  readonly seed: number
  /** The scaler; absent: a fixed fleet of `instances` replicas per service. */
  readonly scaler?: FunctionScaler
  /** Fixed replicas per service without a scaler (default 1). */
  readonly instances?: number
  /** Autoscaling bounds per service (defaults: 0, DEFAULT_MAX_REPLICAS, 1 as Knative's). */
  readonly minReplicas?: number
  readonly maxReplicas?: number
  readonly initialReplicas?: number
  /** Jobs one replica runs at once; more wait in its queue (default 1). */
  readonly containerConcurrency?: number
  /** The replica's GPU (default l40s-48g) and its price (default: the catalog's). */
  readonly gpu?: GpuSpec
  readonly pricePerGpuHour?: number
  readonly coldStart?: Partial<FunctionColdStart>
  /**
   * Bytes of one LoRA adapter, loaded from storage before a request that uses adapters runs
   * (adapters × bytes / bandwidth added to its work). Default 0: on Alibaba's text-to-image
   * platform LoRAs are loaded and patched per request inside its serving workflow, where that load
   * shows up as serving latency (SwiftDiffusion, arXiv 2407.02031, which characterises it), so the
   * trace's exec_time_seconds is taken to contain it already.
   */
  readonly adapterBytes?: number
  /** Requests the activator holds before refusing more (default 10,000, Knative's). */
  readonly activatorCapacity?: number
  /**
   * Knative's target-burst-capacity (default 0: the activator is in the path only while no
   * replica is ready, and requests beyond a replica's slots queue at that replica; −1: always in
   * the path, one FIFO in front of every slot; Knative's own default is 200).
   */
  readonly targetBurstCapacity?: number
  /** Wait SLO, seconds from arrival to the start of execution (default 5). */
  readonly sloWaitSeconds?: number
  /**
   * One service for the trace ('none', default) or one per function id ('model'). A function's
   * service is deployed at its first request (its initial replicas billed from then on).
   */
  readonly functionKey?: FunctionKey
  /** Called after every chunk of arrivals with the count so far and the simulated time. */
  readonly onProgress?: (arrivals: number, simTime: number) => void
}

/** ROUTER is the router each service uses, the registered one the LLM fleets use by default. */
const ROUTER = 'least-outstanding'

/** SINGLE_SERVICE names the service when the whole trace is one function. */
const SINGLE_SERVICE = 'fn'

/**
 * simulateFunctions replays a function trace (every request has `serviceSeconds`) and returns
 * the run's summary and series. The run ends at the last completion; billing stops there.
 * Throws UsageError for bad options or a request without a service time.
 */
export async function simulateFunctions(
  source: TraceSource,
  options: FunctionSimOptions,
): Promise<FunctionRunDetail> {
  const o = resolve(options)
  const kernel = new Kernel()
  const run = new FunctionRun(o, kernel, options.seed, source.name)
  await kernel.run(source, run, options.onProgress)
  return run.result(source.name)
}

/**
 * FunctionRun is one simulation of serverless function services, as a kernel workload: its events
 * are replicas' job completions; cold starts, scaler ticks and backlog dispatches are timers.
 */
class FunctionRun implements Workload, ServiceHost {
  readonly ctx: { now: number; rng: () => number }
  readonly ledger = new ReplicaLedger()
  readonly #o: Resolved
  readonly #kernel: Kernel
  readonly #trace: string
  readonly #seed: number
  readonly #coldStartSeconds: number
  readonly #bandwidth: number
  readonly #replicas: Replica[] = []
  readonly #owners: FunctionService[] = []
  /** Each replica slot's index in `replicas`, the target of its completion events. */
  readonly #keys = new Map<Replica, number>()
  readonly #services = new Map<string, FunctionService>()
  readonly #wait = new GrowableF64(4096)
  readonly #service = new GrowableF64(4096)
  readonly #e2e = new GrowableF64(4096)
  readonly #timeline: TimelineRecorder
  #met = 0
  #rejected = 0
  #inFlight = 0
  #first = Number.NaN
  #last = 0
  #desired = 0

  constructor(o: Resolved, kernel: Kernel, seed: number, trace: string) {
    this.#o = o
    this.#kernel = kernel
    this.#seed = seed
    this.#trace = trace
    this.ctx = { now: 0, rng: createRng(seed) }
    this.#coldStartSeconds = functionColdStartSeconds(o.coldStart, o.gpu)
    this.#bandwidth = Math.min(o.coldStart.storageBandwidth, o.gpu.pcieBandwidth)
    const services = this.#services
    this.#timeline = new TimelineRecorder(0, {
      waiting: () => sum(services, (s) => s.held + s.queued),
      running: () => sum(services, (s) => s.running),
      kvUsage: () => 0,
    })
  }

  // The ServiceHost side: what a service asks of the run.

  at(time: number, kind: TimerKind, fn: (now: number) => void): void {
    this.#kernel.at(time, fn, kind)
  }

  addReplica(replica: Replica, owner: FunctionService): void {
    this.#replicas.push(replica)
    this.#owners.push(owner)
    this.#keys.set(replica, this.#replicas.length - 1)
  }

  schedule(replica: Replica): void {
    const t = replica.nextCompletion()
    replica.eventSeq =
      t === undefined
        ? -1
        : this.#kernel.schedule(t, EventKind.StepDone, this.#keys.get(replica)!).seq
  }

  started(req: FnRequest, now: number): void {
    this.#wait.push(now - req.arrival)
  }

  finished(req: FnRequest, now: number): void {
    this.#inFlight--
    this.#service.push(now - req.started)
    this.#e2e.push(now - req.arrival)
    if (req.met) this.#met++
    if (now > this.#last) this.#last = now
  }

  rejected(now: number): void {
    this.#inFlight--
    this.#rejected++
    if (now > this.#last) this.#last = now
  }

  decided(now: number, delta: number, panic: boolean): void {
    this.#desired += delta
    this.ledger.decision(now, this.#desired, panic)
  }

  deployed(now: number, initial: number): void {
    this.#desired += initial
    this.ledger.initial(now, this.#desired)
  }

  done(): boolean {
    return this.#kernel.sourceDone && this.#inFlight === 0
  }

  sourceDone(): boolean {
    return this.#kernel.sourceDone
  }

  // The Workload side: what the kernel hands the run.

  before(now: number): void {
    this.ctx.now = now
    this.#timeline.advance(now)
  }

  arrive(r: TraceRequest, now: number): void {
    if (r.serviceSeconds === undefined) {
      throw new UsageError(
        `${this.#trace}: request ${r.id} has no service time; functions need a function trace ` +
          '(alibaba, or synthetic:...,service=SECONDS)',
      )
    }
    this.#inFlight++
    if (Number.isNaN(this.#first)) this.#first = now
    if (now > this.#last) this.#last = now
    this.#timeline.arrival()
    const adapters = r.adapters ?? 0
    const req: FnRequest = {
      id: r.id,
      arrival: now,
      work: r.serviceSeconds + (adapters * this.#o.adapterBytes) / this.#bandwidth,
      started: Number.NaN,
      met: false,
    }
    this.#serviceFor(r, now).arrive(req, now)
  }

  onEvent(_kind: EventKind, key: number, seq: number, now: number): boolean {
    const replica = this.#replicas[key]!
    // A completion rescheduled since (a job started or finished first) is stale.
    if (replica.eventSeq !== seq) return false
    this.#owners[key]!.complete(replica, now)
    return true
  }

  /** #serviceFor finds the request's service, deploying it at its first request. */
  #serviceFor(r: TraceRequest, now: number): FunctionService {
    const o = this.#o
    const name = o.functionKey === 'model' ? (r.fn ?? SINGLE_SERVICE) : SINGLE_SERVICE
    let s = this.#services.get(name)
    if (s === undefined) {
      const cfg: ServiceConfig = { ...o.service, name, coldStartSeconds: this.#coldStartSeconds }
      s = new FunctionService(cfg, this, o.scaler?.create(), createRouter(ROUTER))
      this.#services.set(name, s)
      s.begin(now)
    }
    return s
  }

  /** result builds the run's summary and series once the kernel is done. */
  result(trace: string): FunctionRunDetail {
    const waits = this.#wait.view()
    const e2es = this.#e2e.view()
    const scaled = this.#o.scaler !== undefined
    return {
      summary: this.#summary(trace, waits, e2es),
      ...(scaled ? { scaling: this.ledger.series() } : {}),
      timeline: this.#timeline.finish(),
      cdf: { wait_s: cdfPoints(waits), e2e_s: cdfPoints(e2es) },
    }
  }

  #summary(trace: string, waits: Float64Array, e2es: Float64Array): FunctionRunSummary {
    const o = this.#o
    const last = this.#last
    const start = Number.isNaN(this.#first) ? 0 : this.#first
    const makespan = last - start
    const scaled = o.scaler !== undefined
    const fixedGpuHours = (this.#services.size * o.service.instances * makespan) / 3600
    const requests = this.#kernel.arrivals
    return {
      router: ROUTER,
      policy: o.scaler?.label ?? 'fixed',
      trace,
      requests,
      completed: e2es.length,
      rejected: this.#rejected,
      wait_s: summarize(waits),
      service_s: summarize(this.#service.view()),
      e2e_s: summarize(e2es),
      slo: {
        wait_s: o.service.sloWaitSeconds,
        attainment: requests > 0 ? this.#met / requests : 0,
      },
      goodput_rps: makespan > 0 ? this.#met / makespan : 0,
      gpu_hours: scaled ? this.ledger.gpuHours(last) : fixedGpuHours,
      cost_usd: scaled ? this.ledger.costUsd(last) : fixedGpuHours * o.service.pricePerGpuHour,
      sim_wall_s: this.#kernel.wallSeconds,
      sim_events: this.#kernel.events,
      seed: this.#seed,
      fleet: describe(o, this.#services.size),
      services: this.#services.size,
      cold_start_s: this.#coldStartSeconds,
      makespan_s: makespan,
      ...(o.scaler ? { scaling: this.ledger.summary(o.scaler.label, last) } : {}),
    }
  }
}

interface Resolved {
  readonly scaler: FunctionScaler | undefined
  readonly gpu: GpuSpec
  readonly coldStart: FunctionColdStart
  readonly adapterBytes: number
  readonly functionKey: FunctionKey
  readonly service: Omit<ServiceConfig, 'name' | 'coldStartSeconds'>
}

/** resolve fills in defaults and checks the options, naming the CLI flag in each error. */
function resolve(o: FunctionSimOptions): Resolved {
  const gpu = o.gpu ?? gpus[DEFAULT_FUNCTION_GPU]
  const coldStart = { ...DEFAULT_FUNCTION_COLD_START, ...o.coldStart }
  const functionKey = o.functionKey ?? 'none'
  const service = {
    containerConcurrency: o.containerConcurrency ?? DEFAULT_CONTAINER_CONCURRENCY,
    instances: o.instances ?? 1,
    minReplicas: o.minReplicas ?? 0,
    maxReplicas: o.maxReplicas ?? DEFAULT_MAX_REPLICAS,
    initialReplicas: o.initialReplicas ?? 1,
    activatorCapacity: o.activatorCapacity ?? DEFAULT_ACTIVATOR_CAPACITY,
    targetBurstCapacity: o.targetBurstCapacity ?? 0,
    sloWaitSeconds: o.sloWaitSeconds ?? DEFAULT_SLO_WAIT_SECONDS,
    pricePerGpuHour: o.pricePerGpuHour ?? gpu.pricePerHour,
    park: functionKey === 'model',
  }
  positiveInt('--container-concurrency', service.containerConcurrency)
  positiveInt('--instances', service.instances)
  nonNegativeInt('--min-replicas', service.minReplicas)
  positiveInt('--max-replicas', service.maxReplicas)
  nonNegativeInt('--initial-replicas', service.initialReplicas)
  nonNegativeInt('--activator-capacity', service.activatorCapacity)
  if (service.minReplicas > service.maxReplicas) {
    throw new UsageError(
      `--min-replicas ${service.minReplicas} exceeds --max-replicas ${service.maxReplicas}`,
    )
  }
  if (!(service.targetBurstCapacity === -1 || service.targetBurstCapacity >= 0)) {
    throw new UsageError(
      `--target-burst-capacity: expected -1 or a number >= 0, got ${service.targetBurstCapacity}`,
    )
  }
  nonNegative('--slo-wait', service.sloWaitSeconds)
  nonNegative('--function-gb', coldStart.weightBytes)
  nonNegative('--adapter-gb', o.adapterBytes ?? 0)
  nonNegative('cold start provisioning seconds', coldStart.provisionSeconds)
  nonNegative('cold start init seconds', coldStart.initSeconds)
  if (!(coldStart.storageBandwidth > 0)) {
    throw new UsageError(`storage bandwidth must be positive, got ${coldStart.storageBandwidth}`)
  }
  if (!FUNCTION_KEYS.includes(functionKey)) {
    throw new UsageError(
      `--function-key: expected ${FUNCTION_KEYS.join('|')}, got '${functionKey}'`,
    )
  }
  return {
    scaler: o.scaler,
    gpu,
    coldStart,
    adapterBytes: o.adapterBytes ?? 0,
    functionKey,
    service,
  }
}

function positiveInt(flag: string, v: number): void {
  if (!(Number.isSafeInteger(v) && v >= 1)) {
    throw new UsageError(`${flag}: expected a positive integer, got ${v}`)
  }
}

function nonNegativeInt(flag: string, v: number): void {
  if (!(Number.isSafeInteger(v) && v >= 0)) {
    throw new UsageError(`${flag}: expected a non-negative integer, got ${v}`)
  }
}

function nonNegative(flag: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0)) {
    throw new UsageError(`${flag}: expected a non-negative number, got ${v}`)
  }
}

/** describe states the deployment: "l40s-48g function, cc=1, 0-4 replicas". */
function describe(o: Resolved, services: number): string {
  const s = o.service
  const base = o.scaler
    ? `${o.gpu.id} function, cc=${s.containerConcurrency}, ${s.minReplicas}-${s.maxReplicas} replicas`
    : `${s.instances}× ${o.gpu.id} function, cc=${s.containerConcurrency}`
  return o.functionKey === 'model' ? `${base} per function (${services} functions)` : base
}

function sum(services: Map<string, FunctionService>, f: (s: FunctionService) => number): number {
  let n = 0
  for (const s of services.values()) n += f(s)
  return n
}
