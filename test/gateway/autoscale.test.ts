/**
 * @module Live autoscaling end to end, with real processes and sockets: the process actuator
 * starts `flotilla emulate` replicas from zero under a burst sent with the `openai` client (held
 * requests included, none lost), the KPA idles the pool back to zero and the processes are gone;
 * past the hold bound a request gets 429 with Retry-After, a held request that outlives
 * hold.timeout_s gets 503, a replica that exits by itself is removed, counted and replaced, one
 * that fails to start is retried after a back-off, and closing the gateway kills its children,
 * SIGKILL for one that ignores SIGTERM.
 */
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { parseGatewayConfig } from '../../src/gateway/config.js'
import { type Gateway, startGateway } from '../../src/gateway/gateway.js'
import { gatewayMetrics, MODEL, sum, until } from './helpers.js'

/** alive says whether a process exists (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** pids lists the replica processes a gateway runs now. */
function pids(gw: Gateway): number[] {
  return gw.autoscaling().flatMap((s) => s.replicas.flatMap((r) => (r.pid ? [r.pid] : [])))
}

/** emulate is the command of an emulator replica (the built CLI; the port is appended). */
const emulate = (timeScale: number): string =>
  JSON.stringify([
    process.execPath,
    'bin/flotilla.js',
    'emulate',
    '--model',
    MODEL,
    '--gpu',
    'h100-80g',
    '--time-scale',
    String(timeScale),
  ])

/** node runs a one-line script as a replica: `--port N` lands after `--`, in process.argv. */
const node = (script: string): string => JSON.stringify([process.execPath, '-e', script, '--'])

