/**
 * @module The `kv_tiers` summary: engines' pin and host-tier figures added up over a fleet.
 */
import type { KvTierStats } from '../engine/kv-tiers.js'
import type { KvTiersSummary } from './result.js'

/**
 * kvTiersSummary adds up the engines' KV tier figures; undefined when no engine has tiers (plain
 * LRU). `hits` and `queries` are the fleet's prefix-cache hit and lookup totals, in tokens.
 */
export function kvTiersSummary(
  engines: Iterable<Readonly<KvTierStats> | undefined>,
  hits: number,
  queries: number,
): KvTiersSummary | undefined {
  let any = false
  let hostHits = 0
  let hostCapacity = 0
  let hostPeak = 0
  let offload = 0
  let reload = 0
  let reloadS = 0
  let pins = 0
  let pinHits = 0
  let pinExpired = 0
  let pinReclaimed = 0
  let pinnedPeak = 0
  for (const s of engines) {
    if (!s) continue
    any = true
    const b = s.blockBytes
    hostHits += s.hostHitTokens
    hostCapacity += s.hostCapacityBlocks * b
    hostPeak += s.hostPeakBlocks * b
    offload += s.offloadBlocks * b
    reload += s.reloadBlocks * b
    reloadS += s.reloadSeconds
    pins += s.pins
    pinHits += s.pinHits
    pinExpired += s.pinExpired
    pinReclaimed += s.pinReclaimed
    pinnedPeak += s.pinnedPeakBlocks * b
  }
  if (!any) return undefined
  const rate = (tokens: number): number => (queries > 0 ? tokens / queries : 0)
  return {
    gpu_hit_rate: rate(hits - hostHits),
    host_hit_rate: rate(hostHits),
    host_capacity_gb: hostCapacity / 1e9,
    host_peak_gb: hostPeak / 1e9,
    offload_gb: offload / 1e9,
    reload_gb: reload / 1e9,
    reload_s: reloadS,
    pins,
    pin_hits: pinHits,
    pin_expired: pinExpired,
    pin_reclaimed: pinReclaimed,
    pinned_peak_gb: pinnedPeak / 1e9,
  }
}
