#!/usr/bin/env node
// Abuse benchmark: how the gateway holds up against clients (and a backend) that misbehave, for
// two builds side by side in one run: the current tree (`--root`, default this repository) and a
// baseline tree (`--baseline DIR`, optional), each run as real `bin/flotilla.js` children
// (`emulate`, `serve`). Scenarios, each bounded in time and each with fresh processes:
//   1. abort before [DONE]: a 5,000 tokens/minute tenant streams 4,900-token completions and cuts
//      each one after 4,800 token frames, for --window-s; frames delivered vs the allowance;
//   2. no max_tokens: the same tenant streams chats without max_tokens, 3 at a time;
//   3. large bodies: a victim's stream gaps while another tenant posts ~4 MB bodies of five
//      kinds (deep nesting, token ids, flat text, many messages) to a second pool;
//   4. stalled backend: a fake backend sends 3 frames and then nothing; when is the stream cut?
//   5. leaks: a backend URL's password in /metrics; stderr lines from 50 aborted uploads.
// Prints one table (a row per measurement, a column per build) on stdout, or `--json`; progress
// goes to stderr. `timeouts.idle_s` (--idle-s) goes only into the current tree's configs, and
// only while it accepts the key (a gateway that exits naming idle_s is restarted without it).
// Usage: npm run bench:abuse [-- --baseline /path/to/other/checkout --window-s 8 --idle-s 2
//   --stall-cap-s 15 --time-scale 50 --only 1,2,3,4,5 --json --root DIR]
// Everything listens on 127.0.0.1; every child process is stopped on exit.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: fileURLToPath(new URL('..', import.meta.url)) },
    baseline: { type: 'string' },
    'window-s': { type: 'string', default: '8' },
    'idle-s': { type: 'string', default: '2' },
    'stall-cap-s': { type: 'string', default: '15' },
    only: { type: 'string', default: '1,2,3,4,5' },
    'time-scale': { type: 'string', default: '50' },
    json: { type: 'boolean', default: false },
  },
})
const WINDOW_S = Number(values['window-s'])
const IDLE_S = Number(values['idle-s'])
const STALL_CAP_S = Number(values['stall-cap-s'])
const ONLY = new Set(values.only.split(',').map((s) => s.trim()))
const MODEL = 'llama-3.1-8b'
/** The tenant limit of scenarios 1 and 2 (tokens per minute). */
const TPM = 5000
/**
 * Emulator time scale for scenarios 1, 2 and 5. At 50, 4,800 tokens stream in ~0.7 s and the last
 * 100 take ~15 ms: the margin by which the attacker's abort must beat the backend's [DONE]. On a
 * loaded 2-core machine at 100, about one abort in eight lost that race (the gateway saw [DONE]
 * first and charged the whole request, locking the tenant out for a minute); at 50, none of 30.
 */
const FAST_SCALE = Number(values['time-scale'])
/** Emulator time scale of scenario 3's victim: ~20 ms between an 8B model's tokens on an H100. */
const VICTIM_SCALE = 0.35
/** Scenario 3's bodies stay under the gateway's default max_body_bytes (4 MiB). */
const MAX_BODY = 4 * 1024 * 1024

const builds = [{ label: 'current', root: resolve(values.root) }]
// The baseline never gets timeouts.idle_s (`idle: false`); the current tree gets it if it accepts it.
if (values.baseline) builds.push({ label: 'baseline', root: resolve(values.baseline), idle: false })

const progress = (line) => process.stderr.write(`abuse: ${line}\n`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** children are the processes this script started; all are stopped on exit. */
const children = new Set()
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130))

/**
 * start runs `node ROOT/bin/flotilla.js ARGS` and resolves once its stderr matches `ready` (at
 * most 20 s). The returned proc counts its stderr lines and keeps the last 16 KB of it.
 */
