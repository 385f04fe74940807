/**
 * @module A first pass over each sweep trace, before any worker starts: it surfaces a missing file
 * or a malformed row as a usage error up front, and measures the trace's base request rate.
 */
import { openTrace } from '../trace/open.js'

/** TraceScan is what the sweep needs to know of a trace before running it. */
export interface TraceScan {
  /** Requests a run replays (the cap, or fewer when the trace is shorter). */
  readonly requests: number
  /**
   * Request rate at rate scale 1: (n − 1) arrivals over the span from the first to the last, in
   * req/s; NaN when the span is zero (one request, or an offline batch with every arrival at 0).
   */
  readonly base_rps: number
}

/** scanTrace reads the first `requests` requests of `spec` (seeded as a run with `seed` is). */
export async function scanTrace(spec: string, requests: number, seed: number): Promise<TraceScan> {
  const source = await openTrace(spec, { rateScale: 1, seed, requests })
  let n = 0
  let first = Number.NaN
  let last = Number.NaN
  for await (const chunk of source.chunks()) {
    for (const r of chunk) {
      if (n === 0) first = r.arrival
      last = r.arrival
      n++
    }
  }
  const span = last - first
  return { requests: n, base_rps: n > 1 && span > 0 ? (n - 1) / span : Number.NaN }
}
