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
import { type InstanceView, isRoutable, type RoutingPolicy } from '../types.js'

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
  const wPrefix = opts.prefix ?? LLMD_DEFAULTS.prefix
  const wQueue = opts.queue ?? LLMD_DEFAULTS.queue
  const wKv = opts.kv ?? LLMD_DEFAULTS.kv
  const wRunning = opts.running ?? LLMD_DEFAULTS.running
  const wLora = opts.lora ?? LLMD_DEFAULTS.lora
  const kvThreshold = opts.kvThreshold ?? LLMD_DEFAULTS.kvThreshold
  let keep = new Uint8Array(16)
  let last = -1

  return {
    name: 'llm-d',
    pick: function pickLlmd(req, view) {
      const instances = view.instances
      const n = instances.length
      if (keep.length < n) keep = new Uint8Array(2 * n)
      let left = 0
      for (let i = 0; i < n; i++) {
        const ok = isRoutable(instances[i]!)
        keep[i] = ok ? 1 : 0
        if (ok) left++
      }
      if (left === 0) return undefined

      const adapter = req.adapter
      if (adapter !== undefined) {
        let loaded = 0
        let roomy = 0
        for (let i = 0; i < n; i++) {
          if (keep[i] === 0) continue
          const s = loraScore(instances[i]!, adapter)
          if (s === 1) loaded++
          else if (s > 0) roomy++
        }
        const want = loaded > 0 ? 1 : roomy > 0 ? 0.8 : -1
        if (want > 0) {
          for (let i = 0; i < n; i++) {
            if (keep[i] === 1 && loraScore(instances[i]!, adapter) !== want) keep[i] = 0
          }
          left = loaded > 0 ? loaded : roomy
        }
      }

      let cool = 0
      for (let i = 0; i < n; i++) if (keep[i] === 1 && instances[i]!.kvUsage <= kvThreshold) cool++
      if (cool > 0 && cool < left) {
        for (let i = 0; i < n; i++) if (instances[i]!.kvUsage > kvThreshold) keep[i] = 0
      }

      let qMin = Number.POSITIVE_INFINITY
      let qMax = Number.NEGATIVE_INFINITY
      let rMin = Number.POSITIVE_INFINITY
      let rMax = Number.NEGATIVE_INFINITY
      for (let i = 0; i < n; i++) {
        if (keep[i] === 0) continue
        const inst = instances[i]!
        const q = inst.waiting + inst.outstanding
        if (q < qMin) qMin = q
        if (q > qMax) qMax = q
        if (inst.running < rMin) rMin = inst.running
        if (inst.running > rMax) rMax = inst.running
      }
      const qSpan = qMax - qMin
      const rSpan = rMax - rMin
      const blocks = req.blockHashes.length
      const scorePrefix = wPrefix > 0 && blocks > 0
      const scoreLora = wLora > 0 && adapter !== undefined

      let best = -1
      let bestScore = Number.NEGATIVE_INFINITY
      let bestLoad = Number.POSITIVE_INFINITY
      for (let j = 1; j <= n; j++) {
        const i = (last + j) % n
        if (keep[i] === 0) continue
        const inst = instances[i]!
        let score = wKv * (1 - inst.kvUsage)
        if (scorePrefix) score += (wPrefix * view.cachedPrefixBlocks(i, req.blockHashes)) / blocks
        if (qSpan > 0) score += (wQueue * (qMax - inst.waiting - inst.outstanding)) / qSpan
        if (rSpan > 0 && wRunning > 0) score += (wRunning * (rMax - inst.running)) / rSpan
        if (scoreLora) score += wLora * loraScore(inst, adapter)
        if (score > bestScore || (score === bestScore && inst.outstanding < bestLoad)) {
          best = i
          bestScore = score
          bestLoad = inst.outstanding
        }
      }
      last = best
      return best
    },
  }
}
