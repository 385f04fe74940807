/**
 * @module The dualmap router: DualMap (Wang et al., "DualMap: Enabling Both Cache Affinity and
 * Load Balancing for Distributed LLM Serving", 2025; AIBrix ships it as `dualmap`,
 * pkg/plugins/gateway/algorithms/dualmap.go). Each prompt prefix hashes to two candidate
 * instances; the better of the two takes it unless both are overloaded.
 */
import { chainHash } from '../../util/hash.js'
import {
  type FleetView,
  type InstanceView,
  isRoutable,
  type RequestInfo,
  type RoutingPolicy,
} from '../types.js'
import { hashName } from './hash-ring.js'
import { cachedTokens, predictTtft, queueSeconds, sloOf } from './latency-estimate.js'

/** DualMapOptions tune the router (validate at the edge: prefixBlocks ≥ 1, hotFactor > 1). */
export interface DualMapOptions {
  /**
   * Leading blocks that form the key (default 64, as prefix-affinity and for the same reason: deep
   * enough to pass a system prompt every request shares).
   */
  readonly prefixBlocks?: number
  /**
   * A candidate is a hotspot when its in-flight count exceeds hotFactor × (mean + 1) over the
   * routable instances (default 1.5, prefix-affinity's bound; + 1 keeps an idle fleet, mean 0,
   * from calling one request a hotspot).
   */
  readonly hotFactor?: number
}

// Seeds of the two hash functions: any two distinct words make them independent.
const SEED_A = 0x2545f491
const SEED_B = 0x6c8e9cf5

/**
 * createDualMap returns the DualMap router. The key is the chained hash of the prompt's first
 * `prefixBlocks` blocks (it identifies that whole prefix). Two independent rendezvous hashes
 * (highest random weight, Thaler & Ravishankar 1998) of key × instance name give the candidates:
 * the top instance under hash A, and the top other instance under hash B. Rendezvous hashing is
 * consistent: adding an instance moves only the keys it now wins (1/(n+1) of them per hash), and a
 * draining instance's keys go to their next-best instance while every other key stays.
 *
 * A candidate is overloaded when its predicted TTFT (latency-estimate.ts, counting its cached
 * share of the prompt) exceeds the TTFT SLO, or when it is a hotspot by in-flight count. Of the
 * candidates not overloaded the one with the lower predicted TTFT wins (then fewer in-flight
 * requests, then the first), so cache affinity decides between equally queued candidates. If
 * both are overloaded the request spills to the instance with the least queued prefill work
 * fleet-wide (ties: fewer in-flight requests, then rotation).
 * A prompt with no full block has no key and takes the spill path directly.
 */
export function createDualMap(opts: DualMapOptions = {}): RoutingPolicy {
  const prefixBlocks = opts.prefixBlocks ?? 64
  const hotFactor = opts.hotFactor ?? 1.5
  const nameHashes = new NameHashes()
  // The spill scan starts one past the previous spill, so ties rotate over the fleet.
  let start = 0
  const spill = (instances: ReadonlyArray<InstanceView>): number => {
    const best = leastQueued(instances, start)
    start = best + 1
    return best
  }

  return {
    name: 'dualmap',
    pick: function pickDualMap(req, view, ctx) {
      const instances = view.instances
      const mean = meanOutstanding(instances)
      if (mean === undefined) return undefined
      const k = Math.min(prefixBlocks, req.blockHashes.length)
      if (k === 0) return spill(instances)

      const key = req.blockHashes[k - 1]!
      const hashes = nameHashes.of(instances)
      const a = rendezvousTop(instances, hashes, chainHash(SEED_A, key), -1)
      const b = rendezvousTop(instances, hashes, chainHash(SEED_B, key), a)
      const hot = hotFactor * (mean + 1)
      const chosen = chooseCandidate(view, req, a, b, sloOf(ctx).ttft_s, hot)
      return chosen >= 0 ? chosen : spill(instances)
    },
  }
}

