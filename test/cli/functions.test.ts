/**
 * @module `flotilla simulate` on a function trace, end to end (spawning `node bin/flotilla.js`
 * on the `dist/` that test/global-setup.ts builds): the Alibaba sample under KPA as JSON, the
 * table with --compare over scalers, and usage errors naming the flag.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { expectUsageError, flotilla, type CliResult as Result } from './run-cli.js'

describe('flotilla simulate on a function trace', () => {
  it('replays the Alibaba sample under KPA and prints a consistent JSON summary', () => {
    const r = flotilla('simulate', '--trace', 'alibaba', '--scaler', 'kpa', '--json', '--quiet')
    expect(r.code, r.stderr).toBe(0)
    const s = JSON.parse(r.stdout) as Record<string, unknown> & {
      scaling: { cold_starts: number; replicas_max: number }
      slo: { wait_s: number; attainment: number }
      wait_s: { p50: number; p99: number }
    }
    expect(s.router).toBe('least-outstanding')
    expect(s.policy).toBe('kpa')
    expect(s.trace).toBe('alibaba')
    expect(s.requests).toBe(11278)
    expect((s.completed as number) + (s.rejected as number)).toBe(s.requests)
    expect(s.gpu_hours as number).toBeGreaterThan(0)
    expect(s.cost_usd as number).toBeCloseTo((s.gpu_hours as number) * 1.19, 6)
    expect(s.fleet).toBe('l40s-48g function, cc=1, 0-4 replicas')
    expect(s.slo.wait_s).toBe(5)
    expect(s.slo.attainment).toBeGreaterThan(0)
    expect(s.slo.attainment).toBeLessThanOrEqual(1)
    expect(s.wait_s.p50).toBeLessThanOrEqual(s.wait_s.p99)
    expect(s.scaling.cold_starts).toBeGreaterThanOrEqual(1)
    expect(s.scaling.replicas_max).toBeGreaterThanOrEqual(1)
    // The trace spans 12.3 days; the run ends at the last completion.
    expect(s.makespan_s as number).toBeGreaterThan(1_062_129)
  })

  it('compares scalers and a fixed fleet in one table', () => {
    const r = flotilla(
      'simulate',
      '--trace',
      'synthetic:n=300,rate=0.2,service=lognormal:mean=20,sigma=0.5',
      '--compare',
      'scaler=kpa,scaler=none',
      '--instances',
      '3',
      '--quiet',
    )
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toContain('SLO: wait <= 5 s')
    expect(lines.some((l) => /^kpa\s+300\/300/.test(l))).toBe(true)
    expect(lines.some((l) => /^fixed\s+300\/300/.test(l))).toBe(true)
    expect(lines.at(-1)).toMatch(/^sim: 2 runs, /)
  })

  it('names the flag of a bad function option', () => {
    const sim = (...args: string[]): Result =>
      flotilla('simulate', '--trace', 'synthetic:n=5,service=3', '--quiet', ...args)
    expectUsageError(sim('--slo-wait', 'soon'), '--slo-wait')
    expectUsageError(sim('--function-key', 'tenant'), '--function-key')
    expectUsageError(sim('--container-concurrency', '0'), '--container-concurrency')
    expectUsageError(sim('--function-gb', '-1'), '--function-gb')
    expectUsageError(sim('--scaler', 'kpa:util=2'), 'util')
    expectUsageError(sim('--scaler', 'heteroscale'), 'decode tokens/s')
    expectUsageError(sim('--compare', 'round-robin,random'), 'compare scalers')
  })

  it('writes a report with latency, load, replicas over time and cold starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-fn-report-'))
    try {
      const r = flotilla(
        'simulate',
        '--trace',
        'synthetic:n=300,rate=2,service=3',
        '--compare',
        'scaler=kpa,scaler=none',
        '--report',
        dir,
        '--quiet',
      )
      expect(r.code, r.stderr).toBe(0)
      const html = readFileSync(join(dir, 'index.html'), 'utf8')
      expect(html.startsWith('<!doctype html>')).toBe(true)
      for (const title of ['Wait before start', 'Arrival rate', 'Cold-start durations']) {
        expect(html).toContain(title)
      }
      // Only the autoscaled run has a replica chart; the fixed fleet has none.
      expect(html).toContain('Replicas over time — kpa')
      expect(html).not.toContain('Replicas over time — fixed')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
