/**
 * @module Engine driver on a fake clock: tokens come out at the engine model's times scaled to
 * wall time, never early; late timers do not make the engine drift; an idle engine sets no
 * timer; halt stops everything.
 */
import { describe, expect, it } from 'vitest'
import { getGpu, getModel } from '../catalog/index.js'
import { DEFAULT_ENGINE } from '../engine/config.js'
import { Engine } from '../engine/engine.js'
import { Sequence } from '../engine/sequence.js'
import { createIterationModel } from '../perf/iteration.js'
import { type DriverClock, EngineDriver } from './engine-driver.js'

/** FakeClock runs timers when advanced; `lateMs` delays every timer to model a busy loop. */
class FakeClock implements DriverClock {
  t = 0
  lateMs = 0
  #timers: Array<{ at: number; fn: () => void; id: number }> = []
  #deferred: Array<() => void> = []
  #id = 0

  now(): number {
    return this.t
  }
  setTimer(fn: () => void, ms: number): unknown {
    const id = ++this.#id
    this.#timers.push({ at: this.t + ms + this.lateMs, fn, id })
    return id
  }
  clearTimer(h: unknown): void {
    this.#timers = this.#timers.filter((x) => x.id !== h)
  }
  defer(fn: () => void): void {
    this.#deferred.push(fn)
  }
  get pending(): number {
    return this.#timers.length + this.#deferred.length
  }
  /** run drains deferred work and fires timers in time order until none is left. */
  run(limitMs = 1e9): void {
    for (;;) {
      const d = this.#deferred.shift()
      if (d) {
        d()
        continue
      }
      this.#timers.sort((a, b) => a.at - b.at)
      const next = this.#timers[0]
      if (!next || next.at > limitMs) return
      this.#timers.shift()
      this.t = Math.max(this.t, next.at)
      next.fn()
    }
  }
}

const model = createIterationModel({
  gpu: getGpu('h100-80g'),
  model: getModel('llama-3.1-8b'),
  tp: 1,
  dtype: 'bf16',
})
const config = { ...DEFAULT_ENGINE, maxModelLen: 8192 }

/** tokenTimes runs one request through a driven engine and returns (engine time, wall ms) pairs. */
function drive(clock: FakeClock, timeScale: number, slowdown = 1) {
  const tokens: Array<{ engine: number; wall: number }> = []
  const engine = new Engine(config, model, 2000, {
    onToken: (_s, now) => tokens.push({ engine: now, wall: clock.now() }),
    onFinish: () => {},
  })
  const driver = new EngineDriver(engine, { timeScale, slowdown, clock })
  const seq = new Sequence({
    id: 0,
    arrival: driver.arrivalTime(),
    promptTokens: 1000,
    outputTokens: 20,
    blockHashes: [],
  })
  driver.submit(seq)
  return { tokens, driver, engine }
}

/** reference steps the same request in virtual time, as the simulator would. */
function reference(slowdown = 1): number[] {
  const times: number[] = []
  const engine = new Engine(config, model, 2000, {
    onToken: (_s, now) => times.push(now),
    onFinish: () => {},
  })
  engine.add(
    new Sequence({ id: 0, arrival: 0, promptTokens: 1000, outputTokens: 20, blockHashes: [] }),
  )
  let t = 0
  while (engine.hasWork) {
    const dt = engine.step(t) * slowdown
    t += dt
    engine.complete(t)
  }
  return times
}

describe('EngineDriver', () => {
  it('produces tokens at the engine model times, scaled to wall time and never early', () => {
    const clock = new FakeClock()
    const { tokens } = drive(clock, 10)
    clock.run()
    const ref = reference()
    expect(tokens.map((t) => t.engine)).toEqual(ref)
    for (const t of tokens) {
      expect(t.wall).toBeGreaterThanOrEqual((t.engine / 10) * 1000 - 1e-9)
      expect(t.wall).toBeLessThanOrEqual((t.engine / 10) * 1000 + 1) // 1 ms timer rounding
    }
    expect(clock.pending).toBe(0) // idle: no timer left behind
  })

  it('does not drift when timers fire late: it catches up from the planned times', () => {
    const clock = new FakeClock()
    clock.lateMs = 3
    const { tokens } = drive(clock, 200)
    clock.run()
    expect(tokens.map((t) => t.engine)).toEqual(reference())
    const last = tokens[tokens.length - 1]!
    // 20 iterations, each 3 ms late if scheduled one after another; catch-up keeps it to ~1.
    expect(last.wall - (last.engine / 200) * 1000).toBeLessThan(2 * clock.lateMs + 1)
  })

  it('stretches every iteration by --slowdown', () => {
    const clock = new FakeClock()
    const { tokens } = drive(clock, 10, 3)
    clock.run()
    const ref = reference(3)
    expect(tokens.map((t) => t.engine)).toEqual(ref)
    expect(ref[0]).toBeCloseTo(reference()[0]! * 3, 9)
  })

  it('halt stops producing tokens and leaves no timer', () => {
    const clock = new FakeClock()
    const { tokens, driver, engine } = drive(clock, 10)
    clock.run(12) // prefill ≈ 7 ms wall, then decodes of ≈ 0.7 ms
    const before = tokens.length
    expect(before).toBeGreaterThan(0)
    expect(before).toBeLessThan(20)
    driver.halt()
    clock.run()
    expect(tokens.length).toBe(before)
    expect(engine.hasWork).toBe(true)
    expect(clock.pending).toBe(0)
  })
})