/**
 * NameHashes caches the instances' name hashes, recomputed only when the names (in id order)
 * change: the fleet is the same from one request to the next far more often than not.
 */
class NameHashes {
  #names: string[] = []
  #hashes = new Float64Array(0)

  of(instances: ReadonlyArray<InstanceView>): Float64Array {
    let same = instances.length === this.#names.length
    for (let i = 0; same && i < instances.length; i++) same = instances[i]!.name === this.#names[i]
    if (!same) {
      this.#names = instances.map((inst) => inst.name)
      this.#hashes = Float64Array.from(this.#names, hashName)
    }
    return this.#hashes
  }
}

/** meanOutstanding is the mean in-flight count over the routable instances; undefined for none. */
function meanOutstanding(instances: ReadonlyArray<InstanceView>): number | undefined {
  let routable = 0
  let sum = 0
  for (let i = 0; i < instances.length; i++) {
    const inst = instances[i]!
    if (!isRoutable(inst)) continue
    routable++
    sum += inst.outstanding
  }
  return routable === 0 ? undefined : sum / routable
}

/**
 * rendezvousTop is the routable instance other than `exclude` with the highest rendezvous weight
 * chainHash(key, name hash), or -1 when there is none.
 */
function rendezvousTop(
  instances: ReadonlyArray<InstanceView>,
  hashes: Float64Array,
  key: number,
  exclude: number,
): number {
  let top = -1
  let best = -1
  for (let i = 0; i < instances.length; i++) {
    if (i === exclude || !isRoutable(instances[i]!)) continue
    const w = chainHash(key, hashes[i]!)
    if (w > best) {
      best = w
      top = i
    }
  }
  return top
}

/**
 * chooseCandidate picks between candidates `a` and `b` (-1 when the fleet has only `a`): of those
 * not overloaded (predicted TTFT over the SLO, or in flight over `hot`), the lower predicted TTFT,
 * then fewer in flight, then `a`. Returns -1 when both are overloaded, for the caller to spill.
 */
function chooseCandidate(
  view: FleetView,
  req: RequestInfo,
  a: number,
  b: number,
  sloTtft: number,
  hot: number,
): number {
  const instances = view.instances
  const ttftA = candidateTtft(view, req, a)
  const okA = ttftA <= sloTtft && instances[a]!.outstanding <= hot
  if (b < 0) return okA ? a : -1
  const ttftB = candidateTtft(view, req, b)
  const okB = ttftB <= sloTtft && instances[b]!.outstanding <= hot
  if (okA && okB) {
    const outA = instances[a]!.outstanding
    const outB = instances[b]!.outstanding
    return ttftB < ttftA || (ttftB === ttftA && outB < outA) ? b : a
  }
  if (okA) return a
  if (okB) return b
  return -1
}

/**
 * leastQueued is the routable instance with the least queued prefill work (ties: fewer in-flight
 * requests, then the first from `start` on), or -1 when none is routable.
 */
function leastQueued(instances: ReadonlyArray<InstanceView>, start: number): number {
  const n = instances.length
  let best = -1
  let bestQueue = Number.POSITIVE_INFINITY
  let bestLoad = Number.POSITIVE_INFINITY
  for (let j = 0; j < n; j++) {
    const i = (start + j) % n
    const inst = instances[i]!
    if (!isRoutable(inst)) continue
    const q = queueSeconds(inst)
    if (q < bestQueue || (q === bestQueue && inst.outstanding < bestLoad)) {
      best = i
      bestQueue = q
      bestLoad = inst.outstanding
    }
  }
  return best
}

/** candidateTtft predicts the request's TTFT on instance `i`, counting its cached prefix. */
function candidateTtft(view: FleetView, req: RequestInfo, i: number): number {
  const cached = cachedTokens(view.cachedPrefixBlocks(i, req.blockHashes), req.inputTokens)
  return predictTtft(view.instances[i]!, req.inputTokens, cached)
}
