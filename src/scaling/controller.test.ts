/**
 * @module Tests for the PoolController, Knative style: a synthetic clock, a fixed scenario, and
 * the views the scaler was shown and the actions that came back, worked out by hand. Scalers are
 * wrapped to record each view; the KPA runs with Knative's defaults and containerConcurrency 2,
 * so its target is 2 × 0.7 = 1.4 requests per replica.
 */
import { describe, expect, it } from 'vitest'
import { KpaPool } from '../policy/scaler/kpa.js'
import { createScaler } from '../policy/scaler/registry.js'
import type { ScaleDecision, Scaler, ScaleView } from '../policy/scaler/types.js'
import { PoolController, type PoolSpec, type PoolStatus, type ReplicaRecord } from './controller.js'
import { emptySample } from './sampler.js'

/** recording wraps a scaler and keeps every view it was shown. */
function recording(inner: Scaler, views: ScaleView[]): Scaler {
  return {
    name: inner.name,
    tickSeconds: inner.tickSeconds,
    decide(view) {
      views.push(view)
      return inner.decide(view)
    },
  }
}

/** fixed always answers `decision` (one desired count per pool). */
function fixed(decision: ScaleDecision): Scaler {
  return { name: 'fixed', tickSeconds: 2, decide: () => decision }
}

/** never is a scaler with no notion of demand at zero: it always answers 0. */
const never = (): Scaler => ({ name: 'never', tickSeconds: 2, decide: () => ({ desired: [0] }) })

/** POOL is one mixed pool of at most 4 replicas serving 2 requests each. */
const POOL: PoolSpec = { name: 'm', role: 'mixed', min: 0, max: 4, containerConcurrency: 2 }

/** status is a pool's counts with a 28-s cold start, and its replica list when one is given. */
function status<Id>(
  ready: number,
  pending: number,
  replicas?: ReadonlyArray<ReplicaRecord<Id>>,
  draining = 0,
): PoolStatus<Id> {
  return {
    ready,
    pending,
    draining,
    coldStartSeconds: 28,
    ...(replicas ? { replicas } : {}),
  }
}

/** rep is one replica record. */
function rep<Id>(
  id: Id,
  state: ReplicaRecord<Id>['state'],
  askedAt: number,
  outstanding = 0,
): ReplicaRecord<Id> {
  return { id, state, askedAt, outstanding }
}

/** idle is the empty bucket ending at `time`. */
const idle = (time: number) => emptySample(time)

