/**
 * @module The emulator's /metrics: vLLM's Prometheus names, labels and histogram buckets, on a
 * registry of its own (never prom-client's global one, so several emulators share a process).
 *
 * Gauges and engine counters are read from the engine when scraped (collect callbacks), so a
 * scrape sees the engine as it is. Every series carries `model_name` and vLLM v1's `engine`
 * label. Latencies are observed in wall seconds (engine seconds ÷ --time-scale), which is what a
 * client or gateway timing the emulator measures.
 *
 * Bucket boundaries are vLLM's, from vllm/v1/metrics/loggers.py (`PrometheusStatLogger`):
 * TTFT, per-output-token / inter-token, and the request-latency list shared by e2e and queue time.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Engine } from '../engine/engine.js'

/** TTFT_BUCKETS: vllm:time_to_first_token_seconds. */
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
  40.0, 80.0, 160.0, 640.0, 2560.0,
]
/** TOKEN_BUCKETS: vllm:inter_token_latency_seconds and vllm:time_per_output_token_seconds. */
const TOKEN_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
  40.0, 80.0,
]
/** REQUEST_BUCKETS: vllm:e2e_request_latency_seconds and vllm:request_queue_time_seconds. */
const REQUEST_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
  480.0, 960.0, 1920.0, 7680.0,
]

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

const LABELS = ['model_name', 'engine'] as const

/** EmulatorMetrics records request observations and renders the registry. */
export class EmulatorMetrics {
  readonly registry = new Registry()
  #ttft: Histogram.Internal<string>
  #itl: Histogram.Internal<string>
  #tpot: Histogram.Internal<string>
  #e2e: Histogram.Internal<string>
  #queue: Histogram.Internal<string>
  #promptTokens: Counter.Internal
  #success: Record<FinishedReason, Counter.Internal>

