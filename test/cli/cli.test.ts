/**
 * @module The `flotilla` binary end to end (spawning `node bin/flotilla.js`, which runs the
 * `dist/` that test/global-setup.ts builds): the `simulate` table, `--json` (object, or array with
 * `--compare`) in DESIGN.md's schema, `--report`, `--help`, `policies --json`, and the usage-error
 * contract — exit 2 with one `flotilla: ...` line on stderr naming the flag or file:line, no stack.
 */

import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { expectUsageError, flotilla, type CliResult as Result, ROOT } from './run-cli.js'

const TMP = mkdtempSync(join(tmpdir(), 'flotilla-cli-'))
afterAll(() => rmSync(TMP, { recursive: true, force: true }))

/** tmpFile writes `text` to a fresh file in the test's temp dir and returns its path. */
function tmpFile(name: string, text: string): string {
  const path = join(TMP, name)
  writeFileSync(path, text)
  return path
}

/** DESIGN.md's router names, in registry order. */
const ROUTERS = [
  'round-robin',
  'random',
  'least-outstanding',
  'least-kv',
  'power-of-two',
  'prefix-affinity',
  'weighted',
  'llm-d',
  'aibrix-prefix',
  'dynamo',
  'dualmap',
  'predicted-latency',
  'llumnix',
]

const isInt = (x: unknown): boolean => Number.isSafeInteger(x)
const isNum = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x)

/** expectSummary checks one `simulate --json` object against DESIGN.md's schema. */
function expectSummary(o: unknown): void {
  expect(o).toBeTypeOf('object')
  const s = o as Record<string, unknown>
  expect(s.router).toBeTypeOf('string')
  expect(s.trace).toBeTypeOf('string')
  for (const k of ['requests', 'completed', 'rejected', 'sim_events']) {
    expect(isInt(s[k]), `${k} = ${String(s[k])}`).toBe(true)
    expect(s[k] as number).toBeGreaterThanOrEqual(0)
  }
  expect((s.completed as number) + (s.rejected as number)).toBe(s.requests)
  expect(s.sim_events as number).toBeGreaterThan(0)
  for (const k of ['ttft_s', 'tpot_s', 'e2e_s', 'queue_s']) {
    const q = s[k] as Record<string, unknown>
    expect(q, k).toBeTypeOf('object')
    expect(Object.keys(q).sort(), k).toEqual(expect.arrayContaining(['mean', 'p50', 'p90', 'p99']))
    for (const p of ['mean', 'p50', 'p90', 'p99']) {
      expect(isNum(q[p]), `${k}.${p} = ${String(q[p])}`).toBe(true)
      expect(q[p] as number).toBeGreaterThanOrEqual(0)
    }
    expect(q.p50 as number).toBeLessThanOrEqual(q.p99 as number)
  }
  const slo = s.slo as Record<string, unknown>
  for (const k of ['ttft_s', 'tpot_s', 'attainment']) expect(isNum(slo[k]), `slo.${k}`).toBe(true)
  expect(slo.attainment as number).toBeGreaterThanOrEqual(0)
  expect(slo.attainment as number).toBeLessThanOrEqual(1)
  const tput = s.throughput_tok_s as Record<string, unknown>
  expect(isNum(tput.input)).toBe(true)
  expect(isNum(tput.output)).toBe(true)
  expect(tput.output as number).toBeGreaterThan(0)
  for (const k of ['goodput_rps', 'prefix_hit_rate', 'gpu_hours', 'cost_usd', 'sim_wall_s']) {
    expect(isNum(s[k]), `${k} = ${String(s[k])}`).toBe(true)
    expect(s[k] as number).toBeGreaterThanOrEqual(0)
  }
  expect(s.prefix_hit_rate as number).toBeLessThanOrEqual(1)
  expect(s.gpu_hours as number).toBeGreaterThan(0)
}