describe('the poke', () => {
  it('decides at once for a request reaching a pool at zero, with the open bucket as a point', () => {
    const views: ScaleView[] = []
    const c = new PoolController<string>(recording(createScaler('kpa'), views), [POOL], 0)
    // A request at t = 12.3 reaches a pool with nothing ready or starting.
    c.enter(0, 12.3)
    expect(c.inFlight(0)).toBe(1)
    expect(c.pokeDue({ ready: 0, pending: 0 })).toBe(true)
    const d = c.decide(12.3, [status(0, 0, [])], 0)
    // The KPA's stable window holds the twelve idle buckets and the point: 1 / 12 = 0.083 →
    // ⌈0.083 / 1.4⌉ = 1; its 6-s panic window 1 / 6 → 1, and 1 / max(1, 0 ready) < 2: no panic.
    expect(d).toEqual({
      trigger: 'poke',
      targets: [1],
      panic: false,
      actions: [{ kind: 'start', pool: 0 }],
    })
    expect(views).toHaveLength(1)
    const v = views[0]!
    expect(v.now).toBe(12.3)
    expect(v.pools).toHaveLength(1)
    expect(v.pools[0]).toMatchObject({
      name: 'm',
      role: 'mixed',
      ready: 0,
      pending: 0,
      draining: 0,
      minReplicas: 0,
      maxReplicas: 4,
      containerConcurrency: 2,
      coldStartSeconds: 28,
    })
    // The closed buckets (1 … 12 s, idle), then the open one as the activator's stat: the one
    // request in flight now, and no arrivals (its bucket counts it when it closes).
    const samples = v.pools[0]!.samples
    expect(samples.slice(0, -1)).toEqual(Array.from({ length: 12 }, (_, i) => idle(i + 1)))
    expect(samples.at(-1)).toEqual({ ...idle(12.3), concurrency: 1 })
    // The KPA's arithmetic on that view, as stated above.
    expect(new KpaPool().decide(v.pools[0]!, 12.3)).toMatchObject({
      stable: 0.083333,
      panicValue: 0.166666,
      desired: 1,
      panic: false,
    })
  })

  it('does not poke while a replica is starting or ready', () => {
    const c = new PoolController(never(), [POOL], 0)
    c.enter(0, 12.3)
    c.decide(12.3, [status(0, 0)], 0)
    c.enter(0, 12.8)
    expect(c.pokeDue({ ready: 0, pending: 1 })).toBe(false)
    expect(c.pokeDue({ ready: 1, pending: 0 })).toBe(false)
    expect(c.pokeDue({ ready: 0, pending: 0 })).toBe(true)
  })

  it('counts the poking arrival once: in its bucket when it closes, not in the point', () => {
    const views: ScaleView[] = []
    const c = new PoolController(recording(createScaler('kpa'), views), [POOL], 0)
    c.enter(0, 12.3)
    c.decide(12.3, [status(0, 0)], 0)
    c.enter(0, 13.5)
    const d = c.decide(14, [status(0, 1)])
    expect(d.trigger).toBe('tick')
    const samples = views[1]!.pools[0]!.samples
    // Only the two buckets closed since the poke; a tick adds no point sample.
    expect(samples.map((s) => s.time)).toEqual([13, 14])
    // (12, 13]: the poking request, in flight for 0.7 s → 0.7, 1 arrival.
    expect(samples[0]!.arrivals).toBe(1)
    expect(samples[0]!.concurrency).toBeCloseTo(0.7, 12)
    // (13, 14]: 1 request for 0.5 s, then 2 → 1.5, the second arrival.
    expect(samples[1]).toMatchObject({ arrivals: 1, concurrency: 1.5 })
    // Every arrival counted once over the poke and the tick.
    const all = views.flatMap((v) => v.pools[0]!.samples)
    expect(all.reduce((n, s) => n + s.arrivals, 0)).toBe(2)
  })
})

describe("the activator's promise", () => {
  it('keeps one replica coming for held requests whatever the scaler says, then obeys it', () => {
    const c = new PoolController<string>(never(), [POOL], 0)
    c.enter(0, 5.5)
    // The poke: the scaler says 0, a request waits, no replica is ready → 1 start.
    expect(c.decide(5.5, [status(0, 0, [])], 0)).toMatchObject({
      targets: [1],
      actions: [{ kind: 'start', pool: 0 }],
    })
    // The next tick: 0 again, but the replica the poke started is not cancelled.
    const starting = [rep('a', 'starting', 5.5)]
    expect(c.decide(6, [status(0, 1, starting)])).toMatchObject({ targets: [1], actions: [] })
    expect(c.decide(8, [status(0, 1, starting)])).toMatchObject({ targets: [1], actions: [] })
    // Ready at 33.5 with the request on it: now the scaler's 0 holds, and the replica drains.
    c.setReady(0, 33.5, 1)
    expect(c.decide(34, [status(1, 0, [rep('a', 'ready', 5.5, 1)])])).toMatchObject({
      targets: [0],
      actions: [{ kind: 'drain', pool: 0, replica: 'a' }],
    })
  })

  it('holds only while requests are in the pool', () => {
    const c = new PoolController<string>(never(), [POOL], 0)
    // Nothing in flight: a 0 from the scaler cancels a starting replica.
    expect(c.decide(2, [status(0, 1, [rep('a', 'starting', 1)])])).toMatchObject({
      targets: [0],
      actions: [{ kind: 'cancel', pool: 0, replica: 'a' }],
    })
    // A request came and went (refused): nothing waits, so nothing is kept coming.
    c.enter(0, 2.5)
    c.leave(0, 2.75)
    expect(c.inFlight(0)).toBe(0)
    expect(c.decide(4, [status(0, 1, [rep('b', 'starting', 3)])])).toMatchObject({
      targets: [0],
      actions: [{ kind: 'cancel', pool: 0, replica: 'b' }],
    })
  })
})

