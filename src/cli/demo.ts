/**
 * @module `flotilla demo`: the live half in one process. Starts three engine emulators and the
 * gateway on free ports, sends a short burst of streaming chat requests from two tenants (one
 * heavier than the other, each with its own shared system prompt), shows a table per backend
 * (in flight, completed, TTFT p50 at the gateway, scraped KV usage) refreshed twice a second on
 * stderr when it is a terminal, prints the final table on stdout, and shuts everything down.
 *
 * With `--autoscale` it starts no emulator: the gateway's process actuator starts `flotilla
 * emulate` replicas as the KPA asks (Knative's algorithm with a demo-sized 10 s window), the
 * first requests wait at zero replicas, and the table gains rows as replicas come up; after the
 * burst it keeps watching until the pool is back at zero (at most `--linger` seconds).
 */
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { type Emulator, startEmulator } from '../emulator/emulator.js'
import { parseGatewayConfig } from '../gateway/config.js'
import { type Gateway, startGateway } from '../gateway/gateway.js'
import { createRng } from '../util/rng.js'
import { parseNonNegativeInt, parsePositive, parsePositiveInt } from './args.js'
import { type BackendRow, formatDemoTable } from './demo-table.js'

/** DemoOptions size the burst. */
export interface DemoOptions {
  readonly requests: number
  /** Seconds over which the requests are sent. */
  readonly duration: number
  /** The emulators' --time-scale. */
  readonly timeScale: number
  readonly seed: number
  /** Start from zero emulators and let the gateway's autoscaler start them. */
  readonly autoscale?: boolean
  /** With autoscale: seconds to keep watching after the burst for the scale back to zero. */
  readonly linger?: number
}

/** DemoStreams are where the demo writes: the final table (stdout) and the live one (stderr). */
export interface DemoStreams {
  readonly out: (text: string) => void
  /** The live table's terminal, or undefined for none (not a TTY). */
  readonly live: ((text: string) => void) | undefined
}

/** DemoResult is what the burst did. */
export interface DemoResult {
  readonly ok: number
  readonly failed: number
  readonly rows: ReadonlyArray<BackendRow>
  /** With autoscale: the most replicas ready at once, and the replicas still up at the end. */
  readonly peakReplicas?: number
  readonly finalReplicas?: number
}

const MODEL = 'llama-3.1-8b'
const TENANTS = [
  {
    name: 'team-a',
    key: 'sk-team-a',
    share: 2 / 3,
    system: 'You are a support agent for a GPU cloud. ',
  },
  { name: 'team-b', key: 'sk-team-b', share: 1 / 3, system: 'You review pull requests tersely. ' },
] as const

/** MAX_REPLICAS bounds the autoscaled demo pool. */
const MAX_REPLICAS = 3

/**
 * autoscaleBlock is the demo pool's `autoscale:`: the KPA with a 10 s stable window and a 2 s
 * grace instead of Knative's 60 s and 30 s, so a 10 s burst shows both directions in a minute;
 * each replica should carry 4 streams (target 4 × 0.7 = 2.8).
 */
function autoscaleBlock(o: DemoOptions): string {
  const bin = fileURLToPath(new URL('../../bin/flotilla.js', import.meta.url))
  const command = [process.execPath, bin, 'emulate', '--model', MODEL, '--gpu', 'h100-80g']
  command.push('--time-scale', String(o.timeScale), '--seed', String(o.seed))
  return `
    autoscale:
      scaler: kpa:window=10:grace=2:tick=1
      max: ${MAX_REPLICAS}
      container_concurrency: 4
      actuator:
        process: { command: ${JSON.stringify(command)}, port_base: 0, stop_timeout_s: 5 }`
}

/** config is the demo gateway: three backends (or autoscaled ones), the weighted router, two tenants. */
function config(emulators: ReadonlyArray<Emulator>, o: DemoOptions): string {
  return `listen: { host: 127.0.0.1, port: 0 }
router: { weighted: { prefix: 2, queue: 2, kv: 1 } }
pools:
  - model: ${MODEL}
    backends: [${emulators.map((e) => e.url).join(', ')}]${o.autoscale ? autoscaleBlock(o) : ''}
tenants:
${TENANTS.map((t) => `  - { name: ${t.name}, api_keys: [${t.key}], max_concurrency: 64 }`).join('\n')}
`
}

