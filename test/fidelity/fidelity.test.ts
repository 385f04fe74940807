/**
 * Fidelity of the performance model against published measurements of real engines. Each point
 * in points.json carries its source; points marked `check: false` say why they are kept only as a
 * reference (older engine generations, setups that cannot be replayed).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { type FidelityPoint, predictPoint } from '../../src/sim/fidelity.js'

type Point = FidelityPoint & { check: boolean; check_note?: string; source: { title: string } }

const points = JSON.parse(
  readFileSync(new URL('./points.json', import.meta.url), 'utf8'),
) as Point[]
const checked = points.filter((p) => p.check)

describe('fidelity points', () => {
  it('cover at least 8 (model, GPU, TP) combinations and every kind', () => {
    const combos = new Set(checked.map((p) => `${p.model}/${p.gpu}/${p.tp}`))
    expect(combos.size).toBeGreaterThanOrEqual(8)
    const kinds = new Set(checked.map((p) => p.kind))
    expect([...kinds].sort()).toEqual([
      'decode-bs1',
      'latency-batch',
      'offline-throughput',
      'prefill',
    ])
  })

  it('every point has a source and every excluded point a reason', () => {
    for (const p of points) {
      expect(p.source.title.length).toBeGreaterThan(0)
      if (!p.check) expect(p.check_note?.length ?? 0).toBeGreaterThan(20)
    }
  })

  it.each(checked.map((p) => p.id))('%s within ±15%%', (id) => {
    const p = checked.find((x) => x.id === id)!
    const predicted = predictPoint(p)
    const error = predicted / p.value - 1
    expect(
      Math.abs(error),
      `predicted ${predicted.toPrecision(4)} vs ${p.value} ${p.unit}`,
    ).toBeLessThanOrEqual(0.15)
  })
})