function start(scope, root, args, ready, what) {
  const child = spawn(process.execPath, [join(root, 'bin', 'flotilla.js'), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  children.add(child)
  const proc = { child, stderr: '', lines: 0, exited: new Promise((r) => child.once('exit', r)) }
  scope.push(proc)
  child.stderr.setEncoding('utf8')
  return new Promise((resolve, reject) => {
    let ok = false
    const timer = setTimeout(() => {
      reject(new Error(`${what}: not ready in 20 s: ${proc.stderr.slice(-500)}`))
    }, 20_000)
    child.stderr.on('data', (d) => {
      for (let i = d.indexOf('\n'); i >= 0; i = d.indexOf('\n', i + 1)) proc.lines++
      proc.stderr += d
      if (ok && proc.stderr.length > 32_768) proc.stderr = proc.stderr.slice(-16_384)
      const m = ok ? null : ready.exec(proc.stderr)
      if (m) {
        ok = true
        clearTimeout(timer)
        proc.match = m
        resolve(proc)
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (!ok) reject(new Error(`${what} exited with ${code ?? signal}: ${proc.stderr.trim()}`))
    })
  })
}

/** stopAll kills a scenario's processes and waits for them (at most 3 s each). */
async function stopAll(scope) {
  await Promise.all(
    scope.map(async (p) => {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
      await Promise.race([p.exited, sleep(3000)])
      if (p.child.exitCode !== null || p.child.signalCode !== null) children.delete(p.child)
    }),
  )
}

/** emulator starts `flotilla emulate` from a build and returns its base URL. */
async function emulator(scope, build, scale, extra = []) {
  const args = ['emulate', '--model', MODEL, '--gpu', 'h100-80g', '--port', '0']
  args.push('--time-scale', String(scale), ...extra)
  const p = await start(scope, build.root, args, /on (http:\/\/[\d.]+:\d+)/, 'flotilla emulate')
  return p.match[1]
}

let tmp
let configs = 0

/**
 * gateway writes `cfg` (listening on a free port; `timeouts.idle_s` added while the build may
 * accept it) and runs `flotilla serve`. A build that rejects idle_s is remembered and restarted
 * without it. Resolves to the proc, with `url`. YAML accepts JSON, so the config is JSON.
 */
async function gateway(scope, build, cfg) {
  const run = async (withIdle) => {
    const c = { ...cfg, listen: { host: '127.0.0.1', port: 0 } }
    const timeouts = { first_byte_s: 30, request_s: 600, ...cfg.timeouts }
    if (withIdle) timeouts.idle_s = IDLE_S
    c.timeouts = timeouts
    const file = join(tmp, `gateway-${++configs}.yaml`)
    await writeFile(file, `${JSON.stringify(c, null, 2)}\n`)
    const p = await start(
      scope,
      build.root,
      ['serve', '--config', file, '--drain-timeout', '1'],
      /listening on (http:\/\/[\d.]+:\d+)/,
      'flotilla serve',
    )
    p.url = p.match[1]
    return p
  }
  if (build.idle === false) return run(false)
  try {
    const p = await run(true)
    build.idle = true
    return p
  } catch (err) {
    if (build.idle === undefined && /idle_s/.test(err.message)) {
      build.idle = false
      progress(
        `${build.label}: the gateway rejects timeouts.idle_s: this build has no idle timeout`,
      )
      return run(false)
    }
    throw err
  }
}

const SEP = Buffer.from('\n\n')
const DATA = Buffer.from('data: ')
const DONE = Buffer.from('data: [DONE]\n\n')
const ERROR = Buffer.from('data: {"error"')
/** The chat role frame and the usage frame carry no token. */
const ROLE = Buffer.from('"delta":{"role":"assistant"')
const USAGE = Buffer.from('"choices":[]')

/** occurrences counts `needle` in `buf`. */
function occurrences(buf, needle) {
  let n = 0
  for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + needle.length)) n++
  return n
}

/**
 * sse POSTs a JSON body and reads the answer as SSE: token frames (not the chat role frame, the
 * usage frame, `[DONE]` or error frames) are counted; `stopAfter` token frames, `deadline` (a
 * performance.now() time) or `abort()` on the returned promise destroy the connection.
 * `onTokens(now, r)` runs after each read that held token frames. Never rejects.
 */
function sse(base, path, body, o = {}) {
  let finish
  const p = new Promise((resolveResult) => {
    const r = { status: 0, tokens: 0, errorFrames: 0, errorCode: undefined, done: false }
    r.end = undefined
    r.text = ''
    let finished = false
    let carry
    let timer
    let req
    finish = (how) => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      r.end = how
      r.at = performance.now()
      req?.destroy()
      resolveResult(r)
    }
    if (o.deadline !== undefined) {
      timer = setTimeout(() => finish('deadline'), Math.max(0, o.deadline - performance.now()))
    }
    req = request(new URL(path, base), {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'content-length': body.length,
        ...o.headers,
      },
    })
    req.on('error', (err) => {
      r.error = err.code ?? err.message
      finish('error')
    })
    req.on('response', (res) => {
      r.status = res.statusCode
      res.on('data', (d) => {
        if (finished) return
        if (r.status !== 200) {
          if (r.text.length < 2000) r.text += d.toString('utf8')
          return
        }
        // Whole frames only (a frame split across reads waits for its end); counted on the bytes,
        // so the reader keeps up with a fast stream and an abort lands where it is meant to.
        const b = carry ? Buffer.concat([carry, d]) : d
        const end = b.lastIndexOf(SEP)
        if (end < 0) {
          carry = b
          return
        }
        carry = end + 2 < b.length ? b.subarray(end + 2) : undefined
        const whole = b.subarray(0, end + 2)
        const frames = occurrences(whole, DATA)
        if (frames === 0) return
        if (occurrences(whole, DONE) > 0) r.done = true
        const errors = occurrences(whole, ERROR)
        if (errors > 0) {
          r.errorFrames += errors
          const at = whole.indexOf(ERROR)
          const text = whole.subarray(at + 6, whole.indexOf(SEP, at)).toString('utf8')
          try {
            r.errorCode = JSON.parse(text).error?.code ?? 'unknown'
          } catch {
            r.errorCode = 'unparsable'
          }
        }
        const tokens =
          frames - (r.done ? 1 : 0) - errors - occurrences(whole, USAGE) - occurrences(whole, ROLE)
        if (tokens > 0) {
          r.tokens += tokens
          o.onTokens?.(performance.now(), r)
          if (o.stopAfter !== undefined && r.tokens >= o.stopAfter) finish('stopped')
        }
      })
      res.on('end', () => finish(r.done ? 'done' : r.errorFrames > 0 ? 'error frame' : 'end'))
      res.on('close', () => finish(r.done ? 'done' : r.errorFrames > 0 ? 'error frame' : 'closed'))
    })
    req.end(body)
  })
  p.abort = () => finish('aborted')
  return p
}

