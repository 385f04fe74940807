/**
 * @module Fixtures for admission-policy tests: request views and engine views built by hand, and
 * a tiny driver that replays timed arrivals through one engine with a policy, checking the
 * engine's invariants after every step.
 */
import { expect } from 'vitest'
import { getGpu, getModel } from '../../src/catalog/index.js'
import { DEFAULT_ENGINE, type EngineConfig } from '../../src/engine/config.js'
import { Engine } from '../../src/engine/engine.js'
import { Sequence } from '../../src/engine/sequence.js'
import { createIterationModel } from '../../src/perf/iteration.js'
import type { AdmissionPolicy, EngineView, RequestView } from '../../src/policy/admission/types.js'
import { blockHashes } from '../../src/trace/prompt.js'
import { uniqueKey } from '../../src/trace/types.js'

/** reqView makes a waiting request's view (id 0, prompt 100, nothing generated, unless given). */
export function reqView(over: Partial<RequestView> = {}): RequestView {
  return {
    id: 0,
    arrival: 0,
    promptTokens: 100,
    generated: 0,
    numComputed: 0,
    preemptions: 0,
    priority: undefined,
    tenant: undefined,
    ...over,
  }
}

/** engineView makes an engine view: 1,000 blocks of 16 tokens, nothing running, nothing cached. */
export function engineView(
  over: Partial<Omit<EngineView, 'cachedTokens'>> & { cached?: number } = {},
): EngineView {
  const { cached = 0, ...rest } = over
  return {
    blockSize: 16,
    numBlocks: 1000,
    numFreeBlocks: 1000,
    maxNumSeqs: 256,
    maxNumBatchedTokens: 8192,
    running: [],
    cachedTokens: () => cached,
    ...rest,
  }
}

const MODEL = createIterationModel({
  gpu: getGpu('h100-80g'),
  model: getModel('llama-3.1-8b'),
  tp: 1,
  dtype: 'bf16',
})

/** Arrival is one request of a driven scenario. */
export interface Arrival {
  readonly at: number
  readonly prompt: number
  readonly output: number
  readonly priority?: number
  readonly tenant?: string
}

/** DriveResult is what a driven scenario left behind. */
export interface DriveResult {
  readonly engine: Engine
  readonly seqs: Sequence[]
  readonly finished: Sequence[]
  readonly shed: Sequence[]
  readonly end: number
}

/**
 * drive replays `arrivals` (sorted by time) through one engine with `policy`, as the simulator
 * does: an arrival at t joins before a step starting at t; an idle engine steps at the arrival.
 * Invariants are checked every `checkEvery` steps (default 8; they walk every block) and at the
 * end. `onStep` sees the engine after each step is planned.
 */
export function drive(
  policy: AdmissionPolicy | undefined,
  arrivals: ReadonlyArray<Arrival>,
  opts: {
    numBlocks?: number
    config?: Partial<EngineConfig>
    checkEvery?: number
    onStep?: (engine: Engine, now: number) => void
  } = {},
): DriveResult {
  const finished: Sequence[] = []
  const shed: Sequence[] = []
  const engine = new Engine(
    { ...DEFAULT_ENGINE, maxModelLen: 1 << 20, ...opts.config },
    MODEL,
    opts.numBlocks ?? 10_000,
    { onFinish: (s) => finished.push(s), onShed: (s) => shed.push(s) },
    policy ? { admission: policy } : {},
  )
  const seqs = arrivals.map(
    (a, id) =>
      new Sequence({
        id,
        arrival: a.at,
        promptTokens: a.prompt,
        outputTokens: a.output,
        blockHashes: blockHashes([{ key: uniqueKey(id), tokens: a.prompt }], 16),
        priority: a.priority,
        tenant: a.tenant,
      }),
  )
  const every = opts.checkEvery ?? 8
  let now = 0
  let next = 0
  let steps = 0
  while (next < seqs.length || engine.hasWork) {
    while (next < seqs.length && seqs[next]!.arrival <= now) engine.add(seqs[next++]!)
    const dt = engine.hasWork ? engine.step(now) : 0
    const check = steps % every === 0
    if (check) engine.checkInvariants()
    if (dt > 0) {
      opts.onStep?.(engine, now)
      now += dt
      engine.complete(now)
      if (check) engine.checkInvariants()
    } else if (next < seqs.length) {
      now = Math.max(now, seqs[next]!.arrival)
    } else {
      expect.fail(`no progress at t=${now} with ${engine.numWaiting} waiting`)
    }
    if (++steps > 1e6) expect.fail('too many steps')
  }
  engine.checkInvariants()
  return { engine, seqs, finished, shed, end: now }
}
