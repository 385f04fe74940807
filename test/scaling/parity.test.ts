/**
 * @module Parity of the three scaling loops. The LLM simulator (sim/autoscaler.ts), the function
 * simulator (sim/functions/service.ts) and the gateway (gateway/autoscale/loop.ts) each feed the
 * one PoolController (scaling/controller.ts); given the same arrivals, the same cold start and
 * the same tick phase, each fresh KPA must be asked the same questions and give the same answers.
 *
 * The scenario, from zero replicas (min 0, initial 0, max 4, containerConcurrency 2, so the
 * KPA's target is 2 × 0.7 = 1.4 requests per replica; tick 2 s):
 *
 *   t = 1.3            the first request: the pool is at zero, so it pokes (1 start)
 *   t = 1.85, 2.6      two more while that replica starts (no second poke)
 *   t = 2.6 … 9.4      a 6.8-s gap
 *   t = 9.4 … 10.05    a burst of seven
 *   t = 16.2 … 35.2    six stragglers: one exactly on the 19.3 tick, two after the first
 *                      replica is ready
 *
 * No request finishes before the horizon H: the LLM requests decode 5,000 tokens, the function
 * jobs need 1,000 s, the gateway's never leave. The cold start C is the LLM pool's own (8B bf16 on
 * an H100: 16.06 GB at 2 GB/s + 20 s = 28.03 s); the function simulator is given exactly C as its
 * provisioning time and the gateway's fake actuator makes a replica ready exactly C after it was
 * asked for. H = 1.3 + C + 10 = 39.33 s: the first replica is ready at 29.33, and the ticks at
 * 31.3 … 39.3 decide with it.
 *
 * Phase. Both simulators start their controller's buckets and their tick loop at the first
 * arrival (sim/autoscaler.ts `#begin`: `restart(now)`, first tick at now + tickSeconds;
 * functions/service.ts `begin`: `new PoolController(…, now)`, first tick at now + tickSeconds).
 * The gateway builds its controller when the gateway starts and ticks from then (`start()` ticks
 * at once, then every tickSeconds on a wall-clock interval); here it is built with the clock at
 * the first arrival and ticked by hand at 1.3 + 2k, without `start()`, whose immediate tick at
 * 1.3 would be one decision (an empty view) the simulators never take. At equal times the
 * simulators run ticks and readiness before arrivals, and ticks and readiness among themselves in
 * the order they were scheduled; the gateway's event loop below does the same.
 *
 * Left as the gateway runs live (built before the first request, `start()` at once), its buckets
 * end on the gateway's own grid, its poke sees the idle buckets since it started (the simulators'
 * poke sees only the point sample), and it takes one more decision: the sequences then differ in
 * their times and samples by construction, which is why the phase is matched here.
 *
 * The decisions agree, and so do the ledgers' decision counts.
 */
import { Registry } from 'prom-client'
import { Agent } from 'undici'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Actuator, ReplicaEvents, ReplicaInfo } from '../../src/gateway/autoscale/actuator.js'
import { Autoscaling } from '../../src/gateway/autoscale/loop.js'
import { parseGatewayConfig } from '../../src/gateway/config.js'
import { AutoscalerMetrics } from '../../src/gateway/gateway-metrics.js'
import { Pool } from '../../src/gateway/pool.js'
import { PrefixIndex } from '../../src/gateway/prefix-index.js'
import { createRouter } from '../../src/policy/registry.js'
import { createScaler } from '../../src/policy/scaler/registry.js'
import type { Scaler } from '../../src/policy/scaler/types.js'
import type { ReplicaRecord, ScaleAction } from '../../src/scaling/controller.js'
import { planFleet } from '../../src/sim/fleet.js'
import { simulateFunctions } from '../../src/sim/functions/simulate.js'
import { planScaledFleet } from '../../src/sim/scaled-fleet.js'
import { simulate } from '../../src/sim/simulator.js'
import type { TraceRequest, TraceSource } from '../../src/trace/types.js'
import { uniqueKey } from '../../src/trace/types.js'

