/**
 * @module Fault flags and lifecycle: --fail-rate, --slowdown, --hang-after in process;
 * --crash-after and graceful SIGTERM drain through the compiled CLI in a child process
 * (test/global-setup.ts builds dist/ first).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import { UsageError } from '../../src/util/errors.js'
import { GPU, MODEL, post, readFrames, scrape, start, value } from './helpers.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = fileURLToPath(new URL('../../bin/flotilla.js', import.meta.url))

const running: Emulator[] = []
const children: ChildProcess[] = []
async function emulator(opts: Parameters<typeof start>[0] = {}): Promise<Emulator> {
  const e = await start(opts)
  running.push(e)
  return e
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close({ timeoutMs: 50 })))
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
})

const body = (extra: Record<string, unknown> = {}) => ({
  model: MODEL,
  prompt: 'fault injection',
  max_tokens: 8,
  ...extra,
})

/** spawnCli runs `flotilla emulate` (via the launcher) and resolves with its URL once listening. */
async function spawnCli(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [BIN, 'emulate', '--model', MODEL, '--gpu', GPU, '--port', '0', ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  children.push(child)
  const url = await new Promise<string>((resolve, reject) => {
    let err = ''
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString()
      const m = /on (http:\/\/[\d.]+:\d+)/.exec(err)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`emulate exited ${code}: ${err}`)))
  })
  return { child, url }
}

/** exitCode waits for a child to exit. */
function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

describe('fault flags', () => {
  it('--fail-rate 1 answers every completion with a 500 error body and keeps serving', async () => {
    const e = await emulator({ failRate: 1 })
    for (const path of ['/v1/completions', '/v1/chat/completions']) {
      const b = path.includes('chat')
        ? { model: MODEL, messages: [{ role: 'user', content: 'x' }] }
        : body()
      const r = await post(e, path, b)
      expect(r.status).toBe(500)
      expect((r.json as { error: { type: string } }).error.type).toBe('server_error')
    }
    expect((await fetch(`${e.url}/health`)).status).toBe(200)
  })

  it('--fail-rate 0.5 fails about half, the same ones for the same seed', async () => {
    const pattern = async (): Promise<number[]> => {
      const e = await emulator({ failRate: 0.5, seed: 7 })
      const out: number[] = []
      for (let i = 0; i < 30; i++)
        out.push((await post(e, '/v1/completions', body({ max_tokens: 1 }))).status)
      return out
    }
    const a = await pattern()
    expect(await pattern()).toEqual(a)
    const fails = a.filter((s) => s === 500).length
    expect(fails).toBeGreaterThan(5)
    expect(fails).toBeLessThan(25)
  })

  it('--slowdown 3 makes every iteration three times longer', async () => {
    const ttft = async (slowdown: number): Promise<number> => {
      const e = await emulator({ slowdown, timeScale: 20 })
      await post(
        e,
        '/v1/completions',
        body({ prompt: Array.from({ length: 3000 }, (_, i) => i), max_tokens: 1 }),
      )
      return value(await scrape(e), 'vllm:time_to_first_token_seconds_sum')
    }
    const base = await ttft(1)
    // Exact: an idle engine starts at the request's arrival, so TTFT is the prefill alone.
    expect((await ttft(3)) / base).toBeCloseTo(3, 6)
  })

  it('--hang-after 2 stops all tokens once the 2nd request starts; HTTP stays up', async () => {
    const e = await emulator({ hangAfter: 2 })
    expect((await post(e, '/v1/completions', body())).status).toBe(200)
    const ctrl = new AbortController()
    const res = await fetch(`${e.url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify(body({ stream: true })),
      signal: ctrl.signal,
    })
    expect(res.status).toBe(200) // headers go out at once, as vLLM's do
    const reader = res.body!.getReader()
    const got = await Promise.race([
      reader.read().then(() => 'data'),
      new Promise((r) => setTimeout(() => r('silence'), 300)),
    ])
    expect(got).toBe('silence')
    expect((await fetch(`${e.url}/health`)).status).toBe(200)
    expect(value(await scrape(e), 'vllm:num_requests_running')).toBe(1)
    ctrl.abort()
  })

  it('aborts a request whose client disconnects mid-stream, freeing its KV at once', async () => {
    // Real time: 2,000 tokens would take ~15 s; the abort must free the slot long before.
    const e = await emulator({ timeScale: 1 })
    const ctrl = new AbortController()
    const res = await fetch(`${e.url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify(body({ max_tokens: 2000, ignore_eos: true, stream: true })),
      signal: ctrl.signal,
    })
    await res.body!.getReader().read()
    expect(value(await scrape(e), 'vllm:num_requests_running')).toBe(1)
    ctrl.abort()
    let x = await scrape(e)
    for (let i = 0; i < 100; i++) {
      if (value(x, 'vllm:request_success_total', { finished_reason: 'abort' }) === 1) break
      await new Promise((r) => setTimeout(r, 10))
      x = await scrape(e)
    }
    expect(value(x, 'vllm:request_success_total', { finished_reason: 'abort' })).toBe(1)
    expect(value(x, 'vllm:num_requests_running')).toBe(0)
    expect(value(x, 'vllm:kv_cache_usage_perc')).toBe(0)
    expect(value(x, 'vllm:generation_tokens_total')).toBeLessThan(500)
    expect((await post(e, '/v1/completions', body())).status).toBe(200)
  })

  it('--crash-after 2 exits mid-stream of the 2nd request after sending some tokens', async () => {
    const { child, url } = await spawnCli(['--time-scale', '20', '--crash-after', '2'])
    const first = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify(body()),
    })
    expect(first.status).toBe(200)
    const res = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify(body({ max_tokens: 200, ignore_eos: true, stream: true })),
    })
    const reader = res.body!.getReader()
    let text = ''
    let error: unknown
    try {
      for (;;) {
        const { done, value: chunk } = await reader.read()
        if (done) break
        text += new TextDecoder().decode(chunk)
      }
    } catch (err) {
      error = err
    }
    expect(error).toBeDefined() // the stream broke: no clean end
    expect(text).toContain('"text"')
    expect(text).not.toContain('[DONE]')
    expect(await exitCode(child)).toBe(1)
  })

  it('drains in-flight streams on SIGTERM, refuses new connections, and exits 0', async () => {
    const { child, url } = await spawnCli(['--time-scale', '5'])
    const res = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify(body({ max_tokens: 60, ignore_eos: true, stream: true })),
    })
    const reader = res.body!.getReader()
    let text = ''
    let signalled = false
    for (;;) {
      const { done, value: chunk } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(chunk)
      if (!signalled) {
        signalled = true
        child.kill('SIGTERM')
        await new Promise((r) => setTimeout(r, 20))
        await expect(fetch(`${url}/health`)).rejects.toThrow()
      }
    }
    const frames = readFrames(text)
    expect(frames.at(-1)).toBe('[DONE]')
    expect(frames).toHaveLength(61)
    expect(await exitCode(child)).toBe(0)
  })
})

describe('startup errors', () => {
  it('rejects unknown ids and bad settings with a UsageError naming the flag', async () => {
    await expect(start({ gpu: 'tpu-v9' })).rejects.toThrow(/--gpu.*valid: /)
    await expect(start({ tp: 3 })).rejects.toThrow(UsageError)
    await expect(start({ failRate: 2 })).rejects.toThrow(/--fail-rate/)
    await expect(start({ model: 'llama-3.1-70b', gpu: 'l40s-48g' })).rejects.toThrow(/no memory/)
  })
})
