/**
 * @module `flotilla sweep --scalers`, end to end on the built CLI: every scaler across its knob on
 * one function trace, the JSON board's arithmetic (baseline, frontier, savings), the HTML report,
 * and the study's usage errors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ScalingBoard, ScalingRun } from '../../src/sweep/scaling-board.js'
import { runCli } from './run-cli.js'

const flotilla = (...args: string[]) => runCli(args, 60_000)

const TRACE = 'synthetic:n=400,rate=1,service=4'

describe('flotilla sweep --scalers', () => {
  it('runs each scaler across its knob and compares them at KPA default attainment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-study-'))
    try {
      const r = flotilla(
        'sweep',
        '--scalers',
        'kpa,predictive',
        '--traces',
        TRACE,
        '--workers',
        '2',
        '--json',
        '--report',
        dir,
        '--quiet',
      )
      expect(r.code, r.stderr).toBe(0)
      const out = JSON.parse(r.stdout) as {
        study: { workload: string }
        runs: ScalingRun[]
        board: ScalingBoard
      }
      expect(out.study.workload).toBe('function')
      // Five knob values each, one seed.
      expect(out.runs).toHaveLength(10)
      for (const run of out.runs) {
        expect(run.completed + run.rejected).toBe(run.requests)
        expect(run.gpu_hours).toBeGreaterThan(0)
      }
      const kpaDefault = out.runs.find((x) => x.scaler === 'kpa' && x.is_default)!
      expect(kpaDefault.spec).toBe('kpa:util=0.7')
      expect(out.board.baseline?.point.gpu_hours).toBeCloseTo(kpaDefault.gpu_hours, 12)
      const kpa = out.board.comparisons.find((c) => c.scaler === 'kpa')!
      // KPA's own frontier never costs more than its default at the default's attainment (less
      // when another knob value dominates the default).
      expect(kpa.gpu_hours_at_baseline).toBeLessThanOrEqual(kpaDefault.gpu_hours * (1 + 1e-12))
      expect(kpa.saving).toBeGreaterThanOrEqual(-1e-12)
      for (const curve of out.board.curves) {
        expect(curve.points).toHaveLength(5)
        // The frontier rises in both cost and attainment.
        for (let i = 1; i < curve.frontier.length; i++) {
          expect(curve.frontier[i]!.gpu_hours).toBeGreaterThanOrEqual(
            curve.frontier[i - 1]!.gpu_hours,
          )
          expect(curve.frontier[i]!.attainment).toBeGreaterThan(curve.frontier[i - 1]!.attainment)
        }
      }
      // A lower utilisation target buys replicas: KPA at 0.3 bills more than at 1.0.
      const kpaCurve = out.board.curves.find((c) => c.scaler === 'kpa')!
      expect(kpaCurve.points[0]!.gpu_hours).toBeGreaterThan(kpaCurve.points[4]!.gpu_hours)
      const html = readFileSync(join(dir, 'index.html'), 'utf8')
      expect(html).toContain('Trade-off')
      expect(html).toContain('Replicas over time — kpa:util=0.7')
      expect(html).toContain('Replicas over time — predictive:util=0.7')
      expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'))).toEqual(out)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses two traces, two load levels and a token scaler on functions', () => {
    const bad = [
      [['--traces', 'alibaba,azure-conv'], 'one trace'],
      [['--traces', TRACE, '--rate-scales', '1,2'], 'one load level'],
      [['--traces', TRACE, '--scalers', 'heteroscale'], 'decode tokens/s'],
      [['--traces', TRACE, '--scalers', 'kpa,kpa'], 'listed twice'],
      [['--traces', TRACE, '--scalers', 'nope'], 'unknown scaler'],
    ] as const
    for (const [args, msg] of bad) {
      const r = flotilla('sweep', '--scalers', 'kpa', ...args, '--quiet')
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toContain(msg)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })
})
