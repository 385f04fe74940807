/**
 * @module The emulator's /metrics: vLLM's Prometheus names, labels and histogram buckets, on a
 * registry of its own (never prom-client's global one, so several emulators share a process).
 *
 * Gauges and engine counters are read from the engine when scraped (collect callbacks), so a
 * scrape sees the engine as it is. Every series carries `model_name` and vLLM v1's `engine`
 * label. Latencies are observed in wall seconds (engine seconds ÷ --time-scale), which is what a
 * client or gateway timing the emulator measures.
 *
 * The families themselves (names, help texts, buckets) are tabled in metric-families.ts.
 */
import { type Counter, type Histogram, Registry } from 'prom-client'
import type { Engine } from '../engine/engine.js'
import {
  type LatencyName,
  registerCacheConfig,
  registerEngineCounters,
  registerEngineGauges,
  registerLatencies,
  registerLoraInfo,
  registerPromptTokens,
  registerSuccess,
  type Target,
} from './metric-families.js'

/** FinishedReason is vLLM's `finished_reason` label value. */
export type FinishedReason = 'stop' | 'length' | 'abort'

/** LoraState lists the adapters with running and with waiting requests. */
export interface LoraState {
  readonly running: ReadonlyArray<string>
  readonly waiting: ReadonlyArray<string>
}

/** MetricsOptions describe the engine the metrics report on. */
export interface MetricsOptions {
  readonly modelName: string
  readonly engine: Engine
  readonly gpuMemoryUtilization: number
  readonly cacheDtype: string
  readonly maxLoras: number
  /** Requests held outside the engine (LoRA slots full): counted as waiting, as vLLM does. */
  readonly heldWaiting: () => number
  readonly loraState: () => LoraState
  /** Unix seconds, for vllm:lora_requests_info's timestamp value. */
  readonly unixTime?: () => number
}

/** EmulatorMetrics records request observations and renders the registry. */
export class EmulatorMetrics {
  readonly registry = new Registry()
  #latency: Record<LatencyName, Histogram.Internal<string>>
  #promptTokens: Counter.Internal
  #success: Record<FinishedReason, Counter.Internal>

  constructor(o: MetricsOptions) {
    const at: Target = {
      registers: [this.registry],
      labels: { model_name: o.modelName, engine: '0' },
    }
    // Registration order is the exposition's order: keep it (scrapers and diffs see the text).
    registerEngineGauges(at, o)
    registerLoraInfo(at, o)
    registerCacheConfig(at, o)
    registerEngineCounters(at, o.engine.counters)
    this.#promptTokens = registerPromptTokens(at)
    this.#success = registerSuccess(at)
    this.#latency = registerLatencies(at)
  }

  /** firstToken records a request's TTFT (wall seconds) and counts its prompt, as vLLM v1 does. */
  firstToken(ttft: number, promptTokens: number): void {
    this.#latency.ttft.observe(ttft)
    this.#promptTokens.inc(promptTokens)
  }

  /** tokenGap records one inter-token gap (wall seconds) in both the new and the old histogram. */
  tokenGap(gap: number): void {
    this.#latency.itl.observe(gap)
    this.#latency.tpot.observe(gap)
  }

  /** finished records a finished request's end-to-end and queue times (wall seconds). */
  finished(reason: FinishedReason, e2e: number, queue: number): void {
    this.#success[reason].inc()
    this.#latency.e2e.observe(e2e)
    this.#latency.queue.observe(queue)
  }

  /** render returns the Prometheus text exposition. */
  render(): Promise<string> {
    return this.registry.metrics()
  }

  /** contentType is the exposition's Content-Type header. */
  get contentType(): string {
    return this.registry.contentType
  }
}
