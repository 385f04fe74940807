/**
 * @module A pool: the backends serving one model (and its LoRA adapters), the router that picks
 * among them, and the gateway's per-backend records. `pick` builds the policies' FleetView with
 * `toFleetView` and calls the same router object the simulator runs; before it, the gateway
 * narrows the choice (never widens it) by marking instances unready in the view it passes:
 * backends already tried for this request, saturated ones while others have room, and, for an
 * adapter request, backends without the adapter running while some have it.
 */
import { getGpu, getModel } from '../catalog/index.js'
import { createInstancePerf } from '../perf/instance-perf.js'
import { createIterationModel } from '../perf/iteration.js'
import {
  type FleetView,
  type InstancePerf,
  type InstanceView,
  isRoutable,
  type PolicyContext,
  type RequestInfo,
  type RoutingPolicy,
  type SloTarget,
} from '../policy/types.js'
import type { Rng } from '../util/rng.js'
import { type BackendState, createBackendState } from './backend-state.js'
import { parseBackendUrl } from './backend-url.js'
import { type GatewayConfig, type RouterConfig, routerFromConfig } from './config.js'
import { toFleetView } from './fleet-view.js'
import type { PrefixIndex } from './prefix-index.js'
import { isSaturated } from './saturation.js'

/** PoolConfig is one validated `pools` entry. */
export type PoolConfig = GatewayConfig['pools'][number]

/** Upstream is one backend of a pool: where it is and what the gateway knows of it. */
export interface Upstream {
  readonly index: number
  /**
   * The canonical URL (backend-url.ts): the key of its prefix-index entries, its metric label
   * and log name. Never holds credentials.
   */
  readonly url: string
  readonly origin: string
  /** Path prefix of the URL ('' for a bare origin), put before /v1/…, /metrics, /health. */
  readonly basePath: string
  /** The Authorization header value for the credentials the configured URL held, if any. */
  readonly authorization?: string
  readonly state: BackendState
  /** In-flight cap learned from scrapes (saturation.ts), undefined until a scrape showed a queue. */
  learnedLimit: number | undefined
  /**
   * Taken out of the pool by the autoscaler. Its slot stays (unroutable) so that instance ids,
   * which routers may key state by, never shift; a later backend reuses it.
   */
  removed?: boolean
}

/**
 * createUpstream is a fresh record for backend `url` (as configured, or as the autoscaler names
 * a replica) in slot `index`.
 */
function createUpstream(index: number, url: string, model: string): Upstream {
  const b = parseBackendUrl(url)
  return {
    index,
    url: b.url,
    origin: b.origin,
    basePath: b.basePath,
    ...(b.authorization !== undefined ? { authorization: b.authorization } : {}),
    state: createBackendState(b.url, model),
    learnedLimit: undefined,
  }
}

/** Capacity is a pool's state for admission: room somewhere, all saturated, or none routable. */
export type Capacity = 'open' | 'full' | 'none'

/** PickOptions are what narrows one pick. */
export interface PickOptions {
  readonly now: number
  readonly rng: Rng
  readonly staleAfter: number
  readonly prefix: PrefixIndex
  /** Backends already tried for this request. */
  readonly exclude: ReadonlySet<number>
  /** The LoRA adapter the request names, if any. */
  readonly adapter: string | undefined
  /** The gateway's latency objective (config `slo:`), for SLO-aware routers. */
  readonly slo?: SloTarget | undefined
}

/** routerOf builds a router from its config form; options left out take the router's defaults. */
export function routerOf(c: RouterConfig): RoutingPolicy {
  return routerFromConfig(c)
}

/**
 * perfOf builds the latency model of a pool's declared hardware (config `perf:`), once per pool:
 * every backend of a pool runs the same deployment.
 */
export function perfOf(c: PoolConfig): InstancePerf | undefined {
  const p = c.perf
  if (!p) return undefined
  const deployment = {
    gpu: getGpu(p.gpu, 'perf.gpu'),
    model: getModel(p.model ?? c.model, 'perf.model'),
    tp: p.tp,
    dtype: p.dtype,
  }
  return createInstancePerf(createIterationModel(deployment), {
    maxNumBatchedTokens: p.max_num_batched_tokens,
    maxNumSeqs: p.max_num_seqs,
    blockSize: p.block_size,
  })
}

/** Pool routes one model's requests over its backends. */
export class Pool {
  readonly model: string
  readonly adapters: ReadonlySet<string>
  readonly router: RoutingPolicy
  /** The backends' latency model, when the pool declares its hardware. */
  readonly perf: InstancePerf | undefined
  readonly #maxInFlight: number | undefined
  readonly #maxModelLen: number | undefined
  readonly #upstreams: Upstream[]
  readonly #states: BackendState[]

