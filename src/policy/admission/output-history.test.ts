import { describe, expect, it } from 'vitest'
import { OutputHistory } from './output-history.js'
import { MemoryForecast } from './past-future.js'

describe('OutputHistory', () => {
  it('counts lengths above a threshold over a sliding window', () => {
    const h = new OutputHistory(3)
    expect(h.size).toBe(0)
    expect(h.max).toBe(0)
    for (const x of [100, 300, 200]) h.add(x)
    expect(h.countAbove(150)).toBe(2)
    expect(h.countAbove(300)).toBe(0)
    expect(h.max).toBe(300)
    h.add(50) // forgets 100, the oldest
    expect(h.size).toBe(3)
    expect(h.countAbove(0)).toBe(3)
    expect(h.countAbove(60)).toBe(2)
    h.add(400) // forgets 300
    expect(h.max).toBe(400)
    expect(h.countAbove(250)).toBe(1)
  })
})

describe('MemoryForecast', () => {
  it("weights each request by its chance of still running (the module's worked example)", () => {
    const h = new OutputHistory(10)
    for (const x of [100, 200, 300, 400]) h.add(x)
    const f = new MemoryForecast(5) // grid 0, 25, 100, 225, 400
    f.reset(h)
    expect(f.grid).toEqual([0, 25, 100, 225, 400])
    f.add(1000, 150)
    expect(f.tokens[0]).toBe(1000) // now: held for sure
    expect(f.tokens[2]).toBeCloseTo((1100 * 2) / 3, 9) // 2 of the 3 longer than 150 pass 250
    expect(f.alive[2]).toBeCloseTo(2 / 3, 9)
    expect(f.tokens[4]).toBe(0) // none passes 550
    // Peak: at t=25 all 3 survive (none ends in 150..175): 1,025 tokens + 1 part-filled block.
    expect(f.peakBlocks(1)).toBeCloseTo(1026, 9)
  })

  it('keeps a request that outlived the history alive for as long again', () => {
    const h = new OutputHistory(10)
    h.add(10)
    const f = new MemoryForecast(3) // grid 0, 3, 10 (horizon = longest output, 10)
    f.reset(h)
    f.add(500, 20) // older than anything seen: assumed to run 20 more
    expect([...f.alive]).toEqual([1, 1, 1])
  })
})
