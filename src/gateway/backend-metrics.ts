/**
 * @module The few numbers a gateway needs from a backend's `/metrics`, read from vLLM's metric
 * names (current names first, older ones as fallback; DESIGN.md lists both). Engines that export
 * none of them (llama.cpp server, Ollama) yield `undefined` fields and the gateway relies on its
 * own in-flight accounting.
 */
import type { Sample } from './prom-text.js'

/** BackendMetrics is one scrape, reduced. Sums over label sets (several engines per server). */
export interface BackendMetrics {
  readonly running: number | undefined
  readonly waiting: number | undefined
  /** KV-cache usage 0..1. */
  readonly kvUsage: number | undefined
  readonly blockSize: number | undefined
  readonly numGpuBlocks: number | undefined
  readonly prefixQueries: number | undefined
  readonly prefixHits: number | undefined
  readonly preemptions: number | undefined
  /** LoRA adapters by state, from `vllm:lora_requests_info` (latest sample). */
  readonly lora:
    | {
        readonly maxLora: number
        readonly running: ReadonlyArray<string>
        readonly waiting: ReadonlyArray<string>
      }
    | undefined
}

function sumOf(samples: ReadonlyArray<Sample>, names: ReadonlyArray<string>): number | undefined {
  for (const name of names) {
    let found = false
    let sum = 0
    for (const s of samples) {
      if (s.name !== name) continue
      found = true
      sum += s.value
    }
    if (found) return sum
  }
  return undefined
}

function maxOf(samples: ReadonlyArray<Sample>, names: ReadonlyArray<string>): number | undefined {
  for (const name of names) {
    let best: number | undefined
    for (const s of samples) {
      if (s.name === name && (best === undefined || s.value > best)) best = s.value
    }
    if (best !== undefined) return best
  }
  return undefined
}

function splitList(s: string | undefined): string[] {
  return s ? s.split(',').filter((x) => x.length > 0) : []
}

/**
 * readBackendMetrics extracts the gateway's view of a backend. `model` restricts to samples whose
 * `model_name` label matches (samples without the label always count).
 */
export function readBackendMetrics(all: ReadonlyArray<Sample>, model?: string): BackendMetrics {
  const samples =
    model === undefined
      ? all
      : all.filter((s) => s.labels.model_name === undefined || s.labels.model_name === model)
  // vLLM exports info metrics with the labels carrying the data; the newest value wins.
  let lora: BackendMetrics['lora']
  let loraStamp = Number.NEGATIVE_INFINITY
  let blockSize: number | undefined
  let numGpuBlocks: number | undefined
  for (const s of samples) {
    if (s.name === 'vllm:lora_requests_info' && s.value >= loraStamp) {
      loraStamp = s.value
      lora = {
        maxLora: Number(s.labels.max_lora ?? 0),
        running: splitList(s.labels.running_lora_adapters),
        waiting: splitList(s.labels.waiting_lora_adapters),
      }
    } else if (s.name === 'vllm:cache_config_info') {
      if (s.labels.block_size !== undefined) blockSize = Number(s.labels.block_size)
      if (s.labels.num_gpu_blocks !== undefined) numGpuBlocks = Number(s.labels.num_gpu_blocks)
    }
  }
  return {
    running: sumOf(samples, ['vllm:num_requests_running']),
    waiting: sumOf(samples, ['vllm:num_requests_waiting']),
    kvUsage: maxOf(samples, ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc']),
    blockSize,
    numGpuBlocks,
    prefixQueries: sumOf(samples, ['vllm:prefix_cache_queries_total', 'vllm:prefix_cache_queries']),
    prefixHits: sumOf(samples, ['vllm:prefix_cache_hits_total', 'vllm:prefix_cache_hits']),
    preemptions: sumOf(samples, ['vllm:num_preemptions_total']),
    lora,
  }
}
