/**
 * @module vLLM's metric families as the emulator registers them: names, help texts, labels and
 * histogram buckets, in tables, with the helpers that register them on a registry. The order of
 * registration is the order of the exposition; keep it.
 *
 * Bucket boundaries are vLLM's, from vllm/v1/metrics/loggers.py (`PrometheusStatLogger`):
 * TTFT, per-output-token / inter-token, and the request-latency list shared by e2e and queue time.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { EngineCounters } from '../engine/engine.js'
import type { FinishedReason, MetricsOptions } from './metrics.js'

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

const LABELS = ['model_name', 'engine'] as const

/** Family is one metric's name and help text, and how its value is read when scraped. */
interface Family<In> {
  readonly name: string
  readonly help: string
  readonly read: (from: In) => number
}

/** ENGINE_GAUGES are read from the engine (and the LoRA gate's hold) at each scrape. */
const ENGINE_GAUGES: ReadonlyArray<Family<MetricsOptions>> = [
  {
    name: 'vllm:num_requests_running',
    help: 'Number of requests in model execution batches.',
    read: (o) => o.engine.numRunning,
  },
  {
    name: 'vllm:num_requests_waiting',
    help: 'Number of requests waiting to be processed.',
    read: (o) => o.engine.numWaiting + o.heldWaiting(),
  },
  {
    name: 'vllm:kv_cache_usage_perc',
    help: 'KV-cache usage. 1 means 100 percent usage.',
    read: (o) => o.engine.kvUsage,
  },
  {
    name: 'vllm:gpu_cache_usage_perc',
    help: 'GPU KV-cache usage. 1 means 100 percent usage. DEPRECATED: Use vllm:kv_cache_usage_perc.',
    read: (o) => o.engine.kvUsage,
  },
]

/** ENGINE_COUNTERS follow the engine's own monotonic counters. */
const ENGINE_COUNTERS: ReadonlyArray<Family<EngineCounters>> = [
  {
    name: 'vllm:prefix_cache_queries_total',
    help: 'Prefix cache queries, in terms of number of queried tokens.',
    read: (c) => c.prefixQueries,
  },
  {
    name: 'vllm:prefix_cache_hits_total',
    help: 'Prefix cache hits, in terms of number of cached tokens.',
    read: (c) => c.prefixHits,
  },
  {
    name: 'vllm:num_preemptions_total',
    help: 'Cumulative number of preemption from the engine.',
    read: (c) => c.preemptions,
  },
  {
    name: 'vllm:generation_tokens_total',
    help: 'Number of generation tokens processed.',
    read: (c) => c.generationTokens,
  },
]

/** LatencyName names one of the latency histograms. */
export type LatencyName = 'ttft' | 'itl' | 'tpot' | 'e2e' | 'queue'

/** LATENCY_HISTOGRAMS are observed by the emulator as tokens and requests finish. */
const LATENCY_HISTOGRAMS: Record<
  LatencyName,
  { readonly name: string; readonly help: string; readonly buckets: number[] }
> = {
  ttft: {
    name: 'vllm:time_to_first_token_seconds',
    help: 'Histogram of time to first token in seconds.',
    buckets: TTFT_BUCKETS,
  },
  itl: {
    name: 'vllm:inter_token_latency_seconds',
    help: 'Histogram of inter-token latency in seconds.',
    buckets: TOKEN_BUCKETS,
  },
  tpot: {
    name: 'vllm:time_per_output_token_seconds',
    help: 'Histogram of time per output token in seconds. DEPRECATED: Use vllm:inter_token_latency_seconds.',
    buckets: TOKEN_BUCKETS,
  },
  e2e: {
    name: 'vllm:e2e_request_latency_seconds',
    help: 'Histogram of e2e request latency in seconds.',
    buckets: REQUEST_BUCKETS,
  },
  queue: {
    name: 'vllm:request_queue_time_seconds',
    help: 'Histogram of time spent in WAITING phase for request.',
    buckets: REQUEST_BUCKETS,
  },
}

