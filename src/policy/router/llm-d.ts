/**
 * @module The llm-d router: llm-d's inference scheduler (the Gateway API Inference Extension's
 * endpoint picker) as one policy: filters, then weighted scorers, then a max-score picker.
 *
 * Sources: llm-d.ai/docs (architecture/core/router/epp/scheduling: "Filter -> Score -> Pick"),
 * and the GIE scorer plugins in kubernetes-sigs/gateway-api-inference-extension
 * (pkg/epp/scheduling/framework/plugins/scorer): kv-cache-utilization-scorer scores
 * 1 − KVCacheUsagePercent, queue-scorer min-max normalises the waiting queue, prefix-cache-scorer
 * scores the share of the prompt's blocks cached, lora-affinity-scorer gives 1 / 0.8 / 0 for
 * adapter loaded / free adapter slot / neither.
 */
import {
  type FleetView,
  type InstanceView,
  isRoutable,
  type RequestInfo,
  type RoutingPolicy,
} from '../types.js'

/** LlmdOptions are scorer weights (≥ 0, one > 0) and the KV filter threshold (0..1). */
export interface LlmdOptions {
  /** prefix-cache-scorer: share of the prompt's blocks cached on the instance. */
  readonly prefix?: number
  /**
   * queue-scorer, min-max normalised: the engine's waiting requests (what llm-d reads) plus the
   * router's in-flight count, which is fresh where scraped metrics lag a burst by an interval.
   */
  readonly queue?: number
  /** kv-cache-utilization-scorer: 1 − KV usage. */
  readonly kv?: number
  /** Running requests, min-max normalised (fewer is better). */
  readonly running?: number
  /** lora-affinity-scorer, for requests naming an adapter. */
  readonly lora?: number
  /** KV usage above which an instance is filtered out while others remain. */
  readonly kvThreshold?: number
}

/**
 * LLMD_DEFAULTS weight prefix:queue:kv 2:2:1, as `weighted` does, so the two compare like for
 * like. llm-d's shipped default profile (GIE's default EndpointPickerConfig, llm-d v0.8) weights
 * prefix-cache-scorer 3, queue-scorer 2, kv-cache-utilization-scorer 2: pass those to match it.
 * The KV threshold 0.8 is the EPP saturation detector's default (kvCacheUtilThreshold): above it
 * an engine is near preempting.
 */
export const LLMD_DEFAULTS = {
  prefix: 2,
  queue: 2,
  kv: 1,
  running: 0,
  lora: 0,
  kvThreshold: 0.8,
} as const

/** loraScore is GIE's lora-affinity score: loaded 1, a free adapter slot 0.8, else 0. */
function loraScore(inst: InstanceView, adapter: string): number {
  const loras = inst.loras
  if (loras === undefined) return 0
  if (loras.includes(adapter)) return 1
  return inst.maxLoras !== undefined && loras.length < inst.maxLoras ? 0.8 : 0
}

/**
 * createLlmd returns the llm-d router. Filters narrow the routable instances, each only when
 * something survives it (llm-d's filters never leave a request with nowhere to go):
 *   1. LoRA affinity: for an adapter request, instances with the adapter loaded; failing that,
 *      those with a free adapter slot (GIE's lora-affinity-filter without its random 0.1% escape);
 *   2. KV saturation: instances at or below `kvThreshold` usage.
 * Scorers then give each survivor a score in [0, 1] per signal, combined by weight. Unlike
 * `weighted`, which min-max normalises everything, prefix and KV keep llm-d's absolute scales, so
 * a one-block match among 40 adds only 2·(1/40) = 0.05, where min-max would make it worth the full
 * prefix weight. Ties go to fewer in-flight requests, then to the first after the previous pick.
 */
export function createLlmd(opts: LlmdOptions = {}): RoutingPolicy {
  const scheduler = new LlmdScheduler(
    {
      prefix: opts.prefix ?? LLMD_DEFAULTS.prefix,
      queue: opts.queue ?? LLMD_DEFAULTS.queue,
      kv: opts.kv ?? LLMD_DEFAULTS.kv,
      running: opts.running ?? LLMD_DEFAULTS.running,
      lora: opts.lora ?? LLMD_DEFAULTS.lora,
    },
    opts.kvThreshold ?? LLMD_DEFAULTS.kvThreshold,
  )
  return {
    name: 'llm-d',
    pick: function pickLlmd(req, view) {
      return scheduler.pick(req, view)
    },
  }
}

/** LlmdWeights are the scorer weights with the defaults filled in. */
type LlmdWeights = Required<Omit<LlmdOptions, 'kvThreshold'>>

/**
 * LlmdScheduler is one llm-d router's state: the filters' survivors, one flag per instance in a
 * buffer reused across picks (no allocation per request), the survivors' queue and running
 * ranges for the min-max scorers, and the previous pick, where the tie-break rotation resumes.
 */
class LlmdScheduler {
  readonly #w: LlmdWeights
  readonly #kvThreshold: number
  #keep = new Uint8Array(16)
  #last = -1
  #qMin = 0
  #qMax = 0
  #rMin = 0
  #rMax = 0

