/**
 * @module When is a backend saturated? The gateway holds new work in its fair queue only when
 * every routable backend of a pool is; while some are not, the router chooses among those.
 *
 * A backend is saturated when any of these holds:
 * 1. its metrics are stale (no successful scrape for scrape interval + staleness bound, after at
 *    least one): silence more likely means overload than idleness (the same rule `toFleetView`
 *    applies, so routers see such a backend as full too);
 * 2. it is queueing because memory is full: scraped `num_requests_waiting` > 0 and KV usage
 *    ≥ 95 % (more work would only wait there, or preempt running requests);
 * 3. the gateway's own in-flight count reached the backend's cap: the pool's `max_in_flight`
 *    when configured, else a cap learned from scrapes. A scrape that shows requests waiting while
 *    R run says the engine's batch is full at about R (its max_num_seqs, or what its KV holds);
 *    the cap is then 2·R: e.g. R = 256 → 512 in flight. One extra batch queued in the engine keeps
 *    it busy across the scrape lag (a finished request is replaced at once from its own queue),
 *    while anything beyond that waits here, where tenants are served fairly, instead of in the
 *    engine's first-come-first-served queue. Before any such scrape the cap is unbounded.
 * Stale scraped numbers are never the only brake: rule 3 uses the gateway's own fresh count.
 */
import type { BackendMetrics } from './backend-metrics.js'
import type { BackendState } from './backend-state.js'

/** KV_FULL is the KV usage above which a backend with a queue is treated as full. */
export const KV_FULL = 0.95

/** isStale applies toFleetView's staleness rule (never scraped at all is not stale). */
export function isStale(b: BackendState, now: number, staleAfter: number): boolean {
  return b.metrics !== undefined && now - b.scrapedAt > staleAfter
}

/** isSaturated applies the three rules above; `cap` is the in-flight cap (Infinity: none). */
export function isSaturated(b: BackendState, now: number, staleAfter: number, cap: number) {
  if (b.inFlight >= cap) return true
  if (isStale(b, now, staleAfter)) return true
  const m = b.metrics
  return m !== undefined && (m.waiting ?? 0) > 0 && (m.kvUsage ?? 0) >= KV_FULL
}

/**
 * learnLimit updates a learned in-flight cap from one scrape: 2 × running when requests wait
 * (never lowered: a momentary dip in running while requests wait is preemption, not a smaller
 * engine). Returns the previous cap when the scrape shows no queue.
 */
export function learnLimit(prev: number | undefined, m: BackendMetrics): number | undefined {
  const running = m.running ?? 0
  if ((m.waiting ?? 0) <= 0 || running <= 0) return prev
  return Math.max(prev ?? 0, 2 * running)
}
