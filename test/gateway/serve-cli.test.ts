/**
 * @module `flotilla serve` through the compiled CLI in a child process (test/global-setup.ts
 * builds dist/ first): a bad config (a bad backend URL, a backend listed twice, a listen host
 * that is not one, a YAML alias bomb) or an address that cannot be bound exits 2 with one line;
 * an OpenAI base URL with credentials is probed and scraped at its base path with Basic auth,
 * and named without the credentials; SIGTERM drains — the in-flight stream finishes, the
 * listener is closed, the process exits 0.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import { billionLaughs } from '../yaml-bomb.js'
import { MODEL, startEmulators, within } from './helpers.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = fileURLToPath(new URL('../../bin/flotilla.js', import.meta.url))

let dir: string
let emu: Emulator
const children: ChildProcess[] = []
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-serve-'))
  ;[emu] = (await startEmulators(1, { timeScale: 5 })) as [Emulator]
})
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
})
afterAll(async () => {
  await emu.close({ timeoutMs: 0 })
  await rm(dir, { recursive: true, force: true })
})

/** Served is a running `flotilla serve`: the process, its stderr so far, and its exit code. */
interface Served {
  child: ChildProcess
  stderr: () => string
  exit: Promise<number>
}

/** serve spawns `flotilla serve args`, with `nodeArgs` before the script. */
function serve(args: string[], nodeArgs: string[] = []): Served {
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let err = ''
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const exit = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)))
  return { child, stderr: () => err, exit }
}

/** listening resolves with the gateway's URL once `s` says it listens; rejects if it exits. */
function listening(s: Served): Promise<string> {
  return within(
    new Promise<string>((resolve, reject) => {
      s.child.stderr!.on('data', () => {
        const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(s.stderr())
        if (m) resolve(m[1]!)
      })
      s.exit.then((code) => reject(new Error(`serve exited ${code}: ${s.stderr()}`)), reject)
    }),
    10_000,
    'serve start',
  )
}

/** expectOneLine waits for `s` to exit 2 and checks it printed one line matching `message`. */
async function expectOneLine(s: Served, message: RegExp): Promise<void> {
  expect(await within(s.exit, 10_000, 'serve exit')).toBe(2)
  const lines = s.stderr().trimEnd().split('\n')
  expect(lines, s.stderr()).toHaveLength(1)
  expect(lines[0]).toMatch(message)
  expect(s.stderr()).not.toMatch(/^\s+at /m)
}

/** configWith writes a config listening on `host` with one pool of `backends`. */
async function configWith(name: string, host: string, backends: string[]): Promise<string> {
  const file = join(dir, name)
  const list = backends.map((b) => `'${b}'`).join(', ')
  await writeFile(
    file,
    `listen: { host: '${host}', port: 0 }\npools:\n  - model: ${MODEL}\n    backends: [${list}]\n`,
  )
  return file
}

/**
 * NO_DNS is a module preloaded into the gateway process so that every host name fails to
 * resolve at once, as an unknown name does, without depending on this machine's resolver.
 */
const NO_DNS = `import dns from 'node:dns'
dns.lookup = (host, options, callback) => {
  const done = typeof options === 'function' ? options : callback
  const err = new Error('getaddrinfo ENOTFOUND ' + host)
  process.nextTick(done, Object.assign(err, { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: host }))
}
`