describe('flotilla simulate', () => {
  it('prints a summary table for the default router', () => {
    const r = flotilla('simulate', '--requests', '200', '--quiet')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    const lines = r.stdout.split('\n')
    // A two-line header: metric names (TTFT, TPOT, ...) above `router  total  rejected ...`.
    const header = lines.findIndex((l) => /^policy\s+total\s+rejected\s/.test(l))
    expect(header, r.stdout).toBeGreaterThan(0)
    expect(lines[header - 1]).toMatch(/TTFT.*TPOT/)
    const row = lines.find((l) => l.startsWith('least-outstanding '))
    expect(row, r.stdout).toBeDefined()
    expect(row).toContain('200/200')
    // No ANSI colour with NO_COLOR (and stdout is a pipe).
    expect(r.stdout).not.toContain('\u001b[')
  })

  it('--compare --json prints an array with one DESIGN.md object per router', () => {
    const compare = ['round-robin', 'least-outstanding', 'prefix-affinity']
    const r = flotilla(
      'simulate',
      '--trace',
      'mooncake',
      '--requests',
      '300',
      '--compare',
      compare.join(','),
      '--json',
    )
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as unknown
    expect(Array.isArray(out)).toBe(true)
    const runs = out as Array<Record<string, unknown>>
    expect(runs).toHaveLength(3)
    expect(runs.map((s) => s.router)).toEqual(compare)
    for (const s of runs) {
      expectSummary(s)
      expect(s.trace).toBe('mooncake')
      expect(s.requests).toBe(300)
    }
    // The Mooncake sample shares prefixes: at least one router finds some of them.
    expect(Math.max(...runs.map((s) => s.prefix_hit_rate as number))).toBeGreaterThan(0)
  })

  it('--json without --compare prints a single object', () => {
    const r = flotilla('simulate', '--requests', '50', '--json', '--router', 'round-robin')
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as unknown
    expect(Array.isArray(out)).toBe(false)
    expectSummary(out)
    const s = out as Record<string, unknown>
    expect(s.router).toBe('round-robin')
    expect(s.trace).toBe('azure-conv')
    expect(s.requests).toBe(50)
  })

  it('passes --slo-ttft, --slo-tpot and the shorthand fleet through', () => {
    const r = flotilla(
      ...['simulate', '--requests', '40', '--json', '--slo-ttft', '0.5', '--slo-tpot', '0.05'],
      ...['--gpu', 'a100-80g', '--instances', '2', '--tp', '2', '--dtype', 'bf16'],
    )
    expect(r.code, r.stderr).toBe(0)
    const s = JSON.parse(r.stdout) as { slo: { ttft_s: number; tpot_s: number }; gpus: number }
    expect(s.slo.ttft_s).toBe(0.5)
    expect(s.slo.tpot_s).toBe(0.05)
    expect(s.gpus).toBe(4)
  })

  it('--priority-share classes a real trace for priority-edf, whose shed requests are rejected', () => {
    const r = flotilla(
      ...['simulate', '--requests', '800', '--json', '--instances', '1', '--gpu', 'l40s-48g'],
      ...['--rate-scale', '8', '--priority-share', '0.3', '--admission', 'priority-edf'],
    )
    expect(r.code, r.stderr).toBe(0)
    const s = JSON.parse(r.stdout) as { admission: string; completed: number; rejected: number }
    expect(s.admission).toBe('priority-edf')
    expect(s.rejected).toBeGreaterThan(0)
    expect(s.completed + s.rejected).toBe(800)
  })

  it('--report DIR writes index.html and results.json', () => {
    const dir = join(TMP, 'report', 'nested')
    const r = flotilla('simulate', '--requests', '60', '--quiet', '--report', dir)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^policy\s/m)
    expect(r.stderr).toContain(join(dir, 'index.html'))
    const html = readFileSync(join(dir, 'index.html'), 'utf8')
    expect(html.length).toBeGreaterThan(1000)
    expect(html.slice(0, 9).toLowerCase()).toBe('<!doctype')
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as unknown[]
    expect(results).toHaveLength(1)
    expectSummary(results[0])
  })

  it('ends quietly when the reader of its output goes away (| head)', async () => {
    const child = spawn(
      process.execPath,
      ['bin/flotilla.js', 'simulate', '--requests', '300', '--compare', 'round-robin,least-kv'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.stdout.once('data', () => child.stdout.destroy()) // as `head -1` does
    const code = await new Promise<number | null>((r) => child.once('exit', r))
    expect(code).toBe(0)
    expect(stderr).not.toMatch(/EPIPE|at /)
  })

  it('--help documents every DESIGN.md flag', () => {
    const r = flotilla('simulate', '--help')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Usage: flotilla simulate')
    const flags = [
      '--trace',
      '--format',
      '--fleet',
      '--router',
      '--compare',
      '--slo-ttft',
      '--slo-tpot',
      '--requests',
      '--rate-scale',
      '--seed',
      '--json',
      '--report',
      '--gpu',
      '--model',
      '--tp',
      '--instances',
      '--dtype',
    ]
    for (const flag of flags)
      expect(r.stdout, flag).toMatch(new RegExp(`(^|\\s)${flag}(\\s|$)`, 'm'))
  })
})

describe('flotilla simulate: usage errors exit 2 with one line', () => {
  const sim = (...args: string[]): Result => flotilla('simulate', '--quiet', ...args)

  it('unknown --gpu lists the valid ids', () => {
    expectUsageError(sim('--gpu', 'nope'), "'nope'", 'h100-80g', 'l40s-48g')
  })

  it('unknown --model lists the valid ids', () => {
    expectUsageError(sim('--model', 'nope'), "'nope'", 'llama-3.1-8b')
  })

  it('unknown --router lists the valid names', () => {
    expectUsageError(sim('--router', 'nope'), "'nope'", ...ROUTERS)
  })

  it('--tp 3', () => {
    expectUsageError(sim('--tp', '3'), /--tp: expected 1, 2, 4 or 8, got 3/)
  })

  it.each([
    [['--rate-scale', '-1'], '--rate-scale'],
    [['--rate-scale', '0'], '--rate-scale'],
    [['--requests', 'abc'], '--requests'],
    [['--requests', '0'], '--requests'],
    [['--seed', 'x'], '--seed'],
    [['--instances', '0'], '--instances'],
    [['--slo-ttft', '0'], '--slo-ttft'],
    [['--dtype', 'fp4'], '--dtype'],
    [['--format', 'xml'], '--format'],
    [['--bogus'], '--bogus'],
    [['--compare', 'scaler=nope'], '--compare'],
    [['--compare', 'round-robin,nope'], "'nope'"],
    [['--priority-share', '1.5'], '--priority-share'],
    [['--admission', 'lottery'], "'lottery'"],
  ])('%j names %s', (args, named) => {
    expectUsageError(sim(...args), named)
  })

  it('a missing trace file', () => {
    expectUsageError(sim('--trace', 'no/such/trace.csv'), 'no/such/trace.csv')
  })

  it('a malformed trace row names the file, line and field', () => {
    const file = tmpFile(
      'bad.csv',
      'TIMESTAMP,ContextTokens,GeneratedTokens\n' +
        '2023-11-16 18:15:46.6805900,374,44\n' +
        '2023-11-16 18:15:50.9951690,12x,109\n' +
        '2023-11-16 18:15:51.2224670,879,55\n',
    )
    expectUsageError(sim('--trace', file), `${file}:3:`, 'ContextTokens')
  })

  it('a bad fleet file names the file and line', () => {
    const file = tmpFile(
      'fleet.yaml',
      'name: t\ngroups:\n  - gpu: h100-80g\n    model: llama-3.1-8b\n    count: many\n',
    )
    expectUsageError(sim('--fleet', file), `${file}:5:`, 'count')
  })

  it('a missing fleet file', () => {
    expectUsageError(sim('--fleet', join(TMP, 'none.yaml')), '--fleet', 'none.yaml')
  })

  // Errors about the shorthand fleet name the flag the user typed (DESIGN.md's exit-2 contract).
  it.each([
    [['--gpu', 'nope'], '--gpu'],
    [['--model', 'nope'], '--model'],
    [['--tp', '3'], '--tp'],
  ])('%j names the flag %s', (args, flag) => {
    expectUsageError(sim(...args), flag)
  })
})

describe('flotilla policies', () => {
  it('--json lists every router as {kind, name, summary, options}', () => {
    const r = flotilla('policies', '--json')
    expect(r.code, r.stderr).toBe(0)
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>
    const routers = list.filter((p) => p.kind === 'router')
    expect(routers.map((p) => p.name)).toEqual(ROUTERS)
    for (const p of list) {
      expect(Object.keys(p).sort()).toEqual(['kind', 'name', 'options', 'summary'])
      expect(p.options).toBeInstanceOf(Array)
      expect(p.summary).toBeTypeOf('string')
      expect((p.summary as string).length).toBeGreaterThan(0)
    }
  })

  it('prints a table without --json', () => {
    const r = flotilla('policies')
    expect(r.code, r.stderr).toBe(0)
    for (const name of ROUTERS) expect(r.stdout).toMatch(new RegExp(`^router\\s+${name}\\s`, 'm'))
    // A policy's options sit on the line below it, keys that take the same values together.
    expect(r.stdout).toMatch(
      /^router\s+weighted\s.*\n\s+options: prefix, queue, kv: a weight ≥ 0$/m,
    )
  })
})
