#!/usr/bin/env node
// Gateway overhead benchmark, side by side in one run: streaming completions sent (1) straight to
// an engine emulator, (2) through nginx as a plain reverse proxy (proxy_buffering off, upstream
// keep-alive, one worker process), and (3) through Flotilla (`flotilla serve`, one pool holding
// that emulator, least-outstanding router, 100 ms metric scraping). The emulator runs at a high
// time scale so backend time is small and the proxies' own cost shows. For each concurrency level
// every target gets the same fixed number of requests (bounded in time too); the latency of a
// request is send → last SSE byte. Prints p50/p99 per target, the latency each proxy adds over
// direct, and req/s; then the issue's floor: Flotilla's added p99 ≤ 2× nginx's and its max req/s
// ≥ 0.5× nginx's. nginx is skipped, with a message, when its binary is absent.
// Usage: npm run bench:gateway [-- --levels 1,8,32,64 --requests 1000 --max-tokens 16
//   --time-scale 1000 --max-seconds 15 --rounds 12]
// Everything listens on 127.0.0.1; every child process is stopped on exit.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Pool } from 'undici'

const { values } = parseArgs({
  options: {
    levels: { type: 'string', default: '1,8,32,64' },
    requests: { type: 'string', default: '6000' },
    'max-tokens': { type: 'string', default: '16' },
    'time-scale': { type: 'string', default: '1000' },
    'max-seconds': { type: 'string', default: '15' },
    rounds: { type: 'string', default: '12' },
    // The gateway's Node flags, as deploy/gateway.yaml sets them through NODE_OPTIONS: a 32 MB
    // young generation halves scavenges per request. '' runs Node's defaults.
    'gateway-node-args': { type: 'string', default: '--max-semi-space-size=32' },
  },
})
const GATEWAY_NODE_ARGS = values['gateway-node-args'].split(' ').filter((a) => a !== '')
const LEVELS = values.levels.split(',').map(Number)
const REQUESTS = Number(values.requests)
const MAX_TOKENS = Number(values['max-tokens'])
const MAX_SECONDS = Number(values['max-seconds'])
const ROUNDS = Number(values.rounds)
const BIN = fileURLToPath(new URL('../bin/flotilla.js', import.meta.url))
const MODEL = 'llama-3.1-8b'
const BODY = JSON.stringify({
  model: MODEL,
  prompt: 'Benchmark the proxy path with a short prompt.',
  max_tokens: MAX_TOKENS,
  ignore_eos: true,
  stream: true,
})

/** children are the processes this script started; all are stopped on exit. */
const children = []
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130))

/** freePort asks the kernel for a free port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** start spawns a child and resolves once its stderr matches `ready` (at most 20 s). */
function start(cmd, args, ready, what) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    let err = ''
    const timer = setTimeout(() => reject(new Error(`${what}: not ready in 20 s: ${err}`)), 20_000)
    child.stderr.on('data', (d) => {
      err += d.toString()
      const m = ready.exec(err)
      if (m) {
        clearTimeout(timer)
        resolve({ child, match: m })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited with ${code}: ${err}`))
    })
  })
}

/** waitHttp polls `url` until it answers 200 (at most 10 s). */
async function waitHttp(url) {
  const end = performance.now() + 10_000
  for (;;) {
    try {
      const r = await fetch(url)
      await r.arrayBuffer()
      if (r.status === 200) return
    } catch {}
    if (performance.now() > end) throw new Error(`${url} did not come up`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** findNginx looks for the nginx binary on PATH and in /usr/sbin. */
function findNginx() {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin']
  for (const d of dirs) {
    const p = join(d, 'nginx')
    if (d && existsSync(p)) return p
  }
  return undefined
}

/** startNginx writes a minimal reverse-proxy config in `dir` and runs nginx in the foreground. */
async function startNginx(bin, dir, upstreamPort) {
  const port = await freePort()
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, sub))
  const conf = join(dir, 'nginx.conf')
  await writeFile(
    conf,
    `worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  upstream emulator { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://emulator;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`,
  )
  const child = spawn(bin, ['-c', conf, '-p', dir, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  children.push(child)
  child.stderr.on('data', (d) => process.stderr.write(`nginx: ${d}`))
  const url = `http://127.0.0.1:${port}`
  await waitHttp(`${url}/health`)
  return url
}

/** startFlotilla writes a one-pool gateway config and runs `flotilla serve`. */
async function startFlotilla(dir, backend) {
  const port = await freePort()
  const file = join(dir, 'gateway.yaml')
  await writeFile(
    file,
    `listen: { host: 127.0.0.1, port: ${port} }\nrouter: least-outstanding\n` +
      `pools:\n  - model: ${MODEL}\n    backends: [${backend}]\n`,
  )
  const { match } = await start(
    process.execPath,
    [...GATEWAY_NODE_ARGS, BIN, 'serve', '--config', file, '--drain-timeout', '1'],
    /listening on (http:\/\/[\d.]+:\d+)/,
    'flotilla serve',
  )
  return match[1]
}

/** quantile of sorted numbers (nearest rank). */
function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}

/**
 * load sends `n` streaming requests to `url` from `c` concurrent workers (each on its own kept-
 * alive connection), stopping early after MAX_SECONDS; returns latencies and throughput.
 */
async function load(url, c, n) {
  const pool = new Pool(url, { connections: c, pipelining: 1, keepAliveTimeout: 30_000 })
  const lat = []
  let next = 0
  let errors = 0
  const t0 = performance.now()
  const deadline = t0 + MAX_SECONDS * 1000
  async function worker() {
    while (next < n && performance.now() < deadline) {
      next++
      const s = performance.now()
      try {
        const { statusCode, body } = await pool.request({
          path: '/v1/completions',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: BODY,
        })
        let text = ''
        for await (const chunk of body) text += chunk
        if (statusCode !== 200 || !text.endsWith('data: [DONE]\n\n')) errors++
      } catch {
        errors++
      }
      lat.push(performance.now() - s)
    }
  }
  await Promise.all(Array.from({ length: c }, worker))
  const elapsed = (performance.now() - t0) / 1000
  await pool.close()
  return { lat, errors, rps: lat.length / elapsed }
}

/** median of a few numbers. */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)]
}

