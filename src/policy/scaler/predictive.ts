/**
 * @module Predictive scaling: forecast the arrival rate a cold start ahead with Holt-Winters
 * (additive trend and season) and order replicas before the load arrives, never fewer than the
 * reactive KPA would. The idea is the one of AWS's predictive scaling and of forecasting
 * autoscalers for serverless (e.g. Shahrad et al., "Serverless in the Wild", ATC 2020, which
 * pre-warms from an arrival histogram); the forecaster is the textbook one (Hyndman &
 * Athanasopoulos, "Forecasting: Principles and Practice", §8.3).
 */
import { KpaPool } from './kpa.js'
import type { PoolScaleView, ScaleDecision, Scaler, ScaleView } from './types.js'

/** PredictiveOptions tune the forecaster and the target it sizes for. */
export interface PredictiveOptions {
  /** Season length, seconds: a day, the dominant cycle of production traces. */
  readonly season?: number
  /** Aggregation step, seconds: arrivals are counted per step and forecast per step. */
  readonly step?: number
  /** Smoothing of the level, trend and season. */
  readonly alpha?: number
  readonly beta?: number
  readonly gamma?: number
  /** Target utilisation of the per-replica concurrency, as the KPA's (also used by its part). */
  readonly util?: number
}

/**
 * PREDICTIVE_DEFAULTS. The smoothing constants are fixed rather than fitted: fitting by least
 * squares needs an optimiser over the whole history at every refit, while these are the usual
 * choices for minute-level load (a quick level, a slow trend, a season that adapts over a few
 * days), and the reactive KPA floor corrects what the forecast misses.
 */
export const PREDICTIVE_DEFAULTS = {
  season: 86_400,
  step: 60,
  alpha: 0.5,
  beta: 0.01,
  gamma: 0.3,
  util: 0.7,
} as const

/** Service time assumed before any request has finished, seconds. */
const DEFAULT_SERVICE_S = 1
/** Weight of the newest step in the smoothed service time (about a 3-step memory). */
const SERVICE_SMOOTHING = 0.3

/**
 * HoltWinters forecasts a series observed once per step: additive level, trend and season of
 * `period` steps. Until a whole period has been seen it runs Holt's linear method (no season),
 * then seeds the season from that first period (each step's deviation from its mean). Memory is
 * one period: the seasonal terms and, during the first period, the observations.
 */
export class HoltWinters {
  readonly #alpha: number
  readonly #beta: number
  readonly #gamma: number
  readonly #period: number
  #level = 0
  #trend = 0
  #season: Float64Array | undefined
  #first: number[] = []
  /** Steps observed so far; the next observation's seasonal index is n mod period. */
  #n = 0

  constructor(period: number, alpha: number, beta: number, gamma: number) {
    this.#period = Math.max(1, Math.round(period))
    this.#alpha = alpha
    this.#beta = beta
    this.#gamma = gamma
  }

  /** observations is how many steps have been observed. */
  get observations(): number {
    return this.#n
  }

  /** seasonal says whether a whole period has been seen (the season is in use). */
  get seasonal(): boolean {
    return this.#season !== undefined
  }

  /** observe adds the next step's value. */
  observe(y: number): void {
    const a = this.#alpha
    const b = this.#beta
    if (this.#n === 0) {
      this.#level = y
    } else if (!this.#season) {
      const prev = this.#level
      this.#level = a * y + (1 - a) * (prev + this.#trend)
      this.#trend = b * (this.#level - prev) + (1 - b) * this.#trend
    } else {
      const i = this.#n % this.#period
      const s = this.#season[i]!
      const prev = this.#level
      this.#level = a * (y - s) + (1 - a) * (prev + this.#trend)
      this.#trend = b * (this.#level - prev) + (1 - b) * this.#trend
      this.#season[i] = this.#gamma * (y - this.#level) + (1 - this.#gamma) * s
    }
    this.#n++
    if (!this.#season) {
      this.#first.push(y)
      if (this.#first.length === this.#period) this.#seed()
    }
  }

  /** forecast is the value expected `h` ≥ 1 steps after the last observation. */
  forecast(h: number): number {
    const base = this.#level + h * this.#trend
    if (!this.#season) return base
    return base + this.#season[(this.#n + h - 1) % this.#period]!
  }

  /**
   * #seed starts the season from the first period: the level becomes its mean (the deseasonalised
   * level at its end), each index its deviation from that mean, and the trend restarts at 0.
   */
  #seed(): void {
    const mean = this.#first.reduce((s, y) => s + y, 0) / this.#period
    this.#season = Float64Array.from(this.#first, (y) => y - mean)
    this.#level = mean
    this.#trend = 0
    this.#first = []
  }
}

/** PredictivePool is one pool's forecaster, step accumulator and reactive KPA. */
class PredictivePool {
  readonly #o: Required<PredictiveOptions>
  readonly #kpa: KpaPool
  readonly #hw: HoltWinters
  /** Index of the open step (its end is (index + 1) × step); undefined before any sample. */
  #stepIdx: number | undefined
  #arrivals = 0
  #latency = 0
  #completions = 0
  #service: number | undefined

