/**
 * @module `flotilla demo`: the live half in one process. Starts three engine emulators and the
 * gateway on free ports, sends a short burst of streaming chat requests from two tenants (one
 * heavier than the other, each with its own shared system prompt), shows a table per backend
 * (in flight, completed, TTFT p50 at the gateway, scraped KV usage) refreshed twice a second on
 * stderr when it is a terminal, prints the final table on stdout, and shuts everything down.
 */
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

/** config is the demo gateway: three backends, the weighted router, two tenants. */
function config(emulators: ReadonlyArray<Emulator>): string {
  return `listen: { host: 127.0.0.1, port: 0 }
router: { weighted: { prefix: 2, queue: 2, kv: 1 } }
pools:
  - model: ${MODEL}
    backends: [${emulators.map((e) => e.url).join(', ')}]
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

/** runDemo runs the whole demo and resolves once everything it started is closed. */
export async function runDemo(o: DemoOptions, io: DemoStreams): Promise<DemoResult> {
  const emulators: Emulator[] = []
  let gw: Gateway | undefined
  const stats: BackendStats[] = [0, 1, 2].map(() => ({
    completed: 0,
    failed: 0,
    kvPeak: undefined,
    ttfts: [],
  }))
  let timer: NodeJS.Timeout | undefined
  let sampler: NodeJS.Timeout | undefined
  let drawn = 0
  try {
    for (let i = 0; i < 3; i++) {
      emulators.push(
        await startEmulator({
          model: MODEL,
          gpu: 'h100-80g',
          port: 0,
          timeScale: o.timeScale,
          seed: o.seed + i,
        }),
      )
    }
    gw = await startGateway(parseGatewayConfig(config(emulators), 'demo'), {
      seed: o.seed,
      log: (line) => io.live?.(`${line}\n`),
      observer: {
        onDone: (e) => {
          const s = e.backend === undefined ? undefined : stats[e.backend]
          if (!s) return
          if (e.status === 200) s.completed++
          else s.failed++
          if (e.ttft !== undefined) s.ttfts.push(e.ttft)
        },
      },
    })
    const gateway = gw
    const rows = (): BackendRow[] =>
      gateway.backends().map((b, i) => ({
        name: `emulator ${i} (${b.url.replace('http://', '')})`,
        inFlight: b.inFlight,
        completed: stats[i]!.completed,
        failed: stats[i]!.failed,
        ttfts: stats[i]!.ttfts,
        kvUsage: b.kvUsage,
        kvPeak: stats[i]!.kvPeak,
        ready: b.ready,
      }))
    // The KV peak is sampled at the scrape rate, whether or not a live table is shown.
    sampler = setInterval(() => {
      gateway.backends().forEach((b, i) => {
        const s = stats[i]!
        if (b.kvUsage !== undefined) s.kvPeak = Math.max(s.kvPeak ?? 0, b.kvUsage)
      })
    }, 100)
    const live = io.live
    if (live) {
      live(
        `flotilla demo: 3 emulators + gateway on ${gateway.url}; ${o.requests} requests over ${o.duration} s\n`,
      )
      timer = setInterval(() => {
        const table = formatDemoTable(rows())
        // Redraw in place: move up over the previous table, clear each line as it is rewritten.
        const up = drawn > 0 ? `\x1b[${drawn}A` : ''
        live(
          `${up}${table
            .split('\n')
            .map((l) => `\x1b[2K${l}`)
            .join('\n')}\n`,
        )
        drawn = table.split('\n').length
      }, 500)
    }

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
    clearInterval(timer)
    clearInterval(sampler)
    timer = undefined
    const final = rows()
    if (live && drawn > 0) live(`\x1b[${drawn}A\x1b[J`)
    const ok = results.filter(Boolean).length
    const wall = (performance.now() - t0) / 1000
    io.out(
      `${formatDemoTable(final)}\n\n${o.requests} streaming requests from 2 tenants over ` +
        `${wall.toFixed(1)} s: ${ok} completed, ${o.requests - ok} failed ` +
        '(TTFT measured at the gateway; KV use scraped from each emulator)\n',
    )
    return { ok, failed: o.requests - ok, rows: final }
  } finally {
    clearInterval(timer)
    clearInterval(sampler)
    await gw?.close({ timeoutMs: 5_000 })
    await Promise.all(emulators.map((e) => e.close({ timeoutMs: 1_000 })))
  }
}

interface DemoFlags {
  requests: string
  duration: string
  timeScale: string
  seed: string
}

/** demoCommand builds the commander command; `done` receives the exit code. */
export function demoCommand(done: (run: () => Promise<number>) => void): Command {
  return new Command('demo')
    .description(
      'Start 3 engine emulators and the gateway in this process, send a short burst of ' +
        'streaming requests from 2 tenants, and show per-backend load live.',
    )
    .option('--requests <n>', 'requests in the burst', '60')
    .option('--duration <s>', 'seconds over which they are sent', '10')
    .option('--time-scale <x>', "the emulators' time scale (1 = real time)", '1')
    .option('--seed <n>', 'seed for the burst and the emulators', '1')
    .action(function demoAction(this: Command) {
      const f = this.opts<DemoFlags>()
      done(async () => {
        const opts: DemoOptions = {
          requests: parsePositiveInt('--requests', f.requests),
          duration: parsePositive('--duration', f.duration),
          timeScale: parsePositive('--time-scale', f.timeScale),
          seed: parseNonNegativeInt('--seed', f.seed),
        }
        const r = await runDemo(opts, {
          out: (s) => process.stdout.write(s),
          live: process.stderr.isTTY ? (s) => process.stderr.write(s) : undefined,
        })
        return r.failed === 0 ? 0 : 1
      })
    })
}