/** post sends a body and reads the whole answer (at most `timeoutMs`): status and time. */
function post(base, path, body, headers, timeoutMs) {
  return new Promise((resolveResult) => {
    const t0 = performance.now()
    let done = false
    const end = (status) => {
      if (done) return
      done = true
      clearTimeout(timer)
      req.destroy()
      resolveResult({ status, ms: performance.now() - t0 })
    }
    const timer = setTimeout(() => end('timeout'), timeoutMs)
    const req = request(new URL(path, base), {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': body.length, ...headers },
    })
    req.on('error', (err) => end(`error ${err.code ?? err.message}`))
    req.on('response', (res) => {
      res.resume()
      res.on('end', () => end(res.statusCode))
      res.on('error', () => end(res.statusCode))
    })
    req.end(body)
  })
}

/** get reads a URL's body as text (at most 5 s). */
async function get(url) {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) })
  return { status: r.status, text: await r.text() }
}

const json = (x) => Buffer.from(JSON.stringify(x))
const bearer = (key) => ({ authorization: `Bearer ${key}` })
const allowance = () => TPM + (TPM * WINDOW_S) / 60

/** Scenario 1: stream 4,900-token completions and cut each after 4,800 token frames. */
async function abortBeforeDone(scope, build) {
  const emu = await emulator(scope, build, FAST_SCALE)
  const gw = await gateway(scope, build, {
    pools: [{ model: MODEL, backends: [emu] }],
    tenants: [
      { name: 'attacker', api_keys: ['sk-attacker'], tokens_per_minute: TPM },
      { name: 'warm-up', api_keys: ['sk-warm-up'] },
    ],
  })
  const body = json({
    model: MODEL,
    prompt: 'Tell me a story.',
    max_tokens: 4900,
    ignore_eos: true,
    stream: true,
  })
  // One whole stream first, by another tenant: a cold gateway, emulator and reader lag the
  // attacker's first abort past the backend's [DONE], which charges it in full.
  await sse(gw.url, '/v1/completions', body, {
    headers: bearer('sk-warm-up'),
    deadline: performance.now() + 10_000,
  })
  const s = { delivered: 0, requests: 0, rejected: 0, other: 0, secondsPerRequest: [] }
  const end = performance.now() + WINDOW_S * 1000
  while (performance.now() < end) {
    const t0 = performance.now()
    const r = await sse(gw.url, '/v1/completions', body, {
      headers: bearer('sk-attacker'),
      stopAfter: 4800,
      deadline: end,
    })
    s.requests++
    s.delivered += r.tokens
    if (r.status === 200 && r.end === 'stopped') s.secondsPerRequest.push((r.at - t0) / 1000)
    if (r.status === 429) s.rejected++
    else if (r.status !== 200 && r.end !== 'deadline') s.other++
    if (r.status !== 200) await sleep(50)
  }
  s.allowance = allowance()
  s.ratio = s.delivered / s.allowance
  s.gatewayStatuses = await statuses(gw.url, 'attacker')
  return s
}