  constructor(o: MetricsOptions) {
    const registers = [this.registry]
    const labels = { model_name: o.modelName, engine: '0' }
    const engine = o.engine
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        labelNames: LABELS,
        registers,
        collect() {
          this.set(labels, read())
        },
      })
    }
    gauge(
      'vllm:num_requests_running',
      'Number of requests in model execution batches.',
      () => engine.numRunning,
    )
    gauge(
      'vllm:num_requests_waiting',
      'Number of requests waiting to be processed.',
      () => engine.numWaiting + o.heldWaiting(),
    )
    gauge(
      'vllm:kv_cache_usage_perc',
      'KV-cache usage. 1 means 100 percent usage.',
      () => engine.kvUsage,
    )
    gauge(
      'vllm:gpu_cache_usage_perc',
      'GPU KV-cache usage. 1 means 100 percent usage. DEPRECATED: Use vllm:kv_cache_usage_perc.',
      () => engine.kvUsage,
    )

    // vLLM sets this gauge to the current time under labels naming the adapters; it has no
    // model_name label there, but DESIGN.md's contract puts model_name on every series. We keep
    // only the current label set (vLLM leaves stale ones behind; readers take the newest).
    const unixTime = o.unixTime ?? (() => Date.now() / 1000)
    new Gauge({
      name: 'vllm:lora_requests_info',
      help: 'Running stats on lora requests.',
      labelNames: ['model_name', 'max_lora', 'waiting_lora_adapters', 'running_lora_adapters'],
      registers,
      collect() {
        const s = o.loraState()
        this.reset()
        this.set(
          {
            model_name: o.modelName,
            max_lora: String(o.maxLoras),
            waiting_lora_adapters: s.waiting.join(','),
            running_lora_adapters: s.running.join(','),
          },
          unixTime(),
        )
      },
    })
    new Gauge({
      name: 'vllm:cache_config_info',
      help: 'Information of the LLMEngine CacheConfig',
      labelNames: [
        'model_name',
        'engine',
        'block_size',
        'num_gpu_blocks',
        'cache_dtype',
        'enable_prefix_caching',
        'gpu_memory_utilization',
      ],
      registers,
    }).set(
      {
        ...labels,
        block_size: String(engine.config.blockSize),
        num_gpu_blocks: String(engine.pool.numBlocks),
        cache_dtype: o.cacheDtype,
        enable_prefix_caching: engine.config.enablePrefixCaching ? 'True' : 'False',
        gpu_memory_utilization: String(engine.config.gpuMemoryUtilization),
      },
      1,
    )

    // Engine counters are monotonic; each scrape adds what they gained since the last one.
    const counter = (name: string, help: string, read: () => number): void => {
      let seen = 0
      new Counter({
        name,
        help,
        labelNames: LABELS,
        registers,
        collect() {
          const v = read()
          this.inc(labels, v - seen)
          seen = v
        },
      })
    }
    const c = engine.counters
    counter(
      'vllm:prefix_cache_queries_total',
      'Prefix cache queries, in terms of number of queried tokens.',
      () => c.prefixQueries,
    )
    counter(
      'vllm:prefix_cache_hits_total',
      'Prefix cache hits, in terms of number of cached tokens.',
      () => c.prefixHits,
    )
    counter(
      'vllm:num_preemptions_total',
      'Cumulative number of preemption from the engine.',
      () => c.preemptions,
    )
    counter(
      'vllm:generation_tokens_total',
      'Number of generation tokens processed.',
      () => c.generationTokens,
    )
    this.#promptTokens = new Counter({
      name: 'vllm:prompt_tokens_total',
      help: 'Number of prefill tokens processed.',
      labelNames: LABELS,
      registers,
    }).labels(labels)
    this.#promptTokens.inc(0)
    const success = new Counter({
      name: 'vllm:request_success_total',
      help: 'Count of successfully processed requests.',
      labelNames: [...LABELS, 'finished_reason'],
      registers,
    })
    const reason = (r: FinishedReason) => {
      const child = success.labels({ ...labels, finished_reason: r })
      child.inc(0) // every reason is exported from the start, as vLLM does
      return child
    }
    this.#success = { stop: reason('stop'), length: reason('length'), abort: reason('abort') }

    const histogram = (name: string, help: string, buckets: number[]) =>
      new Histogram({ name, help, buckets, labelNames: LABELS, registers }).labels(labels)
    this.#ttft = histogram(
      'vllm:time_to_first_token_seconds',
      'Histogram of time to first token in seconds.',
      TTFT_BUCKETS,
    )
    this.#itl = histogram(
      'vllm:inter_token_latency_seconds',
      'Histogram of inter-token latency in seconds.',
      TOKEN_BUCKETS,
    )
    this.#tpot = histogram(
      'vllm:time_per_output_token_seconds',
      'Histogram of time per output token in seconds. DEPRECATED: Use vllm:inter_token_latency_seconds.',
      TOKEN_BUCKETS,
    )
    this.#e2e = histogram(
      'vllm:e2e_request_latency_seconds',
      'Histogram of e2e request latency in seconds.',
      REQUEST_BUCKETS,
    )
    this.#queue = histogram(
      'vllm:request_queue_time_seconds',
      'Histogram of time spent in WAITING phase for request.',
      REQUEST_BUCKETS,
    )
  }

  /** firstToken records a request's TTFT (wall seconds) and counts its prompt, as vLLM v1 does. */
  firstToken(ttft: number, promptTokens: number): void {
    this.#ttft.observe(ttft)
    this.#promptTokens.inc(promptTokens)
  }

  /** tokenGap records one inter-token gap (wall seconds) in both the new and the old histogram. */
  tokenGap(gap: number): void {
    this.#itl.observe(gap)
    this.#tpot.observe(gap)
  }

  /** finished records a finished request's end-to-end and queue times (wall seconds). */
  finished(reason: FinishedReason, e2e: number, queue: number): void {
    this.#success[reason].inc()
    this.#e2e.observe(e2e)
    this.#queue.observe(queue)
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
