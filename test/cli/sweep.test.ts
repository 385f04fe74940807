/**
 * @module `flotilla sweep` end to end (spawning `node bin/flotilla.js`, which runs the `dist/`
 * that test/global-setup.ts builds, worker entry included): the leaderboard table, the `--json`
 * object, identical numbers with one worker or two, the HTML report, and usage errors that exit
 * 2 with one line before any worker starts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../src/cli/main.js'
import { parseTraces } from '../../src/cli/sweep.js'
import { type CliResult as Result, runCli } from './run-cli.js'

const TMP = mkdtempSync(join(tmpdir(), 'flotilla-sweep-'))
afterAll(() => rmSync(TMP, { recursive: true, force: true }))

function sweep(...args: string[]): Result {
  return runCli(['sweep', '--quiet', ...args], 60_000)
}

/** A tiny grid: 1 trace × 2 routers × 2 load levels (one under load, one past the knee). */
const TINY = [
  ...['--traces', 'mooncake', '--requests', '200', '--policies', 'round-robin,least-outstanding'],
  ...['--rate-scales', '0.5,4', '--attainment-target', '0.8'],
]

interface SweepJson {
  sweep: Record<string, unknown>
  runs: Array<Record<string, unknown>>
  leaderboard: Array<{
    trace: string
    base_rps: number
    reference: { rate_scale: number; rate_rps: number; basis: string }
    rows: Array<Record<string, unknown>>
  }>
}

/** stable drops the wall-clock field, the one value that legitimately differs between runs. */
function stable(out: SweepJson): unknown {
  return { ...out, runs: out.runs.map(({ sim_wall_s: _wall, ...rest }) => rest) }
}

describe('flotilla sweep', () => {
  const one = sweep(...TINY, '--json', '--workers', '1')
  const two = sweep(...TINY, '--json', '--workers', '2')

  it('--json prints { sweep, runs, leaderboard } with runs in grid order', () => {
    expect(one.code, one.stderr).toBe(0)
    const out = JSON.parse(one.stdout) as SweepJson
    expect(Object.keys(out).sort()).toEqual(['leaderboard', 'runs', 'sweep'])
    expect(out.runs).toHaveLength(4)
    expect(out.runs.map((r) => [r.policy, r.rate_scale, r.seed])).toEqual([
      ['round-robin', 0.5, 1],
      ['round-robin', 4, 1],
      ['least-outstanding', 0.5, 1],
      ['least-outstanding', 4, 1],
    ])
    for (const r of out.runs) {
      expect(r.trace).toBe('mooncake')
      expect(r.requests).toBe(200)
      expect(r.rate_rps as number).toBeCloseTo(
        out.leaderboard[0]!.base_rps * (r.rate_scale as number),
      )
      for (const k of ['goodput_rps', 'cost_usd', 'gpus', 'preemptions']) {
        expect(r[k], k).toBeTypeOf('number')
      }
    }
    const [board] = out.leaderboard
    expect(board?.trace).toBe('mooncake')
    expect(board?.base_rps).toBeGreaterThan(0)
    expect(board?.reference).toMatchObject({ rate_scale: 0.5, basis: 'target' })
    expect(board?.rows.map((r) => r.rank)).toEqual([1, 2])
    expect(board?.rows.map((r) => r.policy).sort()).toEqual(['least-outstanding', 'round-robin'])
    const row = board!.rows[0]!
    for (const k of ['at_reference', 'capacity', 'levels', 'mean_goodput_per_gpu']) {
      expect(row, k).toHaveProperty(k)
    }
    expect((row.levels as unknown[]).length).toBe(2)
    // ×4 overloads four GPUs on this trace: attainment falls, so the grid spans the knee.
    for (const r of out.runs.filter((r) => r.rate_scale === 4)) {
      expect((r.slo as { attainment: number }).attainment).toBeLessThan(0.8)
    }
  })

  it('gives the same numbers with one worker or two', () => {
    expect(two.code, two.stderr).toBe(0)
    expect(stable(JSON.parse(two.stdout) as SweepJson)).toEqual(
      stable(JSON.parse(one.stdout) as SweepJson),
    )
  })

  it('prints a leaderboard table and writes a report with one chart set per trace', () => {
    const dir = join(TMP, 'report')
    const r = sweep(
      ...['--traces', 'azure-conv,mooncake', '--requests', '120', '--policies', 'round-robin'],
      ...['--rate-scales', '1,4', '--report', dir],
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^azure-conv {2}· {2}120 requests at /m)
    expect(r.stdout).toMatch(/^mooncake {2}· /m)
    expect(r.stdout).toMatch(/^rank\s+policy\s+req\/s\s+scale\s+req\/s\s+att %\s+p99\s+p99/m)
    expect(r.stdout).toMatch(/^\s+1\s+round-robin\s/m)
    expect(r.stdout).toMatch(/^sweep: 4 runs on 2 workers, /m)
    expect(r.stderr).toContain(join(dir, 'index.html'))
    const html = readFileSync(join(dir, 'index.html'), 'utf8')
    expect(html.startsWith('<!doctype html>')).toBe(true)
    for (const trace of ['azure-conv', 'mooncake']) {
      for (const chart of ['SLO attainment', 'p99 TTFT', 'Goodput per GPU']) {
        expect(html.split(`aria-label="${chart} — ${trace}"`)).toHaveLength(2)
      }
    }
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as SweepJson
    expect(results.runs).toHaveLength(4)
    expect(results.leaderboard.map((b) => b.trace)).toEqual(['azure-conv', 'mooncake'])
  })
})