/** statuses sums a tenant's requests_total by status, from the gateway's /metrics. */
async function statuses(url, tenant) {
  const out = {}
  try {
    const { text } = await get(`${url}/metrics`)
    for (const line of text.split('\n')) {
      if (!line.startsWith('flotilla_gateway_requests_total{')) continue
      if (!line.includes(`tenant="${tenant}"`)) continue
      const status = /status="(\d+)"/.exec(line)?.[1]
      if (status) out[status] = (out[status] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1))
    }
  } catch {}
  return out
}

/** Scenario 2: chats without max_tokens, 3 at a time, each read to its end. */
async function noMaxTokens(scope, build) {
  const emu = await emulator(scope, build, FAST_SCALE)
  const gw = await gateway(scope, build, {
    pools: [{ model: MODEL, backends: [emu] }],
    tenants: [{ name: 'attacker', api_keys: ['sk-attacker'], tokens_per_minute: TPM }],
  })
  const body = json({
    model: MODEL,
    messages: [{ role: 'user', content: 'Tell me a story.' }],
    ignore_eos: true,
    stream: true,
  })
  const s = { delivered: 0, requests: 0, rejected: 0, errorFrames: 0, errorCodes: {}, longest: 0 }
  const end = performance.now() + WINDOW_S * 1000
  while (performance.now() < end) {
    const wave = await Promise.all(
      [0, 1, 2].map(() =>
        sse(gw.url, '/v1/chat/completions', body, {
          headers: bearer('sk-attacker'),
          deadline: end,
        }),
      ),
    )
    for (const r of wave) {
      s.requests++
      s.delivered += r.tokens
      s.longest = Math.max(s.longest, r.tokens)
      if (r.status === 429) s.rejected++
      s.errorFrames += r.errorFrames
      if (r.errorCode) s.errorCodes[r.errorCode] = (s.errorCodes[r.errorCode] ?? 0) + 1
    }
    if (wave.some((r) => r.status !== 200)) await sleep(50)
  }
  s.allowance = allowance()
  s.ratio = s.delivered / s.allowance
  return s
}

/** nest is `depth` nested empty arrays. */
const nest = (depth) => '['.repeat(depth) + ']'.repeat(depth)

