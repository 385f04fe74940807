/**
 * @module The autoscaling loop in virtual time, without processes: a fake actuator that starts
 * and stops replicas on command, a clock the test moves. It checks the poke at zero (a replica
 * asked for before any metric bucket shows the request), Retry-After from the cold start left,
 * the SLO verdict fed to the sampler, and a regression: fractional concurrency followed by idle
 * seconds scales to exactly zero (window totals of unrounded means used to leave a 1e-16
 * residue that `ceil` turned into one replica kept forever).
 */
import { Registry } from 'prom-client'
import { Agent } from 'undici'
import { describe, expect, it } from 'vitest'
import type { Actuator, ReplicaEvents, ReplicaInfo } from '../../src/gateway/autoscale/actuator.js'
import { Autoscaling, outcomeMeetsSlo } from '../../src/gateway/autoscale/loop.js'
import { parseGatewayConfig } from '../../src/gateway/config.js'
import { AutoscalerMetrics } from '../../src/gateway/gateway-metrics.js'
import { Pool } from '../../src/gateway/pool.js'
import { PrefixIndex } from '../../src/gateway/prefix-index.js'
import type { ScaleAction } from '../../src/scaling/controller.js'
import type { ScaleActions } from '../../src/scaling/reconcile.js'

/** FakeActuator records what it is told; `bringUp` makes the oldest pending replica ready. */
class FakeActuator implements Actuator {
  readonly kind = 'fake'
  readonly applied: ScaleActions[] = []
  readonly ready: string[] = []
  readonly starting: number[] = []
  #port = 9000
  constructor(
    private readonly events: ReplicaEvents,
    private readonly now: () => number,
  ) {}
  counts() {
    return { ready: this.ready.length, pending: this.starting.length, draining: 0 }
  }
  apply(actions: ReadonlyArray<ScaleAction<number>>, target: number): void {
    const count = (kind: string) => actions.filter((x) => x.kind === kind).length
    const a = { target, start: count('start'), cancel: count('cancel'), drain: count('drain') }
    this.applied.push(a)
    for (let i = 0; i < a.start; i++) this.starting.push(this.now())
    this.starting.splice(this.starting.length - a.cancel, a.cancel)
    for (let i = 0; i < a.drain; i++) {
      const url = this.ready.pop()!
      void this.events.drain(url).then(() => this.events.gone(url, 'drained'))
    }
  }
  bringUp(): void {
    const askedAt = this.starting.shift()!
    const url = `http://127.0.0.1:${this.#port++}`
    this.ready.push(url)
    this.events.ready(url, askedAt)
  }
  replicas(): ReplicaInfo[] {
    return [
      ...this.ready.map((url) => ({ url, state: 'ready' as const, askedAt: 0 })),
      ...this.starting.map((askedAt) => ({ url: undefined, state: 'starting' as const, askedAt })),
    ]
  }
  start(): Promise<void> {
    return Promise.resolve()
  }
  close(): Promise<void> {
    return Promise.resolve()
  }
}

/** setup builds one autoscaled pool on a fake actuator and a clock at `t.now`. */
function setup(autoscale: string) {
  const config = parseGatewayConfig(
    `pools:\n  - model: m\n    autoscale: ${autoscale}\nslo: { ttft_s: 1, tpot_s: 0.1 }\n`,
    'loop.yaml',
  )
  const t = { now: 0 }
  const pools = config.pools.map((p) => new Pool(p, config.router))
  let fake: FakeActuator | undefined
  let readyCalls = 0
  const scaling: Autoscaling = new Autoscaling({
    config,
    pools,
    clock: { now: () => t.now },
    agent: new Agent(),
    prefix: new PrefixIndex(),
    metrics: new AutoscalerMetrics(new Registry(), () => scaling.gauges()),
    held: () => 0,
    onReady: () => readyCalls++,
    log: () => {},
    actuator: (_pool, events) => {
      fake = new FakeActuator(events, () => t.now)
      return fake
    },
  })
  return { t, pool: pools[0]!, scaling, fake: fake!, readyCalls: () => readyCalls }
}

const flush = () => new Promise((r) => setImmediate(r))