const MAX = 4
const CC = 2
const SCALER = 'kpa:tick=2'
const TICK = 2
const T0 = 1.3

/** tickAt is the k-th tick's time as every driver computes it: T0 + TICK + … + TICK. */
function tickAt(k: number): number {
  let t = T0
  for (let i = 0; i < k; i++) t += TICK
  return t
}

/**
 * ARRIVALS: the one workload, seconds. One request lands exactly on the tick at 19.3 (the same
 * float): the simulators run the tick first, and the arrival falls in the bucket the tick opens.
 */
const ARRIVALS: ReadonlyArray<number> = [
  T0,
  1.85,
  2.6,
  9.4,
  9.45,
  9.5,
  9.55,
  9.6,
  9.7,
  10.05,
  16.2,
  tickAt(9),
  22.75,
  27.1,
  31.65,
  35.2,
]

/** Sample is a bucket as the comparison keeps it. */
interface Sample {
  readonly time: number
  readonly concurrency: number
  readonly arrivals: number
  readonly completions: number
  readonly utilisation: number
}

/** Call is one `decide` as the scaler saw and answered it. */
interface Call {
  readonly now: number
  readonly samples: ReadonlyArray<Sample>
  readonly ready: number
  readonly pending: number
  readonly draining: number
  readonly coldStartSeconds: number
  /** The pool's [min, max, containerConcurrency]. */
  readonly bounds: readonly [number, number, number]
  readonly desired: number
  readonly panic: boolean
}

/** r9 rounds to 1e-9 (the drivers add the same floats; this only hides −0 and print noise). */
const r9 = (x: number): number => Math.round(x * 1e9) / 1e9 + 0

/** recording wraps a scaler and logs every decide call of its one pool. */
function recording(inner: Scaler, log: Call[]): Scaler {
  return {
    name: inner.name,
    tickSeconds: inner.tickSeconds,
    decide(view) {
      const d = inner.decide(view)
      const p = view.pools[0]!
      log.push({
        now: r9(view.now),
        samples: p.samples.map((s) => ({
          time: r9(s.time),
          concurrency: r9(s.concurrency),
          arrivals: s.arrivals,
          completions: s.completions,
          utilisation: r9(s.utilisation),
        })),
        ready: p.ready,
        pending: p.pending,
        draining: p.draining,
        coldStartSeconds: r9(p.coldStartSeconds),
        bounds: [p.minReplicas, p.maxReplicas, p.containerConcurrency],
        desired: d.desired[0]!,
        panic: d.panic ?? false,
      })
      return d
    },
  }
}

function llmPlans() {
  return planFleet({
    name: 'parity',
    groups: [
      {
        name: 'g',
        gpu: 'h100-80g',
        model: 'llama-3.1-8b',
        tp: 1,
        count: MAX,
        dtype: 'bf16',
        autoscale: { min: 0, max: MAX, initial: 0, containerConcurrency: CC },
      },
    ],
  })
}

/** COLD is the LLM pool's cold start, as the simulator plans it. */
const COLD = planScaledFleet(llmPlans()).pools[0]!.coldStartSeconds
/** H is the horizon: the first cold start plus 10 s. */
const H = T0 + COLD + 10

function source(reqs: TraceRequest[], workload?: 'function'): TraceSource {
  return {
    name: 'parity',
    format: 'synthetic',
    ...(workload ? { workload } : {}),
    size: reqs.length,
    async *chunks() {
      yield reqs
    },
  }
}

/** Run is one driver's scaler calls and the number of decisions its ledger counted. */
interface Run {
  readonly log: Call[]
  readonly ledgerDecisions: number
}

