import { describe, expect, it } from 'vitest'
import { readBackendMetrics } from './backend-metrics.js'
import { parsePromText } from './prom-text.js'

describe('readBackendMetrics', () => {
  it('reads current vLLM names, summing engines and filtering by model', () => {
    const m = readBackendMetrics(
      parsePromText(
        [
          'vllm:num_requests_running{engine="0",model_name="a"} 2',
          'vllm:num_requests_running{engine="1",model_name="a"} 3',
          'vllm:num_requests_running{model_name="b"} 100',
          'vllm:num_requests_waiting{model_name="a"} 4',
          'vllm:kv_cache_usage_perc{model_name="a"} 0.5',
          'vllm:gpu_cache_usage_perc{model_name="a"} 0.1',
          'vllm:cache_config_info{block_size="16",num_gpu_blocks="29000"} 1',
          'vllm:prefix_cache_queries_total{model_name="a"} 1000',
          'vllm:prefix_cache_hits_total{model_name="a"} 250',
          'vllm:lora_requests_info{max_lora="2",running_lora_adapters="x",waiting_lora_adapters="y,z"} 100',
          'vllm:lora_requests_info{max_lora="2",running_lora_adapters="",waiting_lora_adapters=""} 50',
        ].join('\n'),
      ),
      'a',
    )
    expect(m.running).toBe(5)
    expect(m.waiting).toBe(4)
    expect(m.kvUsage).toBe(0.5) // the current name wins over the older one
    expect(m.blockSize).toBe(16)
    expect(m.numGpuBlocks).toBe(29000)
    expect(m.prefixHits! / m.prefixQueries!).toBe(0.25)
    expect(m.lora).toEqual({ maxLora: 2, running: ['x'], waiting: ['y', 'z'] })
  })

  it('falls back to the older KV gauge and leaves unknown fields undefined', () => {
    const m = readBackendMetrics(parsePromText('vllm:gpu_cache_usage_perc{model_name="a"} 0.7'))
    expect(m.kvUsage).toBe(0.7)
    expect(m.running).toBeUndefined()
    expect(m.lora).toBeUndefined()
  })
})
