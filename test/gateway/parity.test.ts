/**
 * @module Parity: the same trace through the simulator and through the gateway in front of three
 * emulators gives the same routing decisions for deterministic routers.
 *
 * What is compared, per request in trace order: the backend index (0, 1, 2) the router picked, and
 * the in-flight count of every backend the router saw when it picked (the simulator's exact
 * `outstanding`; the gateway's own accounting), under the same router and seed, with a fresh
 * router on each side.
 *
 * The workload: two long "pin" requests (100,000 output tokens, far longer than the run) sent
 * first, then the first 30 requests of the bundled Azure conversation trace. The pins keep two
 * backends busy throughout, so load-aware routers must use their in-flight counts instead of
 * just taking turns. The gateway sends each request as a token-id prompt of the trace's input
 * length with `max_tokens` = its output length and `ignore_eos`, so the emulators do the work the
 * simulator models. Only arrival times are replaced, in two schedules:
 * - sequential: each trace request finishes before the next arrives (simulator: arrivals 5 s
 *   apart; gateway: it waits for each answer), so every pick sees just the pins in flight;
 * - waves: trace requests come in groups of 1–6 that overlap (simulator: 1 ms apart within a
 *   wave, waves 5 s apart; gateway: each request of a wave is sent once the previous one was
 *   routed, and the whole wave is awaited), so picks see up to 7 requests in flight. The test
 *   checks that every request of a wave was still in flight on the gateway when its wave's last
 *   request was routed; without that overlap the comparison would be void.
 * Routers compared: round-robin, least-outstanding, and weighted with only its queue weight; they
 * read nothing but readiness and in-flight counts, which both drivers know exactly (with the
 * gateway's scrapes kept from going stale, see throughGateway). Not compared:
 * routers that read KV usage (scraped, so the gateway sees it up to a scrape interval late) or
 * prefix hashes (the simulator hashes trace segment keys, the gateway hashes prompt tokens, so the
 * same prefix has different hash values and a hash ring places it elsewhere).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import type { Gateway } from '../../src/gateway/gateway.js'
import { createRouter } from '../../src/policy/registry.js'
import type { RoutingPolicy } from '../../src/policy/types.js'
import { planFleet } from '../../src/sim/fleet.js'
import { simulate } from '../../src/sim/simulator.js'
import { openTrace } from '../../src/trace/open.js'
import type { TraceRequest, TraceSource } from '../../src/trace/types.js'
import { MODEL, startEmulators, startGatewayFor } from './helpers.js'

const ROUTERS: ReadonlyArray<[string, string, () => RoutingPolicy]> = [
  ['round-robin', 'round-robin', () => createRouter('round-robin')],
  ['least-outstanding', 'least-outstanding', () => createRouter('least-outstanding')],
  [
    'weighted (queue only)',
    '{ weighted: { prefix: 0, queue: 1, kv: 0 } }',
    () => createRouter('weighted', { prefix: 0, queue: 1, kv: 0 }),
  ],
]
const WAVES = [3, 5, 2, 6, 4, 1, 5, 4] // 30 requests
const MIN_OUTPUT = 256

let trace: TraceRequest[]
/** Fast emulators for the sequential runs, slow ones for the waves (see beforeAll). */
let fast: Emulator[]
let slow: Emulator[]

beforeAll(async () => {
  const src = await openTrace('azure-conv', { requests: 30 })
  trace = []
  // Every request generates at least MIN_OUTPUT tokens, in both drivers alike (picks depend only
  // on arrivals and completions, so this changes nothing compared): a wave's shortest request
  // then lasts about 0.9 s on the slow emulators, where routing a wave of 6 takes well under
  // 0.1 s even on a 2-core machine busy with the rest of the suite. With the trace's own 16-token
  // outputs it lasted 60 ms, and a loaded machine once routed a wave of 5 in 117 ms: the waves
  // check below caught it.
  for await (const chunk of src.chunks())
    trace.push(...chunk.map((r) => ({ ...r, outputTokens: Math.max(r.outputTokens, MIN_OUTPUT) })))
  fast = await startEmulators(3, { timeScale: 200 })
  slow = await startEmulators(3, { timeScale: 2 }) // the engine at twice real speed
})
afterAll(() => Promise.all([...fast, ...slow].map((e) => e.close({ timeoutMs: 0 }))))

/** waveOf gives each request's wave index. */
function waveOf(): number[] {
  const out: number[] = []
  WAVES.forEach((n, w) => {
    for (let j = 0; j < n; j++) out.push(w)
  })
  return out
}

/** PIN_TOKENS is each pin's output: ~10 min of engine time, far beyond either run. */
const PIN_TOKENS = 100_000

/** pins are the two long requests sent first, as trace requests. */
const pins = (): TraceRequest[] =>
  [0, 1].map((k) => ({
    id: 1_000_000 + k,
    arrival: k * 0.001,
    inputTokens: 100,
    outputTokens: PIN_TOKENS,
    segments: [{ key: -(1_000_000 + k + 1), tokens: 100 }],
  }))

/** Decisions are a run's picks and the in-flight counts each pick saw. */
interface Decisions {
  readonly picks: number[]
  readonly loads: string[]
}

