/** @module Test fixtures for policies: instance views, fleet views and requests. */
import { gpus, models } from '../../src/catalog/index.js'
import { DEFAULT_ENGINE } from '../../src/engine/config.js'
import type { Deployment } from '../../src/perf/deployment.js'
import { createInstancePerf } from '../../src/perf/instance-perf.js'
import { createIterationModel } from '../../src/perf/iteration.js'
import type { FleetView, InstancePerf, InstanceView, RequestInfo } from '../../src/policy/types.js'
import { chainHash, ROOT_HASH } from '../../src/util/hash.js'
import type { Rng } from '../../src/util/rng.js'

/** makeInstance builds a ready, idle instance view with index `id`, overridden by `over`. */
export function makeInstance(id: number, over: Partial<InstanceView> = {}): InstanceView {
  return {
    name: `inst-${id}`,
    group: 'g0',
    model: 'llama-3.1-8b',
    ready: true,
    draining: false,
    running: 0,
    waiting: 0,
    outstanding: 0,
    kvUsage: 0,
    kvBlocks: 1000,
    pendingPrefillTokens: 0,
    ...over,
    // The id is the index in the fleet, whatever `over` says.
    id,
  }
}

/**
 * makeFleet builds a FleetView over instances given as overrides (index = id). `cached` maps an
 * instance to the block hashes it holds; cachedPrefixBlocks counts the leading run of them (0
 * without a map).
 */
export function makeFleet(
  instances: ReadonlyArray<Partial<InstanceView>>,
  cached?: ReadonlyMap<number, ReadonlySet<number>>,
): FleetView {
  return {
    instances: instances.map((over, i) => makeInstance(i, over)),
    cachedPrefixBlocks(instance, hashes) {
      const held = cached?.get(instance)
      if (held === undefined) return 0
      let n = 0
      while (n < hashes.length && held.has(hashes[n]!)) n++
      return n
    },
  }
}

/** makeRequest builds a request with the given block hashes (default: no full block). */
export function makeRequest(id: number, blockHashes: ArrayLike<number> = []): RequestInfo {
  return { id, model: 'llama-3.1-8b', inputTokens: blockHashes.length * 16 + 5, blockHashes }
}

/** chainedBlocks returns `n` chained block hashes for a prompt whose content starts with `seed`. */
export function chainedBlocks(seed: number, n: number): number[] {
  const out: number[] = []
  let h = ROOT_HASH
  for (let b = 0; b < n; b++) {
    h = chainHash(h, b === 0 ? seed : b)
    out.push(h)
  }
  return out
}

/**
 * testPerf is the latency model of llama-3.1-8b in bf16 on one H100 with vLLM's default engine
 * limits (8,192-token budget, 256 sequences, 16-token blocks).
 */
export function testPerf(): InstancePerf {
  const deployment: Deployment = {
    gpu: gpus['h100-80g'],
    model: models['llama-3.1-8b'],
    tp: 1,
    dtype: 'bf16',
  }
  return createInstancePerf(createIterationModel(deployment), DEFAULT_ENGINE)
}

/** RandomFleetExtras add optional state to `randomFleet`'s instances. */
export interface RandomFleetExtras {
  /** Attach this latency model and random queued prefill work to every instance. */
  readonly perf?: InstancePerf
  /** Give each instance up to two of these LoRA adapters (max 2 loaded). */
  readonly loras?: ReadonlyArray<string>
}

/** randomFleet builds `n` instances with random loads; with `mixed`, some are unready or draining. */
export function randomFleet(
  rng: Rng,
  n: number,
  mixed = true,
  extras: RandomFleetExtras = {},
): FleetView {
  const specs: Partial<InstanceView>[] = []
  for (let i = 0; i < n; i++) {
    const r = rng()
    const spec: Partial<InstanceView> = {
      ready: !mixed || r > 0.2,
      draining: mixed && r > 0.2 && r < 0.35,
      outstanding: Math.floor(rng() * 8),
      running: Math.floor(rng() * 8),
      waiting: Math.floor(rng() * 4),
      kvUsage: Math.floor(rng() * 5) / 4,
    }
    // Extras draw after the base fields, so fleets without them are unchanged for a seed.
    const pending = extras.perf ? Math.floor(rng() * 4) * 4096 : 0
    const names = extras.loras ?? []
    const loaded = names.filter(() => rng() < 0.4).slice(0, 2)
    specs.push({
      ...spec,
      ...(extras.perf ? { perf: extras.perf, pendingPrefillTokens: pending } : {}),
      ...(extras.loras ? { loras: loaded, maxLoras: 2 } : {}),
    })
  }
  return makeFleet(specs)
}

/** deepFreeze freezes an object graph in place (typed arrays excepted: they cannot be frozen). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key])
  return Object.freeze(value)
}