describe('victims', () => {
  /**
   * Five ready replicas and one draining. By the rule (fewest outstanding, then newest askedAt,
   * then later in the list): d (0 outstanding), then e (1, asked at 9, after c in the list),
   * then c (1, 9), then b (1, 5), then a (3). f is draining already and never chosen.
   */
  const READY = [
    rep('a', 'ready', 0, 3),
    rep('b', 'ready', 5, 1),
    rep('c', 'ready', 9, 1),
    rep('d', 'ready', 2, 0),
    rep('e', 'ready', 9, 1),
    rep('f', 'draining', 1, 0),
  ]
  const drains = (desired: number) => {
    const c = new PoolController<string>(fixed({ desired: [desired] }), [{ ...POOL, max: 8 }], 0)
    return c.decide(10, [status(5, 0, READY, 1)]).actions
  }

  it('drains the least busy ready replicas, newest first on a tie, later in the list last', () => {
    expect(drains(3)).toEqual([
      { kind: 'drain', pool: 0, replica: 'd' },
      { kind: 'drain', pool: 0, replica: 'e' },
    ])
    expect(drains(1).map((a) => a.kind === 'drain' && a.replica)).toEqual(['d', 'e', 'c', 'b'])
    expect(drains(0).map((a) => a.kind === 'drain' && a.replica)).toEqual(['d', 'e', 'c', 'b', 'a'])
  })

  it('cancels the newest starting replicas first, and only then drains', () => {
    // Starting: s1 asked at 10, s2 at 12, s3 at 11, s4 at 12 (ties s2; later in the list).
    const replicas = [
      rep('r1', 'ready', 0, 2),
      rep('s1', 'starting', 10),
      rep('s2', 'starting', 12),
      rep('r2', 'ready', 1, 0),
      rep('s3', 'starting', 11),
      rep('s4', 'starting', 12),
    ]
    const run = (desired: number) => {
      const c = new PoolController<string>(fixed({ desired: [desired] }), [POOL], 0)
      return c.decide(13, [status(2, 4, replicas)]).actions
    }
    // 6 → 4: two cancelled, s4 then s2.
    expect(run(4)).toEqual([
      { kind: 'cancel', pool: 0, replica: 's4' },
      { kind: 'cancel', pool: 0, replica: 's2' },
    ])
    // 6 → 1: all four starting ones, newest first, then the idle ready one.
    expect(run(1)).toEqual([
      { kind: 'cancel', pool: 0, replica: 's4' },
      { kind: 'cancel', pool: 0, replica: 's2' },
      { kind: 'cancel', pool: 0, replica: 's3' },
      { kind: 'cancel', pool: 0, replica: 's1' },
      { kind: 'drain', pool: 0, replica: 'r2' },
    ])
  })

  it('names no replica when the platform chooses (no replica list)', () => {
    const c = new PoolController<string>(fixed({ desired: [1] }), [POOL], 0)
    expect(c.decide(2, [status(3, 1)]).actions).toEqual([
      { kind: 'cancel', pool: 0, replica: undefined },
      { kind: 'drain', pool: 0, replica: undefined },
      { kind: 'drain', pool: 0, replica: undefined },
    ])
  })
})

describe('bounds', () => {
  const decide = (desired: number[], s: PoolStatus<number>, spec: Partial<PoolSpec> = {}) =>
    new PoolController(fixed({ desired }), [{ ...POOL, ...spec }], 0).decide(2, [s])

  it('clamps the desired count to [min, max] and reports the clamped target', () => {
    const up = decide([9], status(0, 0))
    expect(up.targets).toEqual([4])
    expect(up.actions).toEqual(Array(4).fill({ kind: 'start', pool: 0 }))
    const down = decide([-2], status(3, 0), { min: 1 })
    expect(down.targets).toEqual([1])
    expect(down.actions.map((a) => a.kind)).toEqual(['drain', 'drain'])
  })

  it('rounds a fractional count', () => {
    expect(decide([2.5], status(1, 0)).targets).toEqual([3])
    expect(decide([2.49], status(1, 0)).targets).toEqual([2])
  })

  it('keeps ready + pending when the scaler gives no finite count', () => {
    for (const desired of [[Number.NaN], [Number.POSITIVE_INFINITY], [-Infinity], []]) {
      const d = decide(desired, status(2, 1))
      expect(d.targets).toEqual([3])
      expect(d.actions).toEqual([])
    }
    // Still within the bounds: 2 + 1 kept, raised to a min of 4.
    expect(decide([Number.NaN], status(2, 1), { min: 4 })).toMatchObject({
      targets: [4],
      actions: [{ kind: 'start', pool: 0 }],
    })
  })

  it('passes the scaler’s panic through, false when it says nothing', () => {
    expect(decide([1], status(1, 0)).panic).toBe(false)
    const c = new PoolController(fixed({ desired: [1], panic: true }), [POOL], 0)
    expect(c.decide(2, [status(1, 0)]).panic).toBe(true)
  })
})

