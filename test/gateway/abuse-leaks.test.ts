/**
 * @module Nothing secret leaks, nothing floods, and the gateway says how it stands: backend
 * credentials never reach /metrics, logs or snapshots (they travel as Basic auth); 50 clients
 * that hang up mid-upload make one short log line each, with no stack; /health reports
 * `degraded` while a pool has no ready backend and `unavailable` (503) when none has.
 * Run alone with `npm run test:abuse`.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import { parseGatewayConfig } from '../../src/gateway/config.js'
import { type Gateway, startGateway } from '../../src/gateway/gateway.js'
import { MODEL, startEmulators, startGatewayFor, until } from './helpers.js'

let emu: Emulator
beforeAll(async () => {
  ;[emu] = (await startEmulators(1)) as [Emulator]
})
afterAll(() => emu.close({ timeoutMs: 0 }))

describe('backend credentials', () => {
  let spy: Server
  const seen: IncomingHttpHeaders[] = []
  beforeAll(async () => {
    // In front of the emulator, recording the headers of every request the gateway makes.
    spy = createServer((req, res) => {
      seen.push(req.headers)
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', async () => {
        const r = await fetch(`${emu.url}${req.url}`, {
          method: req.method!,
          ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
        })
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' })
        res.end(Buffer.from(await r.arrayBuffer()))
      })
    })
    await new Promise<void>((r) => spy.listen(0, '127.0.0.1', r))
  })
  afterAll(() => new Promise((r) => spy.close(r)))

  it('go as Basic auth on every request and appear nowhere the gateway shows', async () => {
    const port = (spy.address() as { port: number }).port
    const logs: string[] = []
    const gw = await startGatewayFor([{ url: `http://ops:hunter2@127.0.0.1:${port}/v1` }], '', {
      log: (l) => logs.push(l),
    })
    try {
      const r = await fetch(`${gw.url}/v1/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: MODEL, prompt: 'hello', max_tokens: 3 }),
      })
      expect(r.status).toBe(200)
      const basic = `Basic ${Buffer.from('ops:hunter2').toString('base64')}`
      expect(seen.length).toBeGreaterThanOrEqual(3) // health, metrics, the completion
      for (const h of seen) expect(h.authorization).toBe(basic)
      const shown = [await gw.metricsText(), JSON.stringify(gw.backends()), ...logs].join('\n')
      // Before: `backend="http://ops:hunter2@127.0.0.1:…/v1"` on the unauthenticated /metrics.
      expect(shown).not.toContain('hunter2')
      expect(shown).toContain(`backend="http://127.0.0.1:${port}"`)
    } finally {
      await gw.close({ timeoutMs: 200 })
    }
  })
})

describe('clients that hang up mid-upload', () => {
  it('make one short log line each and leave the gateway serving', async () => {
    const logs: string[] = []
    const gw = await startGatewayFor([emu], '', { log: (l) => logs.push(l) })
    try {
      const { port } = new URL(gw.url)
      await Promise.all(
        Array.from(
          { length: 50 },
          () =>
            new Promise<void>((resolve) => {
              const s = connect(Number(port), '127.0.0.1', () => {
                s.write(
                  'POST /v1/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n' +
                    `content-length: 100000\r\n\r\n${'{'.padEnd(1000, ' ')}`,
                  () => setTimeout(() => s.destroy(), 20),
                )
              })
              s.on('close', () => resolve())
              s.on('error', () => {})
            }),
        ),
      )
      await until(() => logs.length >= 50, 2_000)
      await new Promise((r) => setTimeout(r, 100))
      // Before: 250 lines, a five-line stack trace per abort, each called an internal error.
      expect(logs).toHaveLength(50)
      for (const l of logs) {
        expect(l).not.toContain('\n')
        expect(l).toMatch(/client disconnected during the upload/)
      }
      const r = await fetch(`${gw.url}/v1/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: MODEL, prompt: 'still here', max_tokens: 2 }),
      })
      expect(r.status).toBe(200)
    } finally {
      await gw.close({ timeoutMs: 200 })
    }
  })
})

describe('/health', () => {
  let gw: Gateway
  afterAll(() => gw.close({ timeoutMs: 200 }))

  it('says degraded while a pool has no ready backend, and unavailable (503) when none has', async () => {
    const yaml = `listen: { host: 127.0.0.1, port: 0 }
health: { interval_ms: 50 }
pools:
  - model: ${MODEL}
    backends: [${emu.url}]
  - model: other
    backends: [http://127.0.0.1:1]
`
    const logs: string[] = []
    gw = await startGateway(parseGatewayConfig(yaml, 'test.yaml'), { log: (l) => logs.push(l) })
    expect(
      logs.some((l) =>
        /WARN backend unreachable at start-up.*backend=http:\/\/127\.0\.0\.1:1/.test(l),
      ),
    ).toBe(true)
    const degraded = await fetch(`${gw.url}/health`)
    expect(degraded.status).toBe(200)
    expect(await degraded.json()).toEqual({
      status: 'degraded',
      pools: [
        { model: MODEL, status: 'ok', backends: 1, ready: 1 },
        { model: 'other', status: 'unavailable', backends: 1, ready: 0 },
      ],
    })
    await emu.close({ timeoutMs: 0 })
    await until(async () => (await fetch(`${gw.url}/health`)).status === 503, 3_000)
    const down = (await (await fetch(`${gw.url}/health`)).json()) as { status: string }
    expect(down.status).toBe('unavailable')
  })
})