/** BackendStats accumulates one backend's finished requests. */
interface BackendStats {
  completed: number
  failed: number
  kvPeak: number | undefined
  readonly ttfts: number[]
}

/** stream sends one streaming chat request and reads it to the end; true when it completed. */
async function stream(gw: Gateway, key: string, system: string, i: number, maxTokens: number) {
  try {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        stream: true,
        max_tokens: maxTokens,
        messages: [
          { role: 'system', content: system.repeat(40) },
          { role: 'user', content: `Question ${i}: what should I check first?` },
        ],
      }),
      signal: AbortSignal.timeout(120_000),
    })
    const text = await res.text()
    return res.status === 200 && text.endsWith('data: [DONE]\n\n')
  } catch {
    return false
  }
}

/** scalingLine is the autoscaler's state in one line, over the live table. */
function scalingLine(gw: Gateway): string {
  const a = gw.autoscaling()[0]
  if (!a) return ''
  const cold =
    a.summary.cold_starts > 0 ? `, cold start mean ${a.summary.cold_start_s.mean.toFixed(2)} s` : ''
  return (
    `${a.scaler}: desired ${a.desired} · ready ${a.ready} · starting ${a.pending} · ` +
    `draining ${a.draining} · held ${a.held}${cold}`
  )
}

/** runDemo runs the whole demo and resolves once everything it started is closed. */
export async function runDemo(o: DemoOptions, io: DemoStreams): Promise<DemoResult> {
  const emulators: Emulator[] = []
  const board = new DemoBoard(o.autoscale === true)
  let gw: Gateway | undefined
  let sampler: NodeJS.Timeout | undefined
  let table: LiveTable | undefined
  try {
    if (!o.autoscale) await startEmulators(o, emulators)
    gw = await startDemoGateway(o, io, emulators, board)
    const gateway = gw
    // The KV peak (and the replica peak) are sampled at the scrape rate, table or not.
    sampler = setInterval(() => board.sample(gateway), 100)
    if (io.live) table = startLiveTable(o, gateway, board, io.live)
    const burst = await sendBurst(gateway, o)
    if (o.autoscale) await waitForZero(gateway, o.linger ?? 30)
    table?.stop()
    clearInterval(sampler)
    const final = board.rows(gateway)
    table?.erase()
    return finishDemo(o, io, gateway, burst, final, board.peak)
  } finally {
    table?.stop()
    clearInterval(sampler)
    await gw?.close({ timeoutMs: 5_000 })
    await Promise.all(emulators.map((e) => e.close({ timeoutMs: 1_000 })))
  }
}

/**
 * startEmulators starts the three emulators, adding each to `into` as soon as it is up, so that
 * a failure part-way still closes the ones already started.
 */
async function startEmulators(o: DemoOptions, into: Emulator[]): Promise<void> {
  for (let i = 0; i < 3; i++) {
    into.push(
      await startEmulator({
        model: MODEL,
        gpu: 'h100-80g',
        port: 0,
        timeScale: o.timeScale,
        seed: o.seed + i,
      }),
    )
  }
}

/** startDemoGateway starts the gateway with an observer that counts finished requests on `board`. */
async function startDemoGateway(
  o: DemoOptions,
  io: DemoStreams,
  emulators: ReadonlyArray<Emulator>,
  board: DemoBoard,
): Promise<Gateway> {
  // Set once the gateway is up: a request finishing before then has no backend to count against.
  const started: { gw?: Gateway } = {}
  started.gw = await startGateway(parseGatewayConfig(config(emulators, o), 'demo'), {
    seed: o.seed,
    log: (line) => io.live?.(`${line}\n`),
    observer: {
      onDone: (e) => {
        const u = e.backend === undefined ? undefined : started.gw?.pools[0]?.upstreams[e.backend]
        if (u) board.record(u.url, e.status, e.ttft)
      },
    },
  })
  return started.gw
}

/**
 * DemoBoard holds the table's figures by backend URL (with autoscaling, replicas come and go,
 * and a slot may serve another URL): finished requests, TTFTs and KV peak per backend, each
 * URL's name in the order first seen, and the most replicas ready at once.
 */
class DemoBoard {
  readonly #autoscale: boolean
  readonly #stats = new Map<string, BackendStats>()
  readonly #names = new Map<string, string>()
  #peak = 0