/** attackBodies builds scenario 3's ~4 MB bodies once (strings built directly, not stringified). */
function attackBodies(model) {
  const head = `{"model":"${model}","max_tokens":1,`
  const ids = Array.from({ length: 700_000 }, (_, i) => 1 + (i % 9999)).join(',')
  const messages = Array.from({ length: 100_000 }, () => '{"role":"user","content":"hi there"}')
  const text = 'hello world '.repeat(Math.floor((MAX_BODY - 4096) / 12))
  const kinds = [
    ['a', 'nested x (2M levels)', `${head}"prompt":"hi","x":${nest(2_000_000)}}`],
    ['b', 'nested prompt (2M)', `${head}"prompt":${nest(2_000_000)}}`],
    ['c', 'prompt of 700k ids', `${head}"prompt":[${ids}]}`],
    ['d', '4 MB text prompt', `${head}"prompt":"${text}"}`],
    ['e', '100k chat messages', `${head}"messages":[${messages.join(',')}]}`],
  ]
  return kinds.map(([id, name, s]) => {
    const body = Buffer.from(s)
    if (body.length >= MAX_BODY) throw new Error(`body ${id} is ${body.length} bytes`)
    return { id, name, body, path: id === 'e' ? '/v1/chat/completions' : '/v1/completions' }
  })
}
let bodies

/** gapStats reduces the victim's inter-chunk gaps (ms) to max and median. */
function gapStats(gaps) {
  const s = [...gaps].sort((a, b) => a - b)
  return { max: s.at(-1) ?? Number.NaN, median: s[Math.floor((s.length - 1) / 2)] ?? Number.NaN }
}

/**
 * victim streams a long completion and, once it is flowing, runs `during()`; returns the gaps
 * between its reads that ended while `during()` ran (or within 300 ms after), then cuts it.
 */
async function victim(url, during) {
  const body = json({
    model: MODEL,
    prompt: 'Hello',
    max_tokens: 3000,
    ignore_eos: true,
    stream: true,
  })
  const reads = []
  let last
  let flowing
  const ready = new Promise((r) => {
    flowing = r
  })
  const stream = sse(url, '/v1/completions', body, {
    headers: bearer('sk-victim'),
    deadline: performance.now() + 90_000,
    onTokens: (now, r) => {
      if (last !== undefined) reads.push([now, now - last])
      last = now
      if (r.tokens >= 5) flowing()
    },
  })
  const early = await Promise.race([ready.then(() => undefined), stream])
  if (early) throw new Error(`victim stream ended early (${early.status} ${early.end})`)
  const t0 = performance.now()
  const out = await during()
  const t1 = performance.now() + 300
  await sleep(300)
  stream.abort()
  const r = await stream
  const gaps = reads.filter(([at]) => at > t0 && at <= t1).map(([, g]) => g)
  if (r.end !== 'aborted') out.victimEnd = `${r.status} ${r.end}`
  return { ...gapStats(gaps), n: gaps.length, ...out }
}

/** Scenario 3: a victim's stream gaps while another tenant posts ~4 MB bodies to another pool. */
async function nestedBodies(scope, build) {
  bodies ??= attackBodies('attack')
  const [emuA, emuB] = await Promise.all([
    emulator(scope, build, VICTIM_SCALE),
    emulator(scope, build, FAST_SCALE, ['--served-model-name', 'attack']),
  ])
  const gw = await gateway(scope, build, {
    pools: [
      { model: MODEL, backends: [emuA] },
      { model: 'attack', backends: [emuB] },
    ],
    tenants: [
      { name: 'victim', api_keys: ['sk-victim'] },
      { name: 'attacker', api_keys: ['sk-attacker'] },
    ],
  })
  // Beside the victim, GET /health every 20 ms: an answer needs nothing but the gateway's own
  // event loop, so its slowest one separates the gateway's blocking from the engines'.
  const probed = (attack) => async () => {
    let on = true
    const probe = (async () => {
      let max = 0
      while (on) {
        const t = performance.now()
        try {
          await get(`${gw.url}/health`)
        } catch {}
        max = Math.max(max, performance.now() - t)
        await sleep(20)
      }
      return max
    })()
    let out
    try {
      out = await attack()
    } finally {
      on = false
    }
    return { ...out, healthMax: await probe }
  }
  const s = {
    none: await victim(
      gw.url,
      probed(async () => {
        await sleep(1500)
        return {}
      }),
    ),
  }
  for (const k of bodies) {
    progress(`${build.label}: 3${k.id} ${k.name}`)
    s[k.id] = await victim(
      gw.url,
      probed(async () => {
        const statuses = []
        const ms = []
        for (let i = 0; i < 3; i++) {
          const r = await post(gw.url, k.path, k.body, bearer('sk-attacker'), 20_000)
          statuses.push(r.status)
          ms.push(r.ms)
        }
        return { statuses, attackMs: ms }
      }),
    )
  }
  return s
}