/** Target is where families are registered, and the labels every series of theirs carries. */
export interface Target {
  readonly registers: Registry[]
  readonly labels: { readonly model_name: string; readonly engine: string }
}

/** registerEngineGauges registers the gauges read from the engine when scraped. */
export function registerEngineGauges(at: Target, o: MetricsOptions): void {
  for (const f of ENGINE_GAUGES) {
    new Gauge({
      name: f.name,
      help: f.help,
      labelNames: LABELS,
      registers: at.registers,
      collect() {
        this.set(at.labels, f.read(o))
      },
    })
  }
}

/**
 * registerLoraInfo registers vllm:lora_requests_info. vLLM sets this gauge to the current time
 * under labels naming the adapters; it has no model_name label there, but DESIGN.md's contract
 * puts model_name on every series. We keep only the current label set (vLLM leaves stale ones
 * behind; readers take the newest).
 */
export function registerLoraInfo(at: Target, o: MetricsOptions): void {
  const unixTime = o.unixTime ?? (() => Date.now() / 1000)
  new Gauge({
    name: 'vllm:lora_requests_info',
    help: 'Running stats on lora requests.',
    labelNames: ['model_name', 'max_lora', 'waiting_lora_adapters', 'running_lora_adapters'],
    registers: at.registers,
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
}

/** registerCacheConfig registers vllm:cache_config_info, set once: the KV cache's settings. */
export function registerCacheConfig(at: Target, o: MetricsOptions): void {
  const engine = o.engine
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
    registers: at.registers,
  }).set(
    {
      ...at.labels,
      block_size: String(engine.config.blockSize),
      num_gpu_blocks: String(engine.pool.numBlocks),
      cache_dtype: o.cacheDtype,
      enable_prefix_caching: engine.config.enablePrefixCaching ? 'True' : 'False',
      gpu_memory_utilization: String(engine.config.gpuMemoryUtilization),
    },
    1,
  )
}

/**
 * registerEngineCounters registers the counters that follow the engine's. Prometheus counters
 * only go up by increments, so each scrape adds what the engine's counter gained since the last.
 */
export function registerEngineCounters(at: Target, c: EngineCounters): void {
  for (const f of ENGINE_COUNTERS) {
    let seen = 0
    new Counter({
      name: f.name,
      help: f.help,
      labelNames: LABELS,
      registers: at.registers,
      collect() {
        const v = f.read(c)
        this.inc(at.labels, v - seen)
        seen = v
      },
    })
  }
}

/** registerPromptTokens registers vllm:prompt_tokens_total, counted as first tokens come out. */
export function registerPromptTokens(at: Target): Counter.Internal {
  const child = new Counter({
    name: 'vllm:prompt_tokens_total',
    help: 'Number of prefill tokens processed.',
    labelNames: LABELS,
    registers: at.registers,
  }).labels(at.labels)
  child.inc(0)
  return child
}

/** registerSuccess registers vllm:request_success_total, one series per finished reason. */
export function registerSuccess(at: Target): Record<FinishedReason, Counter.Internal> {
  const success = new Counter({
    name: 'vllm:request_success_total',
    help: 'Count of successfully processed requests.',
    labelNames: [...LABELS, 'finished_reason'],
    registers: at.registers,
  })
  const reason = (r: FinishedReason) => {
    const child = success.labels({ ...at.labels, finished_reason: r })
    child.inc(0) // every reason is exported from the start, as vLLM does
    return child
  }
  return { stop: reason('stop'), length: reason('length'), abort: reason('abort') }
}

/** registerLatencies registers the latency histograms, in the table's order. */
export function registerLatencies(at: Target): Record<LatencyName, Histogram.Internal<string>> {
  const histogram = (latency: LatencyName) => {
    const { name, help, buckets } = LATENCY_HISTOGRAMS[latency]
    return new Histogram({
      name,
      help,
      buckets,
      labelNames: LABELS,
      registers: at.registers,
    }).labels(at.labels)
  }
  return {
    ttft: histogram('ttft'),
    itl: histogram('itl'),
    tpot: histogram('tpot'),
    e2e: histogram('e2e'),
    queue: histogram('queue'),
  }
}