  constructor(autoscale: boolean) {
    this.#autoscale = autoscale
  }

  /** peak is the most replicas seen ready at once. */
  get peak(): number {
    return this.#peak
  }

  /** record counts one finished request against its backend. */
  record(url: string, status: number, ttft: number | undefined): void {
    const s = this.#statsOf(url)
    if (status === 200) s.completed++
    else s.failed++
    if (ttft !== undefined) s.ttfts.push(ttft)
  }

  /** sample raises each backend's KV peak and the replica peak to what the gateway sees now. */
  sample(gateway: Gateway): void {
    for (const b of gateway.backends()) {
      const s = this.#statsOf(b.url)
      if (b.kvUsage !== undefined) s.kvPeak = Math.max(s.kvPeak ?? 0, b.kvUsage)
    }
    this.#peak = Math.max(this.#peak, gateway.autoscaling()[0]?.ready ?? 0)
  }

  /** rows is the table: live backends and those that have left, in the order first seen. */
  rows(gateway: Gateway): BackendRow[] {
    const live = new Map(gateway.backends().map((b) => [b.url, b]))
    const urls = [...new Set([...live.keys(), ...this.#stats.keys()])]
    for (const url of urls) this.#nameOf(url)
    const order = [...this.#names.keys()]
    urls.sort((a, b) => order.indexOf(a) - order.indexOf(b))
    return urls.map((url) => {
      const b = live.get(url)
      const s = this.#statsOf(url)
      return {
        name: this.#nameOf(url),
        inFlight: b?.inFlight ?? 0,
        completed: s.completed,
        failed: s.failed,
        ttfts: s.ttfts,
        kvUsage: b?.kvUsage,
        kvPeak: s.kvPeak,
        ready: b?.ready ?? false,
      }
    })
  }

  #statsOf(url: string): BackendStats {
    let s = this.#stats.get(url)
    if (!s) {
      s = { completed: 0, failed: 0, kvPeak: undefined, ttfts: [] }
      this.#stats.set(url, s)
    }
    return s
  }

  #nameOf(url: string): string {
    let n = this.#names.get(url)
    if (!n) {
      n = `${this.#autoscale ? 'replica' : 'emulator'} ${this.#names.size} (${url.replace('http://', '')})`
      this.#names.set(url, n)
    }
    return n
  }
}

/** LiveTable redraws a table in place on a terminal twice a second. */
class LiveTable {
  readonly #write: (text: string) => void
  #drawn = 0
  #timer: NodeJS.Timeout | undefined

  /** The first draw comes 500 ms after construction. */
  constructor(write: (text: string) => void, render: () => string) {
    this.#write = write
    this.#timer = setInterval(() => this.#draw(render()), 500)
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** erase removes the last table drawn, for the final one to take its place. */
  erase(): void {
    if (this.#drawn > 0) this.#write(`\x1b[${this.#drawn}A\x1b[J`)
  }

  #draw(table: string): void {
    // Move up over the previous table, clear each line as it is rewritten.
    const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : ''
    this.#write(
      `${up}${table
        .split('\n')
        .map((l) => `\x1b[2K${l}`)
        .join('\n')}\n\x1b[J`,
    )
    this.#drawn = table.split('\n').length
  }
}

/** startLiveTable announces the demo on the terminal and starts its live table. */
function startLiveTable(
  o: DemoOptions,
  gateway: Gateway,
  board: DemoBoard,
  live: (text: string) => void,
): LiveTable {
  live(
    `flotilla demo: ${o.autoscale ? `0 emulators (autoscaled, max ${MAX_REPLICAS})` : '3 emulators'} + gateway on ${gateway.url}; ${o.requests} requests over ${o.duration} s\n`,
  )
  return new LiveTable(live, () => {
    const head = o.autoscale ? `${scalingLine(gateway)}\n` : ''
    return `${head}${formatDemoTable(board.rows(gateway))}`
  })
}

/** Burst is what sendBurst did: each request's outcome, and the seconds until the last ended. */
interface Burst {
  readonly results: ReadonlyArray<boolean>
  readonly wall: number
}

/** sendBurst sends the requests over the duration, each from a tenant drawn by share. */
async function sendBurst(gateway: Gateway, o: DemoOptions): Promise<Burst> {
  const rng = createRng(o.seed)
  const sends: Promise<boolean>[] = []
  const t0 = performance.now()
  for (let i = 0; i < o.requests; i++) {
    // Evenly spread, jittered by up to half a gap, so the load neither bursts nor ticks.
    const at = ((i + 0.5 + (rng() - 0.5) / 2) * o.duration * 1000) / o.requests
    const wait = at - (performance.now() - t0)
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const t = rng() < TENANTS[0].share ? TENANTS[0] : TENANTS[1]
    sends.push(stream(gateway, t.key, t.system, i, 32 + Math.floor(rng() * 96)))
  }
  const results = await Promise.all(sends)
  return { results, wall: (performance.now() - t0) / 1000 }
}

/**
 * waitForZero watches the pool idle back to zero (the KPA's window, then its grace, then the
 * drain), for at most `lingerS` seconds.
 */
async function waitForZero(gateway: Gateway, lingerS: number): Promise<void> {
  const end = performance.now() + lingerS * 1000
  while (performance.now() < end) {
    const a = gateway.autoscaling()[0]!
    if (a.replicas.length === 0 && a.desired === 0) break
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** finishDemo prints the final table and the burst's outcome (and the scaling's), and returns both. */
function finishDemo(
  o: DemoOptions,
  io: DemoStreams,
  gateway: Gateway,
  burst: Burst,
  final: BackendRow[],
  peak: number,
): DemoResult {
  const ok = burst.results.filter(Boolean).length
  const scaled = gateway.autoscaling()[0]
  const scaling = scaled
    ? `${scalingLine(gateway)}\nreplicas: 0 → ${peak} → ${scaled.ready}; ` +
      `${scaled.summary.cold_starts} cold starts, ${scaled.summary.held} request(s) held at ` +
      `zero, ${(scaled.gpuHours * 3600).toFixed(0)} GPU-seconds billed\n`
    : ''
  io.out(
    `${formatDemoTable(final)}\n\n${o.requests} streaming requests from 2 tenants over ` +
      `${burst.wall.toFixed(1)} s: ${ok} completed, ${o.requests - ok} failed ` +
      '(TTFT measured at the gateway; KV use scraped from each emulator)\n' +
      scaling,
  )
  return {
    ok,
    failed: o.requests - ok,
    rows: final,
    ...(scaled ? { peakReplicas: peak, finalReplicas: scaled.replicas.length } : {}),
  }
}

interface DemoFlags {
  requests: string
  duration: string
  timeScale: string
  seed: string
  autoscale?: boolean
  linger: string
}

/** demoCommand builds the commander command; `done` receives the exit code. */
export function demoCommand(done: (run: () => Promise<number>) => void): Command {
  return new Command('demo')
    .description(
      'Start 3 engine emulators (or, with --autoscale, none: the gateway starts them as the ' +
        'load asks) and the gateway in this process, send a short burst of streaming requests ' +
        'from 2 tenants, and show per-backend load live.',
    )
    .option('--requests <n>', 'requests in the burst', '60')
    .option('--duration <s>', 'seconds over which they are sent', '10')
    .option('--time-scale <x>', "the emulators' time scale (1 = real time)", '1')
    .option('--seed <n>', 'seed for the burst and the emulators', '1')
    .option(
      '--autoscale',
      `start from zero emulators: the gateway's KPA starts up to ${MAX_REPLICAS} as the load asks`,
    )
    .option('--linger <s>', 'with --autoscale: seconds to watch the scale back to zero', '30')
    .action(function demoAction(this: Command) {
      const f = this.opts<DemoFlags>()
      done(async () => {
        const opts: DemoOptions = {
          requests: parsePositiveInt('--requests', f.requests),
          duration: parsePositive('--duration', f.duration),
          timeScale: parsePositive('--time-scale', f.timeScale),
          seed: parseNonNegativeInt('--seed', f.seed),
          autoscale: f.autoscale === true,
          linger: parseNonNegativeInt('--linger', f.linger),
        }
        const r = await runDemo(opts, {
          out: (s) => process.stdout.write(s),
          live: process.stderr.isTTY ? (s) => process.stderr.write(s) : undefined,
        })
        return r.failed === 0 ? 0 : 1
      })
    })
}
