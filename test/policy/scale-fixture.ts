/** @module Test fixtures for scalers: metric samples, pool views and a tick-by-tick driver. */
import type {
  PoolScaleView,
  ScaleDecision,
  Scaler,
  ScaleSample,
} from '../../src/policy/scaler/types.js'
import { emptySample } from '../../src/scaling/sampler.js'

/** makeSample is the 1-second bucket ending at `time`, idle unless `over` says otherwise. */
export function makeSample(time: number, over: Partial<ScaleSample> = {}): ScaleSample {
  return { ...emptySample(time), ...over, time }
}

/** samplesIn is one sample per second in (from, to], built by `at(time)`. */
export function samplesIn(
  from: number,
  to: number,
  at: (time: number) => Partial<ScaleSample>,
): ScaleSample[] {
  const out: ScaleSample[] = []
  for (let t = from + 1; t <= to; t++) out.push(makeSample(t, at(t)))
  return out
}

/**
 * makePool is a mixed pool of one ready replica with containerConcurrency 10, bounds [0, 100],
 * a 10 s cold start and no samples, overridden by `over`.
 */
export function makePool(over: Partial<PoolScaleView> = {}): PoolScaleView {
  return {
    name: 'pool',
    role: 'mixed',
    ready: 1,
    pending: 0,
    draining: 0,
    minReplicas: 0,
    maxReplicas: 100,
    containerConcurrency: 10,
    coldStartSeconds: 10,
    samples: [],
    ...over,
  }
}

/** Tick is one decision of a driven scaler. */
export interface Tick {
  readonly now: number
  readonly desired: number
  readonly panic: boolean
  /** Ready replicas the scaler saw at this tick. */
  readonly ready: number
}

/**
 * drive runs a single-pool scaler every `scaler.tickSeconds` over (from, to], handing it one
 * sample per second from `at`. Replicas become ready `lag` seconds after they are wanted (0:
 * at once; fixed `ready` overrides), and are removed at once.
 */
export function drive(
  scaler: Scaler,
  opts: {
    readonly from?: number
    readonly to: number
    readonly at: (time: number, ready: number) => Partial<ScaleSample>
    readonly pool?: Partial<PoolScaleView>
    readonly ready?: number
    readonly lag?: number
  },
): Tick[] {
  const from = opts.from ?? 0
  const tick = scaler.tickSeconds
  const lag = opts.lag ?? 0
  let ready = opts.ready ?? opts.pool?.ready ?? 1
  // Replicas ordered and the time each becomes ready.
  const coming: number[] = []
  let last = from
  const out: Tick[] = []
  for (let now = from + tick; now <= opts.to + 1e-9; now += tick) {
    while (coming.length > 0 && coming[0]! <= now) {
      coming.shift()
      ready++
    }
    const samples = samplesIn(last, Math.floor(now + 1e-9), (t) => opts.at(t, ready))
    last = Math.floor(now + 1e-9)
    const pool = makePool({ ...opts.pool, ready, pending: coming.length, samples })
    const d: ScaleDecision = scaler.decide({ now, pools: [pool] })
    const want = d.desired[0]!
    out.push({ now, desired: want, panic: d.panic ?? false, ready })
    if (opts.ready !== undefined) continue
    const have = ready + coming.length
    if (want > have) for (let i = 0; i < want - have; i++) coming.push(now + lag)
    else if (want < have) {
      let excess = have - want
      while (excess > 0 && coming.length > 0) {
        coming.pop()
        excess--
      }
      ready -= excess
    }
    while (lag === 0 && coming.length > 0) {
      coming.shift()
      ready++
    }
  }
  return out
}