const dir = await mkdtemp(join(tmpdir(), 'flotilla-bench-'))
try {
  const { match } = await start(
    process.execPath,
    [
      BIN,
      'emulate',
      '--model',
      MODEL,
      '--gpu',
      'h100-80g',
      '--port',
      '0',
      '--time-scale',
      values['time-scale'],
    ],
    /on (http:\/\/[\d.]+:\d+)/,
    'flotilla emulate',
  )
  const direct = match[1]
  const targets = [{ name: 'direct', url: direct }]
  const nginxBin = findNginx()
  if (nginxBin) {
    const ndir = join(dir, 'nginx')
    await mkdir(ndir)
    targets.push({ name: 'nginx', url: await startNginx(nginxBin, ndir, new URL(direct).port) })
  } else {
    process.stderr.write(
      'bench: nginx not found (Debian: apt-get install -y nginx); comparing direct and Flotilla only\n',
    )
  }
  targets.push({ name: 'flotilla', url: await startFlotilla(dir, direct) })

  process.stderr.write(
    `bench: ${REQUESTS} streaming requests of ${MAX_TOKENS} tokens per target and level, ` +
      `emulator at --time-scale ${values['time-scale']}, levels ${LEVELS.join(', ')}, ` +
      `${ROUNDS} interleaved rounds (pooled); gateway node flags: ${GATEWAY_NODE_ARGS.join(' ') || '(defaults)'}\n`,
  )
  // Warm-up: connections, and the JIT (Flotilla's first ~2,000 requests run at half its speed).
  for (const t of targets) await load(t.url, 8, 3000)

  const rows = []
  for (const c of LEVELS) {
    const n = Math.max(c, Math.ceil(REQUESTS / ROUNDS))
    const per = new Map(targets.map((t) => [t.name, []]))
    // Many short interleaved rounds, in rotating order, pooled: a noisy spell on a shared machine
    // lands on every target alike instead of on whichever one happened to be running.
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < targets.length; i++) {
        const t = targets[(i + r) % targets.length]
        per.get(t.name).push(await load(t.url, c, n))
      }
    }
    const agg = new Map(
      [...per].map(([name, runs]) => {
        const lat = runs.flatMap((x) => x.lat).sort((a, b) => a - b)
        return [
          name,
          {
            n: lat.length,
            errors: runs.reduce((s, x) => s + x.errors, 0),
            p50: quantile(lat, 0.5),
            p99: quantile(lat, 0.99),
            rps: median(runs.map((x) => x.rps)),
          },
        ]
      }),
    )
    // The noise floor: direct's p99 in each half of its rounds (odd and even), pooled.
    const halves = [0, 1].map((h) =>
      per
        .get('direct')
        .filter((_, r) => r % 2 === h)
        .flatMap((x) => x.lat)
        .sort((a, b) => a - b),
    )
    rows.push({ c, agg, noise: halves.map((l) => quantile(l, 0.99)).sort((a, b) => a - b) })
  }

  const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-')
  const lines = [
    'conc  target       req  err   p50 ms   p99 ms  +p50 ms  +p99 ms     req/s',
    '----  --------  ------  ---  -------  -------  -------  -------  --------',
  ]
  for (const { c, agg } of rows) {
    const d = agg.get('direct')
    for (const t of targets) {
      const a = agg.get(t.name)
      const add50 = t.name === 'direct' ? Number.NaN : a.p50 - d.p50
      const add99 = t.name === 'direct' ? Number.NaN : a.p99 - d.p99
      lines.push(
        `${String(c).padStart(4)}  ${t.name.padEnd(8)}  ${String(a.n).padStart(6)}  ` +
          `${String(a.errors).padStart(3)}  ${f(a.p50).padStart(7)}  ${f(a.p99).padStart(7)}  ` +
          `${f(add50).padStart(7)}  ${f(add99).padStart(7)}  ${f(a.rps, 0).padStart(8)}`,
      )
    }
  }
  lines.push('')
  lines.push(
    `noise: direct p99 of odd vs even rounds ${rows.map((r) => `c=${r.c} ${f(r.noise[0])}-${f(r.noise[1])} ms`).join(', ')}`,
  )
  const maxRps = (name) => Math.max(...rows.map((r) => r.agg.get(name).rps))
  lines.push(`max req/s: ${targets.map((t) => `${t.name} ${f(maxRps(t.name), 0)}`).join(', ')}`)
  if (nginxBin) {
    const verdicts = rows.map(({ c, agg }) => {
      const d = agg.get('direct')
      const ng = agg.get('nginx').p99 - d.p99
      const fl = agg.get('flotilla').p99 - d.p99
      return `c=${c}: ${f(fl)} vs ${f(ng)} ms (${fl <= 2 * Math.max(ng, 0) ? 'ok' : 'MISS'})`
    })
    lines.push(`floor, Flotilla added p99 <= 2x nginx's: ${verdicts.join('; ')}`)
    const ratio = maxRps('flotilla') / maxRps('nginx')
    lines.push(
      `floor, Flotilla max req/s >= 0.5x nginx's: ${f(ratio)}x (${ratio >= 0.5 ? 'ok' : 'MISS'})`,
    )
  }
  process.stdout.write(`${lines.join('\n')}\n`)
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM')
  await rm(dir, { recursive: true, force: true })
}