async function runLlm(): Promise<Run> {
  const log: Call[] = []
  const reqs: TraceRequest[] = ARRIVALS.map((arrival, id) => ({
    id,
    arrival,
    inputTokens: 100,
    outputTokens: 5000,
    segments: [{ key: uniqueKey(id), tokens: 100 }],
  }))
  const r = await simulate(llmPlans(), source(reqs), {
    seed: 1,
    slo: { ttft_s: 2, tpot_s: 0.1 },
    router: createRouter('least-outstanding'),
    scaler: recording(createScaler(SCALER), log),
  })
  return { log, ledgerDecisions: r.summary.scaling!.decisions }
}

async function runFunctions(): Promise<Run> {
  const log: Call[] = []
  const reqs: TraceRequest[] = ARRIVALS.map((arrival, id) => ({
    id,
    arrival,
    inputTokens: 1,
    outputTokens: 1,
    segments: [{ key: -(id + 1), tokens: 1 }],
    serviceSeconds: 1000,
  }))
  const r = await simulateFunctions(source(reqs, 'function'), {
    seed: 1,
    scaler: { label: SCALER, create: () => recording(createScaler(SCALER), log) },
    minReplicas: 0,
    maxReplicas: MAX,
    initialReplicas: 0,
    containerConcurrency: CC,
    // provisionSeconds + 0 bytes / bandwidth + 0 s = exactly COLD (functionColdStartSeconds).
    coldStart: { provisionSeconds: COLD, weightBytes: 0, initSeconds: 0 },
  })
  return { log, ledgerDecisions: r.summary.scaling!.decisions }
}

/** Ev is one event of the gateway's hand-run loop; `seq` orders equal times as the simulators do. */
interface Ev {
  readonly time: number
  /** 0: a tick or a replica ready (the simulators' timers, ranked before arrivals); 1: an arrival. */
  readonly kind: 0 | 1
  readonly seq: number
  readonly run: () => void
}

/** EventLoop runs events by time, then kind, then the order they were scheduled. */
class EventLoop {
  readonly #events: Ev[] = []
  #seq = 0
  at(time: number, kind: 0 | 1, run: () => void): void {
    this.#events.push({ time, kind, seq: this.#seq++, run })
  }
  /** runUntil runs every event at or before `end`, including those scheduled meanwhile. */
  runUntil(end: number, clock: { now: number }): void {
    for (;;) {
      this.#events.sort((a, b) => a.time - b.time || a.kind - b.kind || a.seq - b.seq)
      const e = this.#events[0]
      if (!e || e.time > end) return
      this.#events.shift()
      clock.now = e.time
      e.run()
    }
  }
}

/** FakeReplica is one replica the fake actuator started. */
interface FakeReplica {
  readonly id: number
  readonly askedAt: number
  state: 'starting' | 'ready'
  readonly url: string
}

/** ColdActuator starts replicas on command and makes each ready exactly `cold` s later. */
class ColdActuator implements Actuator {
  readonly kind = 'fake'
  readonly #replicas: FakeReplica[] = []
  #next = 0
  constructor(
    private readonly events: ReplicaEvents,
    private readonly clock: { now: number },
    private readonly loop: EventLoop,
    private readonly cold: number,
  ) {}
  counts() {
    const n = (s: string) => this.#replicas.filter((r) => r.state === s).length
    return { ready: n('ready'), pending: n('starting'), draining: 0 }
  }
  records(): ReplicaRecord<number>[] {
    return this.#replicas.map((r) => ({
      id: r.id,
      state: r.state,
      askedAt: r.askedAt,
      outstanding: 0,
    }))
  }
  apply(actions: ReadonlyArray<ScaleAction<number>>): void {
    for (const a of actions) {
      if (a.kind !== 'start') throw new Error(`parity: unexpected ${a.kind} before the horizon`)
      const now = this.clock.now
      const id = this.#next++
      const r: FakeReplica = {
        id,
        askedAt: now,
        state: 'starting',
        url: `http://127.0.0.1:${9000 + id}`,
      }
      this.#replicas.push(r)
      this.loop.at(now + this.cold, 0, () => {
        r.state = 'ready'
        this.events.ready(r.url, r.askedAt)
      })
    }
  }
  replicas(): ReplicaInfo[] {
    return this.#replicas.map((r) => ({ url: r.url, state: r.state, askedAt: r.askedAt }))
  }
  start(): Promise<void> {
    return Promise.resolve()
  }
  close(): Promise<void> {
    return Promise.resolve()
  }
}