describe('flotilla serve', () => {
  it('exits 2 with one line naming the file and key for a bad config', async () => {
    const file = join(dir, 'bad.yaml')
    await writeFile(file, `pools:\n  - model: m\n    backends: [ftp://x]\n`)
    const s = serve(['--config', file])
    expect(await within(s.exit, 10_000, 'bad config')).toBe(2)
    expect(s.stderr()).toMatch(/^flotilla: .*bad\.yaml:3: pools\.0\.backends\.0/)
    expect(s.stderr().trim().split('\n')).toHaveLength(1)
  })

  it('exits 2 naming listen.host for a host that is neither an address nor a name', async () => {
    const file = await configWith('host.yaml', 'not a host!!', ['http://127.0.0.1:1'])
    await expectOneLine(
      serve(['--config', file]),
      /^flotilla: .*host\.yaml:1: listen\.host: 'not a host!!' is not an IP address/,
    )
  })

  it('exits 2 with one line for a YAML alias bomb', async () => {
    const file = join(dir, 'bomb.yaml')
    await writeFile(file, `${billionLaughs()}pools:\n  - model: m\n    backends: [http://h]\n`)
    await expectOneLine(
      serve(['--config', file]),
      /^flotilla: .*bomb\.yaml:4: invalid YAML: too many alias references \(/,
    )
  })

  it('exits 2 naming a backend listed twice in one pool, in canonical form', async () => {
    const file = await configWith('dup.yaml', '127.0.0.1', [
      'http://127.0.0.1:1/v1',
      'http://127.0.0.1:1/',
    ])
    await expectOneLine(
      serve(['--config', file]),
      /^flotilla: .*dup\.yaml:4: pools\.0\.backends\.1: duplicate backend http:\/\/127\.0\.0\.1:1 \(also backends\.0\)$/,
    )
  })

  it.each([
    ['an address not on this machine', '192.0.2.1', false],
    ['an IPv6 link-local address without a zone', 'fe80::1', false],
    ['a name that does not resolve', 'gw.example', true],
  ])('exits 2 with one line for %s', async (_what, host, noDns) => {
    const file = await configWith(`listen-${host.replace(/\W/g, '')}.yaml`, host, [
      'http://127.0.0.1:1/v1',
    ])
    const preload = join(dir, 'no-dns.mjs')
    if (noDns) await writeFile(preload, NO_DNS)
    const s = serve(['--config', file], noDns ? ['--import', preload] : [])
    const code = noDns ? 'ENOTFOUND' : 'E[A-Z_]+'
    const at = host.replaceAll('.', '\\.')
    await expectOneLine(s, new RegExp(`: listen: cannot listen on ${at}:0 \\(${code}: [^)]+\\)$`))
  })

  it('probes and scrapes an OpenAI base URL at its base path, with its credentials as Basic auth', async () => {
    const seen: { path: string; headers: IncomingHttpHeaders }[] = []
    const backend: Server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', headers: req.headers })
      res.writeHead(200, { 'content-type': 'text/plain' }).end('')
    })
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve))
    try {
      const port = (backend.address() as AddressInfo).port
      const file = await configWith('auth.yaml', '127.0.0.1', [
        `http://alice:s%40cret@127.0.0.1:${port}/v1/`,
      ])
      const s = serve(['--config', file])
      const url = await listening(s)
      const metrics = await (await fetch(`${url}/metrics`)).text()
      s.child.kill('SIGTERM')
      expect(await within(s.exit, 10_000, 'serve exit')).toBe(0)

      const basic = `Basic ${Buffer.from('alice:s@cret').toString('base64')}`
      for (const path of ['/health', '/metrics']) {
        const probe = seen.find((r) => r.path === path)
        expect(probe, `${path} in ${seen.map((r) => r.path).join(', ')}`).toBeDefined()
        expect(probe!.headers.authorization).toBe(basic)
      }
      expect(metrics).toContain(`backend="http://127.0.0.1:${port}"`)
      expect(`${metrics}${s.stderr()}`).not.toMatch(/alice|cret/)
    } finally {
      await new Promise((resolve) => backend.close(resolve))
    }
  })

  it('drains on SIGTERM: the stream in flight finishes, then it exits 0', async () => {
    const file = join(dir, 'gw.yaml')
    await writeFile(
      file,
      `listen: { host: 127.0.0.1, port: 0 }\npools:\n  - model: ${MODEL}\n    backends: [${emu.url}]\n`,
    )
    const s = serve(['--config', file])
    const url = await listening(s)
    const res = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({
        model: MODEL,
        prompt: 'drain me',
        max_tokens: 60,
        ignore_eos: true,
        stream: true,
      }),
    })
    const reader = res.body!.getReader()
    let text = ''
    let signalled = false
    for (;;) {
      const { done, value } = await within(reader.read(), 5_000, 'stream read')
      if (done) break
      text += new TextDecoder().decode(value)
      if (!signalled) {
        signalled = true
        s.child.kill('SIGTERM')
        await new Promise((r) => setTimeout(r, 50))
        await expect(fetch(`${url}/health`)).rejects.toThrow() // the listener is closed
      }
    }
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
    expect(await within(s.exit, 10_000, 'serve exit')).toBe(0)
    // Log records are JSON lines by default: each line parses, with a time, a level and a message.
    const records = s
      .stderr()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { time: string; level: string; msg: string; signal?: string })
    for (const r of records) expect(Number.isNaN(Date.parse(r.time))).toBe(false)
    expect(records.some((r) => /draining/.test(r.msg) && r.signal === 'SIGTERM')).toBe(true)
  })
})