describe('autoscaling with the process actuator', () => {
  it('scales 0 → N under a burst with no request lost, then back to 0 with the processes gone', async () => {
    // cc 2 and max_in_flight 2: one replica serves two streams at once, so a burst of 12
    // queues at the gateway and the KPA (6 s window, 1 s ticks) panics up to max.
    const yaml = `listen: { host: 127.0.0.1, port: 0 }
pools:
  - model: ${MODEL}
    max_in_flight: 2
    autoscale:
      scaler: kpa:window=6:grace=1:tick=1
      max: 3
      container_concurrency: 2
      hold: { max_requests: 100, timeout_s: 20 }
      actuator:
        process: { command: ${emulate(1)}, port_base: 0, stop_timeout_s: 2 }
`
    const gw = await startGateway(parseGatewayConfig(yaml, 'autoscale.yaml'), {
      port: 0,
      log: () => {},
    })
    const seen = new Set<number>()
    const watch = setInterval(() => {
      for (const p of pids(gw)) seen.add(p)
    }, 25)
    let peak = 0
    const peakWatch = setInterval(() => {
      peak = Math.max(peak, gw.autoscaling()[0]!.ready)
    }, 25)
    try {
      expect(gw.autoscaling()[0]).toMatchObject({ ready: 0, pending: 0, desired: 0 })
      expect(gw.backends()).toHaveLength(0)
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-none', maxRetries: 0 })
      const ask = async (i: number): Promise<{ text: string; chunks: number; finish: string }> => {
        const stream = await client.chat.completions.create({
          model: MODEL,
          messages: [{ role: 'user', content: `Burst request ${i}` }],
          max_tokens: 120,
          ignore_eos: true,
          stream: true,
        } as OpenAI.ChatCompletionCreateParamsStreaming)
        let text = ''
        let chunks = 0
        let finish = ''
        for await (const c of stream) {
          const choice = c.choices[0]
          if (choice?.delta.content) {
            text += choice.delta.content
            chunks++
          }
          if (choice?.finish_reason) finish = choice.finish_reason
        }
        return { text, chunks, finish }
      }
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => ask(i)))
      for (const r of results) {
        expect(r.chunks).toBe(120)
        expect(r.finish).toBe('length')
        expect(r.text.length).toBeGreaterThan(0)
      }
      expect(peak).toBeGreaterThanOrEqual(2)
      const snap = gw.autoscaling()[0]!
      // The first requests arrived at zero replicas: held, then served.
      expect(snap.summary.held).toBeGreaterThan(0)
      expect(snap.summary.held_rejected).toBe(0)
      expect(snap.summary.cold_starts).toBeGreaterThanOrEqual(2)
      let m = await gatewayMetrics(gw)
      expect(sum(m, 'flotilla_gateway_requests_total', { status: '200' })).toBe(12)
      expect(sum(m, 'flotilla_autoscaler_decisions_total', { trigger: 'poke' })).toBe(1)
      expect(sum(m, 'flotilla_autoscaler_cold_start_seconds_count')).toBeGreaterThanOrEqual(2)
      expect(sum(m, 'flotilla_autoscaler_replica_starts_total')).toBeGreaterThanOrEqual(2)
      expect(seen.size).toBeGreaterThanOrEqual(2)

      // Idle: the stable window empties, the grace passes, the replicas drain and exit.
      await until(() => {
        const s = gw.autoscaling()[0]!
        return s.replicas.length === 0 && s.ready === 0 && s.desired === 0
      }, 20_000)
      expect(gw.backends()).toHaveLength(0)
      for (const pid of seen) expect(alive(pid)).toBe(false)
      m = await gatewayMetrics(gw)
      // Every process started is accounted for as stopped: drained, or cancelled while starting
      // when a decision came down before it was ready; none crashed or failed to start.
      expect(sum(m, 'flotilla_autoscaler_replica_stops_total')).toBe(seen.size)
      expect(
        sum(m, 'flotilla_autoscaler_replica_stops_total', { reason: 'drained' }),
      ).toBeGreaterThanOrEqual(2)
      expect(sum(m, 'flotilla_autoscaler_replica_stops_total', { reason: 'exited' })).toBe(0)
      expect(sum(m, 'flotilla_autoscaler_replica_stops_total', { reason: 'failed_start' })).toBe(0)
      expect(sum(m, 'flotilla_autoscaler_ready_replicas')).toBe(0)
    } finally {
      clearInterval(watch)
      clearInterval(peakWatch)
      await gw.close({ timeoutMs: 2000 })
    }
  }, 30_000)

  it('refuses past the hold bound (429, Retry-After), times out a hold (503), replaces a crashed replica, kills children on close', async () => {
    // 'stuck' never becomes healthy and ignores SIGTERM; 'crashy' serves /health, then exits;
    // 'broken' exits at once, every time.
    const stuck = node("process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)")
    const crashy = node(
      "require('http').createServer((q, s) => s.end('ok')).listen(+process.argv.at(-1)); " +
        'setTimeout(() => process.exit(3), 700)',
    )
    const yaml = `listen: { host: 127.0.0.1, port: 0 }
pools:
  - model: stuck
    autoscale:
      max: 1
      cold_start_s: 42
      hold: { max_requests: 1, timeout_s: 1.5 }
      actuator:
        process: { command: ${stuck}, port_base: 0, stop_timeout_s: 0.3 }
  - model: crashy
    autoscale:
      min: 1
      max: 1
      actuator:
        process: { command: ${crashy}, port_base: 0 }
  - model: broken
    autoscale:
      scaler: kpa:tick=0.5
      min: 1
      max: 1
      actuator:
        process: { command: ${node('process.exit(1)')}, port_base: 0 }
`
    const gw = await startGateway(parseGatewayConfig(yaml, 'autoscale.yaml'), {
      port: 0,
      log: () => {},
    })
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-none', maxRetries: 0 })
      const first = client.completions
        .create({ model: 'stuck', prompt: 'wait for me', max_tokens: 3 })
        .then(
          () => undefined,
          (err: unknown) => err,
        )
      const stuckPool = () => gw.autoscaling().find((s) => s.pool === 'stuck')!
      await until(() => stuckPool().held === 1, 3000)
      expect(stuckPool()).toMatchObject({ pending: 1, desired: 1 })
      const stuckPid = pids(gw).find((p) => stuckPool().replicas.some((r) => r.pid === p))!
      expect(alive(stuckPid)).toBe(true)

      // Over the bound: 429 whose Retry-After is the cold start left (42 s expected, ≥ 1).
      const over = await client.completions
        .create({ model: 'stuck', prompt: 'one too many', max_tokens: 3 })
        .catch((err: unknown) => err)
      expect(over).toBeInstanceOf(OpenAI.RateLimitError)
      const e429 = over as InstanceType<typeof OpenAI.RateLimitError>
      const retryAfter = Number(e429.headers?.get('retry-after'))
      expect(retryAfter).toBeGreaterThanOrEqual(40)
      expect(retryAfter).toBeLessThanOrEqual(42)
      expect(e429.code).toBe('scaling_from_zero')

      // The held one waits hold.timeout_s, then 503 in OpenAI's shape.
      const held = await first
      expect(held).toBeInstanceOf(OpenAI.InternalServerError)
      expect((held as InstanceType<typeof OpenAI.APIError>).status).toBe(503)
      expect((held as InstanceType<typeof OpenAI.APIError>).code).toBe('no_ready_replica')
      let m = await gatewayMetrics(gw)
      expect(sum(m, 'flotilla_autoscaler_held_refused_total', { pool: 'stuck' })).toBe(2)
      expect(
        sum(m, 'flotilla_autoscaler_held_refused_total', { pool: 'stuck', reason: 'full' }),
      ).toBe(1)

      // The crashy replica came up (min 1), exited by itself, was removed, counted and replaced.
      await until(async () => {
        const x = await gatewayMetrics(gw)
        return sum(x, 'flotilla_autoscaler_replica_stops_total', { pool: 'crashy' }) >= 1
      }, 5000)
      m = await gatewayMetrics(gw)
      expect(
        sum(m, 'flotilla_autoscaler_replica_stops_total', { pool: 'crashy', reason: 'exited' }),
      ).toBeGreaterThanOrEqual(1)
      // min 1: the next tick asks for another.
      await until(async () => {
        const x = await gatewayMetrics(gw)
        return sum(x, 'flotilla_autoscaler_replica_starts_total', { pool: 'crashy' }) >= 2
      }, 5000)

      // A replica that fails to start is retried after a back-off, not at every 0.5 s tick: the
      // retry waits, counted as pending so that the scaler does not order a third.
      m = await gatewayMetrics(gw)
      expect(sum(m, 'flotilla_autoscaler_replica_starts_total', { pool: 'broken' })).toBe(2)
      expect(
        sum(m, 'flotilla_autoscaler_replica_stops_total', {
          pool: 'broken',
          reason: 'failed_start',
        }),
      ).toBe(1)
      expect(gw.autoscaling().find((s) => s.pool === 'broken')).toMatchObject({ pending: 1 })

      const before = pids(gw)
      expect(before).toContain(stuckPid)
      const t0 = performance.now()
      await gw.close({ timeoutMs: 1000 })
      // The back-off wait ends at close; only 'stuck' takes its stop_timeout_s to be killed.
      expect(performance.now() - t0).toBeLessThan(2000)
      // Closed means every child exited: 'stuck' ignored SIGTERM and needed the SIGKILL.
      for (const pid of before) expect(alive(pid)).toBe(false)
      expect(gw.autoscaling().flatMap((s) => s.replicas)).toHaveLength(0)
    } finally {
      await gw.close({ timeoutMs: 1000 })
    }
  }, 30_000)
})