/** stalledBackend is a fake backend: health, empty metrics, and a stream that stops after 3 frames. */
function stalledBackend() {
  const server = createServer((req, res) => {
    req.resume()
    if (req.method === 'GET' && req.url === '/health') {
      res.end('ok')
    } else if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end()
    } else if (req.method === 'POST' && req.url === '/v1/completions') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      for (let i = 0; i < 3; i++) res.write('data: {"choices":[{"text":"x","index":0}]}\n\n')
      // …and nothing more: the socket stays open until the gateway (or the script) closes it.
    } else {
      res.writeHead(404)
      res.end()
    }
  })
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)))
}

/** Scenario 4: when does the gateway cut a stream whose backend went silent? */
async function stalled(scope, build) {
  const server = await stalledBackend()
  try {
    const gw = await gateway(scope, build, {
      pools: [{ model: MODEL, backends: [`http://127.0.0.1:${server.address().port}`] }],
      timeouts: { first_byte_s: 5, request_s: 600 },
    })
    let third
    let cap
    const body = json({ model: MODEL, prompt: 'hi', max_tokens: 10, stream: true })
    const stream = sse(gw.url, '/v1/completions', body, {
      deadline: performance.now() + 10_000 + STALL_CAP_S * 1000,
      onTokens: (now, r) => {
        if (third === undefined && r.tokens >= 3) {
          third = now
          cap = setTimeout(() => stream.abort(), STALL_CAP_S * 1000)
        }
      },
    })
    const r = await stream
    clearTimeout(cap)
    if (third === undefined) throw new Error(`no 3 frames: ${r.status} ${r.end} ${r.text}`)
    const cut = r.end !== 'aborted' && r.end !== 'deadline'
    return { cut, afterS: cut ? (r.at - third) / 1000 : undefined, end: r.end, code: r.errorCode }
  } finally {
    server.closeAllConnections()
    server.close()
  }
}

/** Scenario 5: a backend password in /metrics; stderr lines from 50 aborted uploads. */
async function leaks(scope, build) {
  const emu = await emulator(scope, build, FAST_SCALE)
  const withPassword = emu.replace('http://', 'http://user:s3cret@')
  const gw = await gateway(scope, build, { pools: [{ model: MODEL, backends: [withPassword] }] })
  const one = await post(
    gw.url,
    '/v1/completions',
    json({ model: MODEL, prompt: 'hi', max_tokens: 2 }),
    {},
    10_000,
  )
  const metrics = await get(`${gw.url}/metrics`)
  const s = {
    request: one.status,
    metrics: metrics.status,
    password: metrics.text.includes('s3cret'),
  }
  const before = gw.lines
  const mark = gw.stderr.length
  const { port } = new URL(gw.url)
  await Promise.all(
    Array.from(
      { length: 50 },
      () =>
        new Promise((done) => {
          const sock = connect(Number(port), '127.0.0.1')
          const cut = () => {
            sock.destroy()
            done()
          }
          const guard = setTimeout(cut, 3000)
          sock.on('error', () => {
            clearTimeout(guard)
            cut()
          })
          sock.on('connect', () => {
            sock.write(
              'POST /v1/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n' +
                'content-type: application/json\r\ncontent-length: 100000\r\n\r\n' +
                `{"model":"${MODEL}","prompt":"${'x'.repeat(1000 - 30 - MODEL.length)}`,
              () =>
                setTimeout(() => {
                  clearTimeout(guard)
                  cut()
                }, 50),
            )
          })
        }),
    ),
  )
  await sleep(1000)
  s.logLines = gw.lines - before
  // The first line logged in the phase (the kept stderr is trimmed only past 32 KB).
  s.firstLine = gw.stderr.length > mark ? gw.stderr.slice(mark).split('\n')[0] : undefined
  return s
}

