/**
 * @module The function simulator: a discrete-event replay of a serverless function trace
 * (image generation jobs with measured execution times) through one autoscaled service, or one
 * per function, with cold starts, an activator, processor-sharing replicas and GPU billing.
 */
import { performance } from 'node:perf_hooks'
import { type GpuSpec, gpus } from '../../catalog/gpus.js'
import { createRouter } from '../../policy/registry.js'
import type { Scaler } from '../../policy/scaler/types.js'
import { ReplicaLedger } from '../../scaling/ledger.js'
import type { TraceRequest, TraceSource } from '../../trace/types.js'
import { UsageError } from '../../util/errors.js'
import { createRng } from '../../util/rng.js'
import { cdfPoints, GrowableF64, summarize } from '../../util/stats.js'
import { EventKind, EventQueue, type SimEvent } from '../event-queue.js'
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
  const wallStart = performance.now()
  const o = resolve(options)
  const coldStartSeconds = functionColdStartSeconds(o.coldStart, o.gpu)
  const bandwidth = Math.min(o.coldStart.storageBandwidth, o.gpu.pcieBandwidth)
  const queue = new EventQueue()
  const callbacks = new Map<number, (now: number) => void>()
  const replicas: Replica[] = []
  const owners: FunctionService[] = []
  /** Each replica slot's index in `replicas`, the `instance` of its completion events. */
  const keys = new Map<Replica, number>()
  const services = new Map<string, FunctionService>()
  const ledger = new ReplicaLedger()
  const ctx = { now: 0, rng: createRng(options.seed) }
  const wait = new GrowableF64(4096)
  const service = new GrowableF64(4096)
  const e2e = new GrowableF64(4096)
  let met = 0
  let requests = 0
  let rejected = 0
  let inFlight = 0
  let first = Number.NaN
  let last = 0
  let events = 0
  let sourceDone = false
  let desired = 0
  const timeline = new TimelineRecorder(0, {
    waiting: () => sum(services, (s) => s.held + s.queued),
    running: () => sum(services, (s) => s.running),
    kvUsage: () => 0,
  })

  const host: ServiceHost = {
    ctx,
    ledger,
    at(time, kind, fn) {
      callbacks.set(queue.push(time, kind, -1).seq, fn)
    },
    addReplica(replica, owner) {
      replicas.push(replica)
      owners.push(owner)
      keys.set(replica, replicas.length - 1)
    },
    schedule(replica) {
      const t = replica.nextCompletion()
      replica.eventSeq =
        t === undefined ? -1 : queue.push(t, EventKind.StepDone, keys.get(replica)!).seq
    },
    started(req, now) {
      wait.push(now - req.arrival)
    },
    finished(req, now) {
      inFlight--
      service.push(now - req.started)
      e2e.push(now - req.arrival)
      if (req.met) met++
      if (now > last) last = now
    },
    rejected(now) {
      inFlight--
      rejected++
      if (now > last) last = now
    },
    decided(now, delta, panic) {
      desired += delta
      ledger.decision(now, desired, panic)
    },
    done: () => sourceDone && inFlight === 0,
    sourceDone: () => sourceDone,
  }

  const serviceFor = (r: TraceRequest, now: number): FunctionService => {
    const name = o.functionKey === 'model' ? (r.fn ?? SINGLE_SERVICE) : SINGLE_SERVICE
    let s = services.get(name)
    if (s === undefined) {
      const cfg: ServiceConfig = { ...o.service, name, coldStartSeconds }
      s = new FunctionService(cfg, host, o.scaler?.create(), createRouter(ROUTER))
      services.set(name, s)
      s.begin(now)
    }
    return s
  }

  const handle = (kind: number, key: number, seq: number, now: number): void => {
    ctx.now = now
    timeline.advance(now)
    if (kind === EventKind.StepDone) {
      const replica = replicas[key]!
      // A completion rescheduled since (a job started or finished first) is stale.
      if (replica.eventSeq !== seq) return
      events++
      owners[key]!.complete(replica, now)
      return
    }
    const fn = callbacks.get(seq)!
    callbacks.delete(seq)
    events++
    fn(now)
  }

  const arrive = (r: TraceRequest): void => {
    const now = r.arrival
    if (r.serviceSeconds === undefined) {
      throw new UsageError(
        `${source.name}: request ${r.id} has no service time; functions need a function trace ` +
          '(alibaba, or synthetic:...,service=SECONDS)',
      )
    }
    events++
    requests++
    inFlight++
    if (Number.isNaN(first)) first = now
    if (now > last) last = now
    ctx.now = now
    timeline.advance(now)
    timeline.arrival()
    const adapters = r.adapters ?? 0
    const req: FnRequest = {
      id: r.id,
      arrival: now,
      work: r.serviceSeconds + (adapters * o.adapterBytes) / bandwidth,
      started: Number.NaN,
      met: false,
    }
    serviceFor(r, now).arrive(req, now)
  }

  const onEvent = (e: SimEvent): void => handle(e.kind, e.instance, e.seq, e.time)
  for await (const chunk of source.chunks()) {
    for (const r of chunk) {
      queue.runBefore(r.arrival, onEvent)
      arrive(r)
    }
    options.onProgress?.(requests, ctx.now)
  }
  sourceDone = true
  queue.drain(onEvent)

  const start = Number.isNaN(first) ? 0 : first
  const makespan = last - start
  const scaled = o.scaler !== undefined
  const fixedGpuHours = (services.size * o.service.instances * makespan) / 3600
  const gpuHours = scaled ? ledger.gpuHours(last) : fixedGpuHours
  const waits = wait.view()
  const e2es = e2e.view()
  const summary: FunctionRunSummary = {
    router: ROUTER,
    policy: o.scaler?.label ?? 'fixed',
    trace: source.name,
    requests,
    completed: e2es.length,
    rejected,
    wait_s: summarize(waits),
    service_s: summarize(service.view()),
    e2e_s: summarize(e2es),
    slo: { wait_s: o.service.sloWaitSeconds, attainment: requests > 0 ? met / requests : 0 },
    goodput_rps: makespan > 0 ? met / makespan : 0,
    gpu_hours: gpuHours,
    cost_usd: scaled ? ledger.costUsd(last) : fixedGpuHours * o.service.pricePerGpuHour,
    sim_wall_s: (performance.now() - wallStart) / 1000,
    sim_events: events,
    seed: options.seed,
    fleet: describe(o, services.size),
    services: services.size,
    cold_start_s: coldStartSeconds,
    makespan_s: makespan,
    ...(o.scaler ? { scaling: ledger.summary(o.scaler.label, last) } : {}),
  }
  return {
    summary,
    ...(scaled ? { scaling: ledger.series() } : {}),
    timeline: timeline.finish(),
    cdf: { wait_s: cdfPoints(waits), e2e_s: cdfPoints(e2es) },
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