async function runGateway(): Promise<Run> {
  const log: Call[] = []
  const config = parseGatewayConfig(
    'pools:\n  - model: m\n    autoscale: { ' +
      `scaler: "${SCALER}", min: 0, max: ${MAX}, container_concurrency: ${CC}, ` +
      `cold_start_s: ${COLD}, actuator: { process: { command: [x], port_base: 0 } } }\n`,
    'parity.yaml',
  )
  // The gateway's controller starts its buckets when it is built: build it at the first arrival.
  const clock = { now: T0 }
  const loop = new EventLoop()
  const pools = config.pools.map((p) => new Pool(p, config.router))
  const pool = pools[0]!
  const agent = new Agent()
  const scaling: Autoscaling = new Autoscaling({
    config,
    pools,
    clock: { now: () => clock.now },
    agent,
    prefix: new PrefixIndex(),
    metrics: new AutoscalerMetrics(new Registry(), () => scaling.gauges()),
    held: () => 0,
    onReady: () => {},
    log: () => {},
    actuator: (_pool, events) => new ColdActuator(events, clock, loop, COLD),
  })
  const pa = scaling.get(pool)!
  // Wrap the loop's own fresh KPA in place (the loop builds it from the config's spec).
  const kpa: Scaler = {
    name: pa.scaler.name,
    tickSeconds: pa.scaler.tickSeconds,
    decide: pa.scaler.decide.bind(pa.scaler),
  }
  pa.scaler.decide = recording(kpa, log).decide
  for (const at of ARRIVALS) loop.at(at, 1, () => scaling.entered(pool, at))
  const tick = (now: number): void => {
    pa.tick('tick')
    loop.at(now + TICK, 0, () => tick(now + TICK))
  }
  loop.at(T0 + TICK, 0, () => tick(T0 + TICK))
  loop.runUntil(H, clock)
  const ledgerDecisions = scaling.snapshot()[0]!.summary.decisions
  await agent.close()
  return { log, ledgerDecisions }
}

/** upTo keeps the calls at or before the horizon. */
const upTo = (log: ReadonlyArray<Call>): Call[] => log.filter((c) => c.now <= H)