describe('flotilla sweep: usage errors exit 2 with one line', () => {
  it('from the binary, before any worker starts', () => {
    const r = sweep('--rate-scales', '1,-2')
    expect(r.code, r.stderr).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^flotilla: --rate-scales: expected a positive number, got '-2'\n$/)
  })

  // In-process through main(): validation runs before the pool, so no worker (and no dist/) is
  // involved, and each case costs milliseconds instead of a process start.
  it.each([
    [['--rate-scales', '1,x'], '--rate-scales'],
    [['--rate-scales', '2,2'], "--rate-scales: '2' is listed twice"],
    [['--seeds', '1,a'], '--seeds'],
    [['--policies', 'round-robin,nope'], "--policies: unknown router 'nope'"],
    [['--policies', 'router=random+kv=nope'], "--policies: unknown kv policy 'nope'"],
    [['--policies', 'random,random'], "--policies: 'random' is listed twice"],
    [['--traces', 'azure-conv,no/such/trace.csv'], '--traces: trace file not found'],
    [['--workers', '0'], '--workers'],
    [['--attainment-target', '1.5'], '--attainment-target'],
    [['--requests', '0'], '--requests'],
    [['--gpu', 'nope'], '--gpu'],
    [['--bogus'], '--bogus'],
  ])('%j names %s', async (args, named) => {
    const out: string[] = []
    const err: string[] = []
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s))
      return true
    })
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err.push(String(s))
      return true
    })
    let code: number
    try {
      code = await main(['node', 'flotilla', 'sweep', '--quiet', ...args])
    } finally {
      stdout.mockRestore()
      stderr.mockRestore()
    }
    expect(code, err.join('')).toBe(2)
    expect(out.join('')).toBe('')
    const lines = err.join('').trimEnd().split('\n')
    expect(lines, err.join('')).toHaveLength(1)
    expect(lines[0]).toMatch(/^flotilla: /)
    expect(lines[0]).toContain(named)
  })
})

describe('parseTraces', () => {
  it('keeps the commas of a synthetic spec', () => {
    expect(
      parseTraces('synthetic:n=100,rate=5,input=lognormal:mean=512,sigma=0.5, mooncake,data/x.csv'),
    ).toEqual([
      'synthetic:n=100,rate=5,input=lognormal:mean=512,sigma=0.5',
      'mooncake',
      'data/x.csv',
    ])
  })
})
