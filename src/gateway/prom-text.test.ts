import { describe, expect, it } from 'vitest'
import { PromParseError, parsePromText } from './prom-text.js'

describe('parsePromText', () => {
  it('reads vLLM-style gauges, counters, histograms and info metrics', () => {
    const text = [
      '# HELP vllm:num_requests_running Number of requests in model execution batches.',
      '# TYPE vllm:num_requests_running gauge',
      'vllm:num_requests_running{model_name="llama-3.1-8b"} 3.0',
      'vllm:kv_cache_usage_perc{engine="0",model_name="llama-3.1-8b"} 0.25',
      'vllm:prefix_cache_hits_total{model_name="m"} 1.2e+04',
      'vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="m"} 7',
      'vllm:lora_requests_info{max_lora="4",running_lora_adapters="a,b",waiting_lora_adapters=""} 1.7e9',
      'weird{path="C:\\\\dir",q="say \\"hi\\"\\n"} NaN 1700000000000',
      'plain 42',
    ].join('\n')
    const s = parsePromText(text)
    expect(s.map((x) => x.name)).toEqual([
      'vllm:num_requests_running',
      'vllm:kv_cache_usage_perc',
      'vllm:prefix_cache_hits_total',
      'vllm:time_to_first_token_seconds_bucket',
      'vllm:lora_requests_info',
      'weird',
      'plain',
    ])
    expect(s[0]!.value).toBe(3)
    expect(s[1]!.labels).toEqual({ engine: '0', model_name: 'llama-3.1-8b' })
    expect(s[2]!.value).toBe(12000)
    expect(s[3]!.labels.le).toBe('+Inf')
    expect(s[4]!.labels.running_lora_adapters).toBe('a,b')
    expect(s[4]!.labels.waiting_lora_adapters).toBe('')
    expect(s[5]!.labels).toEqual({ path: 'C:\\dir', q: 'say "hi"\n' })
    expect(s[5]!.value).toBeNaN()
    expect(s[6]!.value).toBe(42)
  })

  it('names the line of malformed input', () => {
    expect(() => parsePromText('ok 1\nbad{x=1} 2')).toThrow(PromParseError)
    expect(() => parsePromText('ok 1\nbad{x=1} 2')).toThrow(/line 2/)
    expect(() => parsePromText('m{a="b"} nope')).toThrow(/bad value/)
    expect(() => parsePromText('9bad 1')).toThrow(/bad metric name/)
  })
})