describe('the autoscaling loop', () => {
  it('pokes at zero: the first request gets a replica at once, and routing starts when it is ready', () => {
    const { t, pool, scaling, fake, readyCalls } = setup(
      '{ scaler: "kpa:window=6:grace=1:tick=1", max: 3, container_concurrency: 2, actuator: { process: { command: [x], port_base: 0 } } }',
    )
    t.now = 0.4
    scaling.entered(pool, t.now)
    // KPA has no bucket yet (ErrNoData keeps 0), but a held request always gets one replica.
    expect(fake.applied).toEqual([{ target: 1, start: 1, cancel: 0, drain: 0 }])
    // Another arrival while that one starts does not poke again.
    scaling.entered(pool, 0.5)
    expect(fake.applied).toHaveLength(1)
    t.now = 2.9
    fake.bringUp()
    expect(pool.upstreams.map((u) => u.url)).toEqual(['http://127.0.0.1:9000'])
    expect(readyCalls()).toBe(1)
    const s = scaling.snapshot()[0]!
    expect(s).toMatchObject({ ready: 1, pending: 0, desired: 1 })
    expect(s.summary.cold_start_s.mean).toBeCloseTo(2.5, 9)
  })

  it('answers Retry-After with the cold start left, measured cold starts replacing the configured one', () => {
    const { t, pool, scaling, fake } = setup(
      '{ max: 2, cold_start_s: 20, actuator: { process: { command: [x], port_base: 0 } } }',
    )
    const hold = scaling.hold(pool)!
    expect(hold).toMatchObject({ maxRequests: 1024, timeoutS: 300 })
    // Nothing starting: a whole cold start.
    expect(hold.retryAfter()).toBe(20)
    t.now = 1
    scaling.entered(pool, t.now)
    t.now = 8.5
    // Asked at 1, expected at 21: 12.5 s left → 13.
    expect(hold.retryAfter()).toBe(13)
    t.now = 5 + 1
    fake.bringUp() // a 5 s cold start: now the expectation
    fake.apply([{ kind: 'start', pool: 0 }], 2)
    t.now = 7
    expect(hold.retryAfter()).toBe(4)
    t.now = 30
    expect(hold.retryAfter()).toBe(1) // overdue: never below 1
  })

  it('adds backends to a pool at run time, reusing removed slots with fresh records', () => {
    const { pool } = setup('{ max: 2, actuator: { process: { command: [x], port_base: 0 } } }')
    const a = pool.addBackend('http://127.0.0.1:9001')
    const b = pool.addBackend('http://127.0.0.1:9002')
    expect([a.index, b.index]).toEqual([0, 1])
    expect(pool.addBackend('http://127.0.0.1:9002')).toBe(b)
    a.state.inFlight = 2 // still finishing when it is removed
    pool.removeBackend(a)
    expect(a).toMatchObject({ removed: true, state: { draining: true, healthy: false } })
    const c = pool.addBackend('http://127.0.0.1:9003')
    // Instance ids never shift: the new backend takes slot 0; the old record keeps its count.
    expect(c.index).toBe(0)
    expect(c).not.toBe(a)
    expect(pool.states[0]).toBe(c.state)
    expect(c.state.inFlight).toBe(0)
    expect(a.state.inFlight).toBe(2)
    expect(pool.upstreams.map((u) => u.url)).toEqual([
      'http://127.0.0.1:9003',
      'http://127.0.0.1:9002',
    ])
  })

  it('judges the SLO on TTFT and TPOT, or on e2e without a stream', () => {
    const slo = { ttft_s: 1, tpot_s: 0.1 }
    const base = { status: 200, served: true, outputTokens: 11 }
    expect(outcomeMeetsSlo({ ...base, e2e: 1.9, ttft: 0.9 }, slo)).toBe(true) // (1.9 − 0.9) / 10 = 0.1
    expect(outcomeMeetsSlo({ ...base, e2e: 2.5, ttft: 0.9 }, slo)).toBe(false) // 0.16 per token
    expect(outcomeMeetsSlo({ ...base, e2e: 1.5, ttft: 1.2 }, slo)).toBe(false) // TTFT over
    expect(outcomeMeetsSlo({ ...base, e2e: 2, ttft: undefined }, slo)).toBe(true) // ≤ 1 + 10 × 0.1
    expect(outcomeMeetsSlo({ ...base, e2e: 2.01, ttft: undefined }, slo)).toBe(false)
    expect(outcomeMeetsSlo({ ...base, status: 502, e2e: 0.1, ttft: 0.05 }, slo)).toBe(false)
    expect(outcomeMeetsSlo({ ...base, e2e: 99, ttft: 50 }, undefined)).toBe(true)
  })

  it('scales to exactly zero after fractional load goes idle', async () => {
    const { t, pool, scaling, fake } = setup(
      '{ scaler: "kpa:window=6:grace=1:tick=1", max: 3, container_concurrency: 2, actuator: { process: { command: [x], port_base: 0 } } }',
    )
    // Requests at awkward times, whose bucket means a float window total does not undo exactly
    // (found by search: unrounded, this load ends with KPA keeping 1 replica for good).
    const spans = [
      [2.77, 5.34],
      [1.93, 4.16],
      [2.74, 5.97],
      [1.12, 2.63],
      [2.51, 4.01],
      [0.46, 1.85],
    ] as const
    const events = spans.flatMap(([a, b]) => [
      { at: a, enter: true },
      { at: b, enter: false },
    ])
    events.sort((x, y) => x.at - y.at)
    let next = 0
    for (let tick = 1; tick <= 40; tick++) {
      while (next < events.length && events[next]!.at <= tick) {
        const e = events[next++]!
        t.now = e.at
        if (e.enter) scaling.entered(pool, e.at)
        else
          scaling.left(pool, e.at, {
            status: 200,
            e2e: 1,
            ttft: 0.1,
            outputTokens: 3,
            served: true,
          })
      }
      t.now = tick + 0.003
      while (fake.starting.length > 0) fake.bringUp()
      scaling.get(pool)!.tick('tick')
      await flush()
    }
    const s = scaling.snapshot()[0]!
    expect(s).toMatchObject({ desired: 0, ready: 0, pending: 0 })
    expect(fake.applied.some((a) => a.start >= 1)).toBe(true)
    expect(pool.upstreams.every((u) => u.removed)).toBe(true)
    expect(s.summary.scale_downs).toBeGreaterThanOrEqual(1)
  })
})
