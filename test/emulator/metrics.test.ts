/**
 * @module The emulator's /metrics and its engine behaviour seen from outside: every vLLM name
 * DESIGN.md lists, with model_name; prefix-cache hits for a repeated prompt; batching under 20
 * concurrent streams; and a TTFT that matches the latency model's prefill time.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import { addPrefillChunk, emptyBatch } from '../../src/perf/batch.js'
import { createIterationModel } from '../../src/perf/iteration.js'
import { MODEL, post, readFrames, scrape, start, value } from './helpers.js'

const NAMES: ReadonlyArray<[string, string]> = [
  ['vllm:num_requests_running', 'gauge'],
  ['vllm:num_requests_waiting', 'gauge'],
  ['vllm:kv_cache_usage_perc', 'gauge'],
  ['vllm:gpu_cache_usage_perc', 'gauge'],
  ['vllm:lora_requests_info', 'gauge'],
  ['vllm:cache_config_info', 'gauge'],
  ['vllm:prefix_cache_queries_total', 'counter'],
  ['vllm:prefix_cache_hits_total', 'counter'],
  ['vllm:num_preemptions_total', 'counter'],
  ['vllm:prompt_tokens_total', 'counter'],
  ['vllm:generation_tokens_total', 'counter'],
  ['vllm:request_success_total', 'counter'],
  ['vllm:time_to_first_token_seconds', 'histogram'],
  ['vllm:inter_token_latency_seconds', 'histogram'],
  ['vllm:time_per_output_token_seconds', 'histogram'],
  ['vllm:e2e_request_latency_seconds', 'histogram'],
  ['vllm:request_queue_time_seconds', 'histogram'],
]

const running: Emulator[] = []
async function emulator(opts: Parameters<typeof start>[0] = {}): Promise<Emulator> {
  const e = await start(opts)
  running.push(e)
  return e
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()))
})

/** words builds an English-like text prompt of roughly n tokens. */
function words(n: number, seed = 0): string {
  const vocab = ['alpha', 'beta', 'gamma', 'delta', 'kappa', 'sigma', 'omega', 'zeta']
  const out: string[] = []
  for (let i = 0; i < n / 2; i++) out.push(vocab[(i * 7 + seed) % vocab.length]!)
  return out.join(' ')
}