/** commitOf names a tree's commit, "+dirty" with uncommitted changes. */
function commitOf(root) {
  try {
    const head = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
    }).trim()
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain'], { encoding: 'utf8' })
    return `${head}${dirty.trim() ? '+dirty' : ''}`
  } catch {
    return 'unknown (not a git checkout)'
  }
}

const SCENARIOS = [
  ['1', 'abort before [DONE]', abortBeforeDone],
  ['2', 'no max_tokens', noMaxTokens],
  ['3', 'large bodies', nestedBodies],
  ['4', 'stalled backend', stalled],
  ['5', 'leaks', leaks],
]

const t0 = performance.now()
tmp = await mkdtemp(join(tmpdir(), 'flotilla-abuse-'))
const results = {}
try {
  for (const b of builds) {
    b.commit = commitOf(b.root)
    results[b.label] = {}
  }
  for (const [id, name, run] of SCENARIOS) {
    if (!ONLY.has(id)) continue
    for (const b of builds) {
      progress(`${b.label}: scenario ${id}, ${name}`)
      const scope = []
      const s0 = performance.now()
      try {
        results[b.label][id] = await run(scope, b)
      } catch (err) {
        results[b.label][id] = { error: err instanceof Error ? err.message : String(err) }
        progress(`${b.label}: scenario ${id} failed: ${results[b.label][id].error}`)
      } finally {
        await stopAll(scope)
      }
      progress(`${b.label}: scenario ${id} took ${((performance.now() - s0) / 1000).toFixed(1)} s`)
    }
  }
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  await rm(tmp, { recursive: true, force: true })
}
const elapsed = (performance.now() - t0) / 1000