  constructor(o: Required<PredictiveOptions>) {
    this.#o = o
    this.#kpa = new KpaPool({ util: o.util })
    this.#hw = new HoltWinters(o.season / o.step, o.alpha, o.beta, o.gamma)
  }

  /** forecaster is the pool's Holt-Winters model (for reports and tests). */
  get forecaster(): HoltWinters {
    return this.#hw
  }

  decide(pool: PoolScaleView, now: number): { desired: number; panic: boolean } {
    for (const s of pool.samples) {
      // The sample covers (time − 1, time]: steps are (k × step, (k + 1) × step].
      const idx = Math.ceil(s.time / this.#o.step - 1e-9) - 1
      if (this.#stepIdx === undefined) this.#stepIdx = idx
      while (idx > this.#stepIdx) this.#closeStep()
      this.#arrivals += s.arrivals
      this.#latency += s.latencySum
      this.#completions += s.completions
    }
    const reactive = this.#kpa.decide(pool, now)
    const predicted = this.#predictedReplicas(pool, now)
    const desired = Math.max(reactive.desired, Math.min(pool.maxReplicas, predicted))
    return { desired: Math.max(pool.minReplicas, desired), panic: reactive.panic }
  }

  /**
   * #predictedReplicas sizes for the rate forecast where replicas ordered now will be serving:
   * the step holding now + cold start and the one after it (the next decision's replicas take
   * over from there). Little's law turns the rate into concurrency (rate × service time), and
   * the KPA's target per replica into replicas. A step expected to bring less than one request
   * asks for none, so a service idle at night can still scale to zero.
   */
  #predictedReplicas(pool: PoolScaleView, now: number): number {
    if (this.#stepIdx === undefined || this.#hw.observations === 0) return 0
    const step = this.#o.step
    const openEnd = (this.#stepIdx + 1) * step
    // Step h = 1 is the open step, ending at openEnd; the step holding τ is h = 1 + ⌈(τ − openEnd)/step⌉.
    const tau = now + pool.coldStartSeconds
    const h = 1 + Math.max(0, Math.ceil((tau - openEnd) / step - 1e-9))
    const rate = Math.max(0, this.#hw.forecast(h), this.#hw.forecast(h + 1))
    if (rate * step < 1) return 0
    const service = this.#service ?? DEFAULT_SERVICE_S
    return Math.ceil((rate * service) / this.#kpa.targetValue(pool) - 1e-9)
  }

  #closeStep(): void {
    this.#hw.observe(this.#arrivals / this.#o.step)
    if (this.#completions > 0) {
      const w = this.#latency / this.#completions
      this.#service =
        this.#service === undefined
          ? w
          : SERVICE_SMOOTHING * w + (1 - SERVICE_SMOOTHING) * this.#service
    }
    this.#arrivals = 0
    this.#latency = 0
    this.#completions = 0
    this.#stepIdx = this.#stepIdx! + 1
  }
}

/**
 * createPredictive returns a scaler that forecasts arrivals per minute with Holt-Winters over a
 * daily season (Holt's trend alone during the first day) and keeps max(KPA's reactive count,
 * ⌈forecast rate × mean service time / (cc × util)⌉) replicas, the forecast taken a cold start
 * ahead so that replicas are ready when the load comes.
 */
export function createPredictive(opts: PredictiveOptions = {}): Scaler {
  const o: Required<PredictiveOptions> = { ...PREDICTIVE_DEFAULTS, ...opts }
  const pools = new Map<string, PredictivePool>()
  return {
    name: 'predictive',
    tickSeconds: 2,
    decide: function decidePredictive(view: ScaleView): ScaleDecision {
      let panic = false
      const desired = view.pools.map((pool) => {
        let p = pools.get(pool.name)
        if (!p) {
          p = new PredictivePool(o)
          pools.set(pool.name, p)
        }
        const d = p.decide(pool, view.now)
        panic ||= d.panic
        return d.desired
      })
      return { desired, panic }
    },
  }
}
