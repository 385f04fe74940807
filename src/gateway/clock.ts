/**
 * @module The gateway's clock. Only the gateway's edges read time; they take it from a `Clock`
 * that tests can replace, and pass it on to policies and quotas as a number (`ctx.now`).
 */
import { performance } from 'node:perf_hooks'

/** Clock gives monotonic seconds (not wall-clock time: NTP steps must not reorder events). */
export interface Clock {
  now(): number
}

/** systemClock reads `performance.now()`, in seconds. */
export const systemClock: Clock = {
  now: function systemNow() {
    return performance.now() / 1000
  },
}