describe('/metrics', () => {
  it('exports every vLLM name with a model_name label, and vLLM bucket boundaries', async () => {
    const e = await emulator({ loras: ['a'] })
    await post(e, '/v1/completions', { model: MODEL, prompt: 'warm up', max_tokens: 5 })
    const x = await scrape(e)
    for (const [name, type] of NAMES) {
      expect(x.types.get(name), name).toBe(type)
      const suffix = type === 'histogram' ? '_count' : ''
      const samples = x.samples.filter((s) => s.name === name + suffix)
      expect(samples.length, name).toBeGreaterThan(0)
      for (const s of samples) expect(s.labels.model_name, name).toBe(MODEL)
    }
    const ttftLe = x.samples
      .filter((s) => s.name === 'vllm:time_to_first_token_seconds_bucket')
      .map((s) => s.labels.le)
    expect(ttftLe.slice(0, 3)).toEqual(['0.001', '0.005', '0.01'])
    expect(ttftLe.at(-1)).toBe('+Inf')
    expect(value(x, 'vllm:request_success_total')).toBe(1)
    expect(value(x, 'vllm:generation_tokens_total')).toBe(5)
    const info = x.samples.find((s) => s.name === 'vllm:cache_config_info')!
    expect(info.labels.block_size).toBe('16')
    expect(Number(info.labels.num_gpu_blocks)).toBe(e.plan.numBlocks)
    const lora = x.samples.find((s) => s.name === 'vllm:lora_requests_info')!
    expect(lora.labels.max_lora).toBe('1')
    expect(lora.value).toBeGreaterThan(1.6e9) // a timestamp, as vLLM sets it
  })

  it('shows prefix-cache hits when a long prompt is sent twice', async () => {
    const e = await emulator()
    const prompt = words(2000)
    const r1 = await post(e, '/v1/completions', { model: MODEL, prompt, max_tokens: 2 })
    const before = await scrape(e)
    expect(value(before, 'vllm:prefix_cache_hits_total')).toBe(0)
    await post(e, '/v1/completions', { model: MODEL, prompt, max_tokens: 2 })
    const after = await scrape(e)
    const tokens = (r1.json as { usage: { prompt_tokens: number } }).usage.prompt_tokens
    const hits = value(after, 'vllm:prefix_cache_hits_total')
    // Every full block but the one holding the last prompt token (it must be recomputed).
    expect(hits).toBe(Math.floor((tokens - 1) / 16) * 16)
    expect(value(after, 'vllm:prefix_cache_queries_total')).toBe(2 * tokens)
    // A different question after the same document hits the shared blocks too.
    await post(e, '/v1/completions', { model: MODEL, prompt: `${prompt} and then?`, max_tokens: 2 })
    expect(value(await scrape(e), 'vllm:prefix_cache_hits_total')).toBeGreaterThan(hits + 1000)
  })

  it('batches 20 concurrent streams: all complete and more than one runs at once', async () => {
    const e = await emulator({ timeScale: 5 })
    let firsts = 0
    let allFirst: () => void = () => {}
    const gotFirsts = new Promise<void>((r) => {
      allFirst = r
    })
    const streams = Array.from({ length: 20 }, async (_, i) => {
      const res = await fetch(`${e.url}/v1/completions`, {
        method: 'POST',
        body: JSON.stringify({
          model: MODEL,
          prompt: `${words(200, i)} request ${i}`,
          max_tokens: 100,
          ignore_eos: true,
          stream: true,
        }),
      })
      const reader = res.body!.getReader()
      const dec = new TextDecoder()
      let text = ''
      let first = true
      for (;;) {
        const { done, value: chunk } = await reader.read()
        if (done) break
        text += dec.decode(chunk, { stream: true })
        if (first && text.includes('"text"')) {
          first = false
          if (++firsts === 20) allFirst()
        }
      }
      return readFrames(text)
    })
    await gotFirsts
    const mid = await scrape(e)
    expect(value(mid, 'vllm:num_requests_running')).toBeGreaterThan(1)
    expect(value(mid, 'vllm:kv_cache_usage_perc')).toBeGreaterThan(0)
    const results = await Promise.all(streams)
    for (const frames of results) {
      expect(frames.at(-1)).toBe('[DONE]')
      expect(frames).toHaveLength(101)
    }
    const end = await scrape(e)
    expect(value(end, 'vllm:request_success_total', { finished_reason: 'length' })).toBe(20)
    expect(value(end, 'vllm:num_requests_running')).toBe(0)
  })

  it('reports LoRA adapters running and waiting, holding a second adapter at --max-loras 1', async () => {
    const e = await emulator({ loras: ['a', 'b'], maxLoras: 1, timeScale: 5 })
    const send = (model: string) =>
      post(e, '/v1/completions', { model, prompt: 'lora', max_tokens: 40, ignore_eos: true })
    const a = send('a')
    await new Promise((r) => setTimeout(r, 20))
    const b = send('b')
    await new Promise((r) => setTimeout(r, 20))
    const x = await scrape(e)
    const info = x.samples.find((s) => s.name === 'vllm:lora_requests_info')!
    expect(info.labels.running_lora_adapters).toBe('a')
    expect(info.labels.waiting_lora_adapters).toBe('b')
    expect(value(x, 'vllm:num_requests_waiting')).toBe(1)
    expect(value(x, 'vllm:num_requests_running')).toBe(1)
    expect((await a).status).toBe(200)
    expect((await b).status).toBe(200)
  })

  it('gives a 2000-token prompt the TTFT of the latency model prefill time / time-scale', async () => {
    const timeScale = 2
    const e = await emulator({ timeScale })
    const b = emptyBatch()
    addPrefillChunk(b, 2000, 0)
    const expected = createIterationModel(e.plan.deployment).iterationTime(b) / timeScale
    expect(expected).toBeGreaterThan(0.02) // long enough to measure over HTTP
    const prompt = Array.from({ length: 2000 }, (_, i) => 1000 + i)
    const t0 = performance.now()
    const res = await fetch(`${e.url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: MODEL, prompt, max_tokens: 3, stream: true }),
    })
    const reader = res.body!.getReader()
    let ttft = -1
    for (;;) {
      const { done, value: chunk } = await reader.read()
      if (done) break
      if (ttft < 0 && new TextDecoder().decode(chunk).includes('"text"')) {
        ttft = (performance.now() - t0) / 1000
      }
    }
    expect(ttft).toBeGreaterThan(expected * 0.9)
    expect(ttft).toBeLessThan(expected * 2 + 0.05)
    // The histogram records the engine's own TTFT in wall seconds: the prefill, no HTTP time.
    const x = await scrape(e)
    expect(value(x, 'vllm:time_to_first_token_seconds_sum')).toBeCloseTo(expected, 9)
  })
})