describe('the three scaling loops decide alike', () => {
  let llmRun: Run
  let fnRun: Run
  let gwRun: Run
  let llm: Call[]
  let fn: Call[]
  let gw: Call[]
  beforeAll(async () => {
    llmRun = await runLlm()
    fnRun = await runFunctions()
    gwRun = await runGateway()
    llm = llmRun.log
    fn = fnRun.log
    gw = gwRun.log
  })

  it('rests on one cold start and a horizon before any LLM request finishes', () => {
    // 16.06 GB of bf16 weights at 2 GB/s + 20 s of engine start.
    expect(COLD).toBeCloseTo(28.03, 9)
    expect(H).toBeCloseTo(39.33, 9)
    // The LLM run's first completion falls in a bucket that opens after H.
    const first = llm.flatMap((c) => c.samples).find((s) => s.completions > 0)
    expect(first).toBeDefined()
    expect(first!.time - 1).toBeGreaterThan(H)
    // The function jobs (1,000 s) and the gateway's requests (never leaving) cannot finish.
    for (const log of [fn, gw]) {
      expect(upTo(log).every((c) => c.samples.every((s) => s.completions === 0))).toBe(true)
    }
  })

  it('asks the scaler the same questions and gets the same answers up to the horizon', () => {
    // The poke at 1.3, then a tick every 2 s from 3.3 to 39.3.
    const times = [T0, ...Array.from({ length: 19 }, (_, k) => r9(tickAt(k + 1)))]
    expect(upTo(llm).map((c) => c.now)).toEqual(times)
    expect(upTo(fn)).toEqual(upTo(llm))
    expect(upTo(gw)).toEqual(upTo(llm))
  })

  it('compares a run with a poke, starts, a scale-up to the bound and a replica ready', () => {
    const log = upTo(llm)
    // The poke: nothing ready or starting; the one request as a point sample → ⌈1 / 1.4⌉ = 1.
    expect(log[0]).toMatchObject({ now: T0, ready: 0, pending: 0, desired: 1, panic: false })
    expect(log[0]!.samples).toEqual([
      { time: T0, concurrency: 1, arrivals: 0, completions: 0, utilisation: 0 },
    ])
    // 3.3: bucket 2.3 holds 1 request for 0.55 s and 2 for 0.45 s → 1.45, with both arrivals
    // (the poke's among them, counted once, when its bucket closed); bucket 3.3 holds 2 for 0.3 s
    // and 3 for 0.7 s → 2.7. Panic window (1 + 1.45 + 2.7) / 3 = 1.7167 → ⌈1.7167 / 1.4⌉ = 2,
    // and 2 / max(1, 0 ready) ≥ 2: panic. 2 wanted, 1 coming → 1 more start.
    expect(log[1]).toMatchObject({ now: 3.3, ready: 0, pending: 1, desired: 2, panic: true })
    expect(log[1]!.samples).toEqual([
      { time: 2.3, concurrency: 1.45, arrivals: 2, completions: 0, utilisation: 0 },
      { time: 3.3, concurrency: 2.7, arrivals: 1, completions: 0, utilisation: 0 },
    ])
    // 9.3: six buckets of 3 → ⌈3 / 1.4⌉ = 3. 11.3: the burst (buckets 7.85 and 10) lifts the
    // panic window to (4 × 3 + 7.85 + 10) / 6 = 4.975 → ⌈3.55⌉ = 4, the bound, held since.
    expect(log.map((c) => c.desired)).toEqual([1, 2, 2, 2, 3, ...Array(15).fill(4)])
    expect(log.map((c) => c.ready + c.pending)).toEqual([0, 1, 2, 2, 2, 3, ...Array(14).fill(4)])
    // The first replica is ready at 1.3 + 28.03 = 29.33, the rest a cold start after their ticks
    // (3.3 → 31.33, 9.3 → 37.33, 11.3 → 39.33).
    expect(log.map((c) => c.ready)).toEqual([...Array(15).fill(0), 1, 2, 2, 2, 3])
    // Bucket 30.3: 14 requests on 1 replica of cc 2 (capped at 1) for the 0.97 s it was ready.
    expect(log[15]!.samples[0]).toMatchObject({ time: 30.3, concurrency: 14, utilisation: 0.97 })
    // The request on the 19.3 tick is in the bucket that tick opened: (19.3, 20.3].
    const bucket = (t: number) => log.flatMap((c) => c.samples).find((s) => s.time === t)
    expect(bucket(19.3)).toMatchObject({ arrivals: 0, concurrency: 11 })
    expect(bucket(20.3)).toMatchObject({ arrivals: 1, concurrency: 12 })
    // Every arrival is counted once, in the bucket it fell in (the last closed at 39.3).
    const counted = log.flatMap((c) => c.samples).reduce((n, s) => n + s.arrivals, 0)
    expect(counted).toBe(ARRIVALS.length)
  })

  it('counts one ledger decision per scaler call in the LLM simulator and the gateway', () => {
    // The LLM log runs to the end of its run; the gateway's stops at H.
    expect(llmRun.ledgerDecisions).toBe(llm.length)
    expect(gwRun.ledgerDecisions).toBe(gw.length)
  })

  /**
   * The function simulator used to count its initial scale as a decision the scaler took (one
   * per service begun); both simulators now record it as the desired series' first point.
   */
  it('counts one ledger decision per scaler call in the function simulator', () => {
    expect(fnRun.ledgerDecisions).toBe(fn.length)
  })
})
