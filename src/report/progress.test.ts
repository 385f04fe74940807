import { describe, expect, it } from 'vitest'
import { createProgress, formatEta, type ProgressStream, renderLine } from './progress.js'

function fakeStream(columns = 100): ProgressStream & { out: string[] } {
  const out: string[] = []
  return {
    isTTY: true,
    columns,
    out,
    write(s: string) {
      out.push(s)
      return true
    },
  }
}

function fakeClock(): { now: number; clock: () => number } {
  const c = { now: 1000, clock: () => c.now }
  return c
}

describe('createProgress', () => {
  it('draws nothing in the first 2 s', () => {
    const stream = fakeStream()
    const c = fakeClock()
    const p = createProgress({ total: 100, label: 'sim', stream, enabled: true, clock: c.clock })
    for (let i = 0; i < 50; i++) {
      c.now += 39
      p.update(i)
    }
    expect(c.now - 1000).toBeLessThan(2000)
    p.finish()
    expect(stream.out).toEqual([])
  })

  it('draws nothing when disabled, however long it runs', () => {
    const stream = fakeStream()
    const c = fakeClock()
    const p = createProgress({ total: 100, label: 'sim', stream, enabled: false, clock: c.clock })
    for (let i = 0; i <= 100; i++) {
      c.now += 1000
      p.update(i)
    }
    p.finish()
    expect(stream.out).toEqual([])
  })

  it('draws after 2 s, at most every 100 ms, and clears its line on finish', () => {
    const stream = fakeStream()
    const c = fakeClock()
    const p = createProgress({ total: 1000, label: 'sim', stream, enabled: true, clock: c.clock })
    c.now += 2000
    p.update(500, 't=30s')
    expect(stream.out).toHaveLength(1)
    expect(stream.out[0]).toContain(' 50% 500/1,000')
    expect(stream.out[0]).toContain('250/s')
    expect(stream.out[0]).toContain('ETA 2s')
    expect(stream.out[0]).toContain('t=30s')
    for (let i = 0; i < 10; i++) {
      c.now += 10
      p.update(500 + i)
    }
    expect(stream.out).toHaveLength(2) // one redraw in those 100 ms
    p.finish()
    expect(stream.out.at(-1)).toBe('\r\x1b[K')
    c.now += 1000
    p.update(1000)
    expect(stream.out).toHaveLength(3)
  })

  it('accepts process.stderr as its stream', () => {
    const p = createProgress({ label: 'x', stream: process.stderr, enabled: false, clock: () => 0 })
    p.finish()
  })
})

describe('renderLine', () => {
  it('fits the terminal width', () => {
    const line = renderLine('simulating a-very-long-label', 5, 10, 1000, 'extra note here', 40)
    expect(line.length).toBeLessThan(40)
  })
  it('shows a count and rate without a total', () => {
    expect(renderLine('sim', 1500, undefined, 3000, undefined, 80)).toBe('sim 1,500 500/s')
  })
  it('formats ETAs', () => {
    expect(formatEta(42)).toBe('42s')
    expect(formatEta(312)).toBe('5m12s')
    expect(formatEta(7300)).toBe('2h01m')
    expect(formatEta(Number.NaN)).toBe('--')
  })
})