  constructor(w: LlmdWeights, kvThreshold: number) {
    this.#w = w
    this.#kvThreshold = kvThreshold
  }

  /** pick filters, measures the survivors' ranges, then takes the highest score. */
  pick(req: RequestInfo, view: FleetView): number | undefined {
    const instances = view.instances
    if (this.#keep.length < instances.length) this.#keep = new Uint8Array(2 * instances.length)
    let left = this.#keepRoutable(instances)
    if (left === 0) return undefined
    if (req.adapter !== undefined) left = this.#filterLora(instances, req.adapter, left)
    this.#filterKv(instances, left)
    this.#measureRanges(instances)
    this.#last = this.#maxScore(req, view)
    return this.#last
  }

  /** keepRoutable starts the survivors at the routable instances; returns how many. */
  #keepRoutable(instances: ReadonlyArray<InstanceView>): number {
    let left = 0
    for (let i = 0; i < instances.length; i++) {
      const ok = isRoutable(instances[i]!)
      this.#keep[i] = ok ? 1 : 0
      if (ok) left++
    }
    return left
  }

  /**
   * filterLora keeps the survivors with `adapter` loaded; failing that, those with a free adapter
   * slot; failing both, all of them. Returns how many survive.
   */
  #filterLora(instances: ReadonlyArray<InstanceView>, adapter: string, left: number): number {
    const keep = this.#keep
    let loaded = 0
    let roomy = 0
    for (let i = 0; i < instances.length; i++) {
      if (keep[i] === 0) continue
      const s = loraScore(instances[i]!, adapter)
      if (s === 1) loaded++
      else if (s > 0) roomy++
    }
    const want = loaded > 0 ? 1 : roomy > 0 ? 0.8 : -1
    if (want < 0) return left
    for (let i = 0; i < instances.length; i++) {
      if (keep[i] === 1 && loraScore(instances[i]!, adapter) !== want) keep[i] = 0
    }
    return loaded > 0 ? loaded : roomy
  }

  /** filterKv drops survivors above the KV threshold, unless that would drop all of them. */
  #filterKv(instances: ReadonlyArray<InstanceView>, left: number): void {
    const keep = this.#keep
    const n = instances.length
    let cool = 0
    for (let i = 0; i < n; i++)
      if (keep[i] === 1 && instances[i]!.kvUsage <= this.#kvThreshold) cool++
    if (cool > 0 && cool < left) {
      for (let i = 0; i < n; i++) if (instances[i]!.kvUsage > this.#kvThreshold) keep[i] = 0
    }
  }

  /** measureRanges finds the survivors' queue (waiting + in flight) and running ranges. */
  #measureRanges(instances: ReadonlyArray<InstanceView>): void {
    this.#qMin = Number.POSITIVE_INFINITY
    this.#qMax = Number.NEGATIVE_INFINITY
    this.#rMin = Number.POSITIVE_INFINITY
    this.#rMax = Number.NEGATIVE_INFINITY
    for (let i = 0; i < instances.length; i++) {
      if (this.#keep[i] === 0) continue
      const inst = instances[i]!
      const q = inst.waiting + inst.outstanding
      if (q < this.#qMin) this.#qMin = q
      if (q > this.#qMax) this.#qMax = q
      if (inst.running < this.#rMin) this.#rMin = inst.running
      if (inst.running > this.#rMax) this.#rMax = inst.running
    }
  }

  /**
   * maxScore scores each survivor by weight (prefix and KV on their absolute scales, queue and
   * running min-max normalised) and returns the best; ties go to fewer in-flight requests, then
   * to the first after the previous pick.
   */
  #maxScore(req: RequestInfo, view: FleetView): number {
    const w = this.#w
    const keep = this.#keep
    const qMax = this.#qMax
    const rMax = this.#rMax
    const instances = view.instances
    const n = instances.length
    const qSpan = qMax - this.#qMin
    const rSpan = rMax - this.#rMin
    const blocks = req.blockHashes.length
    const adapter = req.adapter
    const scorePrefix = w.prefix > 0 && blocks > 0
    const scoreLora = w.lora > 0 && adapter !== undefined
    let best = -1
    let bestScore = Number.NEGATIVE_INFINITY
    let bestLoad = Number.POSITIVE_INFINITY
    for (let j = 1; j <= n; j++) {
      const i = (this.#last + j) % n
      if (keep[i] === 0) continue
      const inst = instances[i]!
      let score = w.kv * (1 - inst.kvUsage)
      if (scorePrefix) score += (w.prefix * view.cachedPrefixBlocks(i, req.blockHashes)) / blocks
      if (qSpan > 0) score += (w.queue * (qMax - inst.waiting - inst.outstanding)) / qSpan
      if (rSpan > 0 && w.running > 0) score += (w.running * (rMax - inst.running)) / rSpan
      if (scoreLora) score += w.lora * loraScore(inst, adapter)
      if (score > bestScore || (score === bestScore && inst.outstanding < bestLoad)) {
        best = i
        bestScore = score
        bestLoad = inst.outstanding
      }
    }
    return best
  }
}