if (values.json) {
  const out = {
    settings: {
      window_s: WINDOW_S,
      idle_s: IDLE_S,
      stall_cap_s: STALL_CAP_S,
      tokens_per_minute: TPM,
    },
    builds: builds.map((b) => ({
      label: b.label,
      root: b.root,
      commit: b.commit,
      idle_timeout: b.idle === true ? IDLE_S : b.idle === false ? null : 'not tried',
    })),
    results,
    seconds: elapsed,
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
} else {
  const n = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-')
  const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-')
  /** rows: [label, scenario id, (result) => cell]. */
  const rows = [
    ['1 abort: token frames delivered', '1', (s) => int(s.delivered)],
    ['1 abort: allowance (5000 + 5000 x window/60)', '1', (s) => int(s.allowance)],
    ['1 abort: delivered / allowance', '1', (s) => `${n(s.ratio, 2)}x`],
    ['1 abort: requests sent / 429s', '1', (s) => `${s.requests} / ${s.rejected}`],
    [
      "1 abort: gateway's count, cut (499) / completed (200)",
      '1',
      (s) => `${s.gatewayStatuses[499] ?? 0} / ${s.gatewayStatuses[200] ?? 0}`,
    ],
    ['2 no max_tokens: token frames delivered', '2', (s) => int(s.delivered)],
    ['2 no max_tokens: delivered / allowance', '2', (s) => `${n(s.ratio, 2)}x`],
    ['2 no max_tokens: requests sent / 429s', '2', (s) => `${s.requests} / ${s.rejected}`],
    ['2 no max_tokens: longest stream, token frames', '2', (s) => int(s.longest)],
    [
      '2 no max_tokens: streams ended by an error frame',
      '2',
      (s) =>
        `${s.errorFrames}${s.errorFrames ? ` (${Object.entries(s.errorCodes).map(([k, v]) => `${k} x${v}`)})` : ''}`,
    ],
    [
      '3  no attack: victim max gap (median); /health max, ms',
      '3',
      (s) => `${n(s.none.max)} (${n(s.none.median, 1)}); ${n(s.none.healthMax)}`,
    ],
  ]
  for (const k of bodies ?? []) {
    rows.push(
      [
        `3${k.id} ${k.name}: victim max gap (median); /health max, ms`,
        '3',
        (s) => {
          const r = s[k.id]
          const cut = r.victimEnd ? ` [victim ${r.victimEnd}]` : ''
          return `${n(r.max)} (${n(r.median, 1)}); ${n(r.healthMax)}${cut}`
        },
      ],
      [
        `3${k.id} ${k.name}: attacker statuses, s each`,
        '3',
        (s) =>
          `${s[k.id].statuses.join(' ')}, ${s[k.id].attackMs.map((m) => n(m / 1000, 1)).join('/')}`,
      ],
    )
  }
  rows.push(
    [
      '4 stalled backend: stream cut after, s',
      '4',
      (s) => (s.cut ? n(s.afterS, 2) : `> ${STALL_CAP_S} (not cut)`),
    ],
    ['4 stalled backend: error frame code', '4', (s) => s.code ?? 'none'],
    ['5a backend password in /metrics', '5', (s) => (s.password ? 'yes' : 'no')],
    ['5b stderr lines from 50 aborted uploads', '5', (s) => String(s.logLines)],
  )
  const table = [['measurement', ...builds.map((b) => b.label)]]
  for (const [label, id, cell] of rows) {
    if (!ONLY.has(id)) continue
    table.push([
      label,
      ...builds.map((b) => {
        const s = results[b.label][id]
        if (!s) return '-'
        if (s.error) return `error: ${s.error.split('\n')[0].slice(0, 60)}`
        try {
          return cell(s)
        } catch {
          return '-'
        }
      }),
    ])
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)))
  const lines = []
  for (const b of builds) {
    const idle =
      b.idle === true
        ? `idle_s ${IDLE_S}`
        : b.label === 'baseline'
          ? 'idle_s not configured'
          : b.idle === false
            ? 'none (rejects idle_s)'
            : '-'
    lines.push(`${b.label.padEnd(8)}  ${b.root}  commit ${b.commit}  ${idle}`)
  }
  lines.push('')
  for (const [i, r] of table.entries()) {
    lines.push(r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  '))
    if (i === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '))
  }
  lines.push('')
  const notes = {
    1: `1: a ${TPM} tokens/minute tenant streams max_tokens 4900 (ignore_eos) completions and cuts each after 4,800 token frames, for ${WINDOW_S} s, retrying 50 ms after a 429; emulator --time-scale ${FAST_SCALE}.`,
    2: `2: the same limit; streamed chats without max_tokens (ignore_eos), 3 at a time, each read to its end or cut at ${WINDOW_S} s; the emulator's context is its max_model_len.`,
    3: `3: a victim streams a completion (emulator --time-scale ${VICTIM_SCALE}) while another tenant posts each ~4 MB body 3 times in a row to a second pool ("attack", a second emulator with --served-model-name) so an accepted body lands on an engine the victim does not use; gaps are the victim's reads while the bodies are sent (+300 ms). Both emulators share this machine's CPUs with the gateway.`,
    4: `4: a fake backend sends the SSE head and 3 frames, then nothing; first_byte_s 5, request_s 600 (+ idle_s where accepted); time from the 3rd frame to the stream's end, capped at ${STALL_CAP_S} s.`,
    5: '5: (a) a backend configured as http://user:s3cret@…; (b) 50 clients send 1,000 of a declared 100,000 body bytes and close the socket.',
  }
  for (const [id, text] of Object.entries(notes)) if (ONLY.has(id)) lines.push(text)
  lines.push(`took ${n(elapsed, 0)} s`)
  process.stdout.write(`${lines.join('\n')}\n`)
}