  constructor(c: PoolConfig, router: RouterConfig) {
    this.model = c.model
    this.adapters = new Set(c.adapters)
    this.#upstreams = c.backends.map((url, index) => createUpstream(index, url, c.model))
    this.#states = this.#upstreams.map((u) => u.state)
    this.router = routerOf(c.router ?? router)
    this.perf = perfOf(c)
    this.#maxInFlight = c.max_in_flight
    this.#maxModelLen = c.max_model_len
  }

  /** upstreams are the pool's backend slots, by instance id (removed ones included). */
  get upstreams(): ReadonlyArray<Upstream> {
    return this.#upstreams
  }

  /** states are the slots' records, in the same order (what `toFleetView` reads). */
  get states(): ReadonlyArray<BackendState> {
    return this.#states
  }

  /**
   * addBackend puts a backend into the pool (the autoscaler's replica became ready) and returns
   * its record: the one already serving `url` (compared in canonical form), else a fresh record
   * in the first removed slot, else in a new slot. A fresh record, not a reused one: requests
   * still running on the old backend settle their in-flight counts on the old object.
   */
  addBackend(url: string): Upstream {
    const canonical = parseBackendUrl(url).url
    const live = this.#upstreams.find((u) => !u.removed && u.url === canonical)
    if (live) return live
    const free = this.#upstreams.findIndex((u) => u.removed)
    const index = free >= 0 ? free : this.#upstreams.length
    const u = createUpstream(index, url, this.model)
    this.#upstreams[index] = u
    this.#states[index] = u.state
    return u
  }

  /** removeBackend takes a backend out for good (it stopped): no new work, slot reusable. */
  removeBackend(u: Upstream): void {
    u.removed = true
    u.state.draining = true
    u.state.healthy = false
  }

  /**
   * context is the pool's context window: the config's max_model_len, else the largest one its
   * backends reported (a request that fits none of them cannot run), else undefined.
   */
  context(): number | undefined {
    if (this.#maxModelLen !== undefined) return this.#maxModelLen
    let best: number | undefined
    for (const u of this.#upstreams) {
      const n = u.removed ? undefined : u.state.maxModelLen
      if (n !== undefined) best = Math.max(best ?? 0, n)
    }
    return best
  }

  /** cap is a backend's in-flight cap: configured, learned, or none (Infinity). */
  cap(u: Upstream): number {
    return this.#maxInFlight ?? u.learnedLimit ?? Number.POSITIVE_INFINITY
  }

  /** saturated applies saturation.ts's rules to one backend. */
  saturated(u: Upstream, now: number, staleAfter: number): boolean {
    return isSaturated(u.state, now, staleAfter, this.cap(u))
  }

  /** capacity says whether a new request could be sent now ('open'), must wait, or cannot run. */
  capacity(view: FleetView, now: number, staleAfter: number): Capacity {
    let routable = false
    for (const inst of view.instances) {
      if (!isRoutable(inst)) continue
      routable = true
      if (!this.saturated(this.upstreams[inst.id]!, now, staleAfter)) return 'open'
    }
    return routable ? 'full' : 'none'
  }

  /** view snapshots the pool as the policies see it. */
  view(now: number, staleAfter: number, prefix: PrefixIndex): FleetView {
    return toFleetView(this.states, now, prefix, {
      staleAfter,
      ...(this.perf ? { perf: this.perf } : {}),
    })
  }

  /**
   * pick narrows the view (see the module comment) and asks the router; undefined when no
   * backend may take the request.
   */
  pick(req: RequestInfo, base: FleetView, o: PickOptions): number | undefined {
    const n = base.instances.length
    let allowed = base.instances.map((inst) => isRoutable(inst) && !o.exclude.has(inst.id))
    if (!allowed.some(Boolean)) return undefined
    const roomy = allowed.map(
      (a, i) => a && !this.saturated(this.upstreams[i]!, o.now, o.staleAfter),
    )
    if (roomy.some(Boolean)) allowed = roomy
    const adapter = o.adapter
    if (adapter !== undefined) {
      const loaded = allowed.map(
        (a, i) => a && (this.states[i]!.metrics?.lora?.running.includes(adapter) ?? false),
      )
      if (loaded.some(Boolean)) allowed = loaded
    }
    let narrowed = false
    for (let i = 0; i < n; i++) if (allowed[i] !== isRoutable(base.instances[i]!)) narrowed = true
    // Unchanged, the router sees exactly toFleetView's snapshot, as in the simulator.
    const view: FleetView = narrowed
      ? {
          instances: base.instances.map(
            (inst, i): InstanceView => (allowed[i] ? inst : { ...inst, ready: false }),
          ),
          cachedPrefixBlocks: base.cachedPrefixBlocks,
        }
      : base
    // The request's adapter travels in RequestInfo too, for routers that weigh LoRA affinity.
    const info = adapter !== undefined && req.adapter === undefined ? { ...req, adapter } : req
    const ctx: PolicyContext = o.slo
      ? { now: o.now, rng: o.rng, slo: o.slo }
      : { now: o.now, rng: o.rng }
    const picked = this.router.pick(info, view, ctx)
    return picked !== undefined && allowed[picked] ? picked : undefined
  }
}
