/**
 * @module Builds the policies' `FleetView` from the gateway's backend records, so the routers the
 * simulator runs decide here unchanged. Where the simulator reads engine state exactly, the
 * gateway combines scraped metrics with its own in-flight accounting and the estimated prefix
 * index.
 */
import type { FleetView, InstancePerf, InstanceView } from '../policy/types.js'
import { type BackendState, isEjected } from './backend-state.js'
import type { PrefixIndex } from './prefix-index.js'

/** ViewOptions say when scraped metrics count as stale, and what the backends run on. */
export interface ViewOptions {
  /** Seconds; metrics older than scrape interval + staleness bound are stale. */
  readonly staleAfter: number
  /** The backends' latency model, when their pool declares its hardware (config `perf:`). */
  readonly perf?: InstancePerf
}

/**
 * toFleetView snapshots backends at `now`. A backend whose metrics are stale (or never arrived,
 * where it exports vLLM metrics at all) is reported saturated — KV full, a long queue — rather
 * than idle: a backend that stopped answering scrapes is more likely overloaded than free, and
 * treating silence as idleness would route a burst straight into it.
 */
export function toFleetView(
  backends: ReadonlyArray<BackendState>,
  now: number,
  prefix: PrefixIndex,
  opts: ViewOptions,
): FleetView {
  const perf = opts.perf
  const instances: InstanceView[] = backends.map((b, id) => {
    const m = b.metrics
    const stale = now - b.scrapedAt > opts.staleAfter
    const saturated = stale && m !== undefined
    const waitingFromMetrics = m?.waiting
    // vLLM lists running and waiting adapters separately; both hold a slot (GIE counts the union).
    const lora = m?.lora
    const loras = lora ? [...new Set([...lora.running, ...lora.waiting])] : undefined
    return {
      id,
      name: b.url,
      group: b.model,
      model: b.model,
      ready: b.healthy && !isEjected(b),
      draining: b.draining,
      running: m?.running ?? b.inFlight,
      // When stale, assume at least everything we sent is queued and then some.
      waiting: saturated
        ? Math.max(waitingFromMetrics ?? 0, b.inFlight) + SATURATED_QUEUE
        : (waitingFromMetrics ?? 0),
      outstanding: saturated ? b.inFlight + SATURATED_QUEUE : b.inFlight,
      kvUsage: saturated ? 1 : (m?.kvUsage ?? 0),
      kvBlocks: m?.numGpuBlocks ?? prefix.defaultCapacity,
      pendingPrefillTokens: b.inFlightPromptTokens,
      ...(perf ? { perf } : {}),
      ...(lora && loras ? { loras, maxLoras: lora.maxLora } : {}),
    }
  })
  return {
    instances,
    cachedPrefixBlocks: (i, hashes) => {
      const b = backends[i]
      return b ? prefix.match(b.url, hashes) : 0
    },
  }
}

/** SATURATED_QUEUE is the queue length a stale backend is assumed to have. */
export const SATURATED_QUEUE = 1000