describe('two pools', () => {
  const PREFILL: PoolSpec = { name: 'p', role: 'prefill', min: 0, max: 4, containerConcurrency: 4 }
  const DECODE: PoolSpec = { name: 'd', role: 'decode', min: 0, max: 4, containerConcurrency: 8 }

  it('carries each pool’s index in its actions; only the poked pool gets the point sample', () => {
    const views: ScaleView[] = []
    const c = new PoolController(recording(fixed({ desired: [2, 3] }), views), [PREFILL, DECODE], 0)
    c.setReady(0, 0, 1)
    // A request enters prefill at 2.5, and its handoff reaches decode (at zero) at 3.25.
    c.enter(0, 2.5)
    c.leave(0, 3.25)
    c.enter(1, 3.25)
    const d = c.decide(3.25, [status(1, 0), status(0, 0)], 1)
    expect(d.trigger).toBe('poke')
    expect(d.targets).toEqual([2, 3])
    expect(d.actions).toEqual([
      { kind: 'start', pool: 0 },
      { kind: 'start', pool: 1 },
      { kind: 'start', pool: 1 },
      { kind: 'start', pool: 1 },
    ])
    const [p, dec] = views[0]!.pools
    expect(p).toMatchObject({ name: 'p', role: 'prefill', ready: 1, containerConcurrency: 4 })
    expect(dec).toMatchObject({ name: 'd', role: 'decode', ready: 0, containerConcurrency: 8 })
    // Prefill: closed buckets only. Bucket 3 had the request for 0.5 s; utilisation
    // 1 / (1 ready × 4) = 0.25 for 0.5 s → 0.125.
    expect(p!.samples.map((s) => s.time)).toEqual([1, 2, 3])
    expect(p!.samples[2]).toMatchObject({ arrivals: 1, concurrency: 0.5, utilisation: 0.125 })
    // Decode: the same closed buckets (idle), then its point sample.
    expect(dec!.samples).toEqual([idle(1), idle(2), idle(3), { ...idle(3.25), concurrency: 1 }])
  })
})

describe('restart and the other inputs', () => {
  it('restarts the buckets at `now` with the ready counts, replaying no idle time', () => {
    const views: ScaleView[] = []
    const c = new PoolController(recording(fixed({ desired: [1] }), views), [POOL], 0)
    c.restart(100, [1])
    c.enter(0, 100.5)
    c.tokens(0, 100.75, 40)
    c.decide(101, [status(1, 0)])
    // One bucket, (100, 101]: 1 request for 0.5 s; 1 / (1 × 2) = 0.5 busy for 0.5 s → 0.25.
    expect(views[0]!.pools[0]!.samples).toEqual([
      { ...idle(101), concurrency: 0.5, arrivals: 1, outputTokens: 40, utilisation: 0.25 },
    ])
  })

  it('records completions with their latency and verdict', () => {
    const views: ScaleView[] = []
    const c = new PoolController(recording(fixed({ desired: [1] }), views), [POOL], 0)
    c.enter(0, 0.25)
    c.enter(0, 0.25)
    c.leave(0, 0.5, { latency: 0.25, met: true })
    c.leave(0, 0.75, { latency: 0.5, met: false })
    c.decide(1, [status(1, 0)])
    // 2 × 0.25 + 1 × 0.25 = 0.75.
    expect(views[0]!.pools[0]!.samples).toEqual([
      {
        ...idle(1),
        concurrency: 0.75,
        arrivals: 2,
        completions: 2,
        sloMet: 1,
        latencySum: 0.75,
      },
    ])
  })
})