/** simulated runs pins + trace (trace arrivals replaced) and returns the simulator's decisions. */
async function simulated(router: RoutingPolicy, arrivals: ReadonlyArray<number>) {
  const out: Decisions = { picks: [], loads: [] }
  const recording: RoutingPolicy = {
    name: router.name,
    pick(req, view, ctx) {
      out.loads.push(view.instances.map((i) => i.outstanding).join(','))
      const p = router.pick(req, view, ctx)
      out.picks.push(p ?? -1) // arrivals are in workload order
      return p
    },
  }
  const source: TraceSource = {
    name: 'pins+azure-conv[30]',
    format: 'azure',
    async *chunks() {
      yield [...pins(), ...trace.map((r, i) => ({ ...r, arrival: 1 + arrivals[i]! }))]
    },
  }
  const plans = planFleet({
    name: 'parity',
    groups: [{ name: 'g', gpu: 'h100-80g', model: MODEL, tp: 1, count: 3, dtype: 'bf16' }],
  })
  const run = await simulate(plans, source, {
    seed: 1,
    slo: { ttft_s: 1, tpot_s: 0.1 },
    router: recording,
  })
  expect(run.summary.completed).toBe(trace.length + 2)
  return out
}

/** Through is the gateway's decisions and, per request, when it was routed and finished. */
interface Through extends Decisions {
  readonly routedAt: number[]
  readonly doneAt: number[]
}

/** throughGateway sends the trace through a fresh gateway: wave by wave, or one by one. */
async function throughGateway(
  emus: ReadonlyArray<Emulator>,
  routerYaml: string,
  waves: boolean,
): Promise<Through> {
  const picks: number[] = []
  const loads: string[] = []
  const routedAt: number[] = []
  const doneAt: number[] = []
  let onRouted: (() => void) | undefined
  let gwRef: Gateway | undefined
  // Scraped metrics never go stale here: a stale backend is shown to routers as saturated
  // (gateway/fleet-view.ts), and on a busy machine a late scrape once made a tied backend look
  // full mid-wave, a difference of scheduling, not of routing.
  const extra = `router: ${routerYaml}\nscrape: { staleness_ms: 600000 }\n`
  const gw: Gateway = await startGatewayFor(emus, extra, {
    observer: {
      onRouted: (e) => {
        picks[e.requestId] = e.backend
        routedAt[e.requestId] = performance.now()
        // In flight as the router saw them: the gateway counts the pick before telling us.
        const inFlight = gwRef!.backends().map((b, i) => b.inFlight - (i === e.backend ? 1 : 0))
        loads[e.requestId] = inFlight.join(',')
        onRouted?.()
      },
      onDone: (e) => {
        doneAt[e.requestId] = performance.now()
      },
    },
  })
  gwRef = gw
  const pinAbort = new AbortController()
  const send = async (r: TraceRequest, signal?: AbortSignal): Promise<void> => {
    const res = await fetch(`${gw.url}/v1/completions`, {
      ...(signal ? { signal } : {}),
      method: 'POST',
      body: JSON.stringify({
        model: MODEL,
        prompt: Array.from({ length: r.inputTokens }, (_, k) => (k * 7919 + r.id) % 32000),
        max_tokens: r.outputTokens,
        ignore_eos: true,
      }),
    })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
  }
  const pinned: Promise<void>[] = []
  try {
    for (const pin of pins()) {
      const routed = new Promise<void>((resolve) => {
        onRouted = resolve
      })
      pinned.push(send(pin, pinAbort.signal).catch(() => {}))
      await routed
    }
    const wave = waveOf()
    let i = 0
    while (i < trace.length) {
      const group: Promise<void>[] = []
      const w = wave[i]!
      do {
        const routed = new Promise<void>((resolve) => {
          onRouted = resolve
        })
        group.push(send(trace[i]!))
        await routed
        i++
      } while (waves && i < trace.length && wave[i] === w)
      await Promise.all(group)
    }
  } finally {
    // The pins are still generating: cut them (the gateway aborts them upstream too).
    pinAbort.abort()
    await Promise.all(pinned)
    await gw.close({ timeoutMs: 1000 })
  }
  // The gateway numbers requests from 0 in the order sent: pins, then the trace.
  return { picks, loads, routedAt, doneAt }
}

describe('simulator ↔ gateway routing parity (azure-conv, 30 requests, 3 instances)', () => {
  it.each(ROUTERS)('%s, sequential: identical picks', async (_name, yaml, create) => {
    const sim = await simulated(
      create(),
      trace.map((_, i) => i * 5),
    )
    const gw = await throughGateway(fast, yaml, false)
    expect(gw.loads).toEqual(sim.loads)
    expect(gw.picks).toEqual(sim.picks)
  })

  it.each(ROUTERS.slice(1))(
    '%s, overlapping waves: identical picks',
    async (_name, yaml, create) => {
      const wave = waveOf()
      const arrivals = wave.map((w, i) => w * 5 + (i - wave.indexOf(w)) * 0.001)
      const sim = await simulated(create(), arrivals)
      const gw = await throughGateway(slow, yaml, true)
      // The comparison holds only if each wave really overlapped on the gateway side.
      for (let w = 0; w < WAVES.length; w++) {
        const ids = wave.flatMap((x, i) => (x === w ? [i + 2] : []))
        const lastRouted = Math.max(...ids.map((i) => gw.routedAt[i]!))
        const firstDone = Math.min(...ids.map((i) => gw.doneAt[i]!))
        expect(firstDone, `wave ${w} overlapped`).toBeGreaterThan(lastRouted)
      }
      expect(gw.loads).toEqual(sim.loads)
      expect(gw.picks).toEqual(sim.picks)
    },
  )
})
