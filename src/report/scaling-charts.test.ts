import { describe, expect, it } from 'vitest'
import { stepPoints } from './scaling-charts.js'

describe('stepPoints', () => {
  it('holds each value until the next change and ends at the run end', () => {
    expect(stepPoints([0, 10, 25], [1, 3, 0], 40)).toEqual([
      [0, 1],
      [10, 1],
      [10, 3],
      [25, 3],
      [25, 0],
      [40, 0],
    ])
  })
  it('keeps a brief spike visible when it bins a long series', () => {
    // 1000 changes alternating 1/2 over 1000 s, with one spike to 9 at t = 500.5 for 0.1 s.
    const t: number[] = []
    const v: number[] = []
    for (let i = 0; i < 1000; i++) {
      t.push(i)
      v.push(1 + (i % 2))
      if (i === 500) {
        t.push(500.5, 500.6)
        v.push(9, 2)
      }
    }
    const pts = stepPoints(t, v, 1000, 10)
    expect(pts.length).toBe(20)
    expect(Math.max(...pts.map((p) => p[1]))).toBe(9)
    // The spike lands in the bin [500, 600) only.
    expect(pts.filter((p) => p[1] === 9).map((p) => p[0])).toEqual([500, 600])
  })
})
