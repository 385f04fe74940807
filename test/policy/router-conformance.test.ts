/** @module Conformance suite run over every registered router. */
import { describe, expect, it } from 'vitest'
import { createRouter, routerNames } from '../../src/policy/registry.js'
import {
  type FleetView,
  isRoutable,
  type RequestInfo,
  type RoutingPolicy,
} from '../../src/policy/types.js'
import { createRng, type Rng } from '../../src/util/rng.js'
import {
  chainedBlocks,
  deepFreeze,
  makeFleet,
  makeRequest,
  type RandomFleetExtras,
  randomFleet,
  testPerf,
} from './fleet-fixture.js'

const ADAPTERS = ['sql', 'chat', 'code']

/** randomRequest makes a request with 0–40 blocks from one of 50 shared prefixes. */
function randomRequest(rng: Rng, id: number, adapters = false): RequestInfo {
  const blocks = Math.floor(rng() * 41)
  const req = makeRequest(id, chainedBlocks(Math.floor(rng() * 50), blocks))
  if (!adapters) return req
  const a = Math.floor(rng() * (ADAPTERS.length + 1))
  return a < ADAPTERS.length ? { ...req, adapter: ADAPTERS[a]! } : req
}

/**
 * scenario yields a reproducible stream of (request, view) pairs, changing fleet size now and
 * then. With `rich`, instances carry a latency model, queued prefill and LoRA adapters, and some
 * requests name an adapter, so the routers' model- and adapter-driven paths run too.
 */
function* scenario(seed: number, steps: number, rich = false): Generator<[RequestInfo, FleetView]> {
  const rng = createRng(seed)
  const extras: RandomFleetExtras = rich ? { perf: testPerf(), loras: ADAPTERS } : {}
  let size = 8
  for (let i = 0; i < steps; i++) {
    if (i % 50 === 0) size = 1 + Math.floor(rng() * 12)
    yield [randomRequest(rng, i, rich), randomFleet(rng, size, true, extras)]
  }
}

function ctx(rng: Rng, now = 0) {
  return { now, rng }
}

function runRoutingConformance(name: string, create: () => RoutingPolicy): void {
  describe(`router conformance: ${name}`, () => {
    it('is named by its registry key', () => {
      expect(create().name).toBe(name)
    })

    it.each([
      ['plain', false],
      ['with latency models and adapters', true],
    ])('never picks an unready or draining instance, and returns a valid index (%s)', (_, rich) => {
      const policy = create()
      const rng = createRng(7)
      let picks = 0
      for (const [req, view] of scenario(1, 2000, rich)) {
        const id = policy.pick(req, view, ctx(rng))
        if (view.instances.some(isRoutable)) {
          expect(id).toBeDefined()
          picks++
        }
        if (id === undefined) continue
        expect(Number.isInteger(id)).toBe(true)
        expect(id).toBeGreaterThanOrEqual(0)
        expect(id).toBeLessThan(view.instances.length)
        const inst = view.instances[id]!
        expect(inst.id).toBe(id)
        expect(inst.ready).toBe(true)
        expect(inst.draining).toBe(false)
      }
      expect(picks).toBeGreaterThan(1000)
    })

    it.each([
      ['plain', false],
      ['with latency models and adapters', true],
    ])('gives the same picks for the same seed (%s)', (_, rich) => {
      const a = create()
      const b = create()
      const rngA = createRng(42)
      const rngB = createRng(42)
      const picksA: (number | undefined)[] = []
      const picksB: (number | undefined)[] = []
      for (const [req, view] of scenario(3, 1000, rich)) picksA.push(a.pick(req, view, ctx(rngA)))
      for (const [req, view] of scenario(3, 1000, rich)) picksB.push(b.pick(req, view, ctx(rngB)))
      expect(picksA).toEqual(picksB)
    })

    it('does not mutate the view or the request', () => {
      const policy = create()
      const rng = createRng(9)
      for (const [req, view] of scenario(5, 300)) {
        const before = structuredClone({ req, instances: view.instances })
        deepFreeze(req)
        deepFreeze(view)
        expect(() => policy.pick(req, view, ctx(rng))).not.toThrow()
        expect({ req, instances: view.instances }).toEqual(before)
      }
    })

    it('does not mutate a view carrying latency models and adapters', () => {
      const policy = create()
      const rng = createRng(10)
      for (const [req, view] of scenario(6, 300, true)) {
        // JSON, not structuredClone: the latency model's functions cannot be cloned.
        const before = JSON.stringify({ req, instances: view.instances })
        deepFreeze(req)
        deepFreeze(view)
        expect(() => policy.pick(req, view, ctx(rng))).not.toThrow()
        expect(JSON.stringify({ req, instances: view.instances })).toBe(before)
      }
    })

    it('returns undefined for an empty fleet or one with nothing routable', () => {
      const policy = create()
      const rng = createRng(1)
      const req = makeRequest(0, chainedBlocks(1, 40))
      expect(policy.pick(req, makeFleet([]), ctx(rng))).toBeUndefined()
      const none = makeFleet([
        { ready: false },
        { draining: true },
        { ready: false, draining: true },
      ])
      expect(policy.pick(req, none, ctx(rng))).toBeUndefined()
      expect(policy.pick(makeRequest(1), none, ctx(rng))).toBeUndefined()
      // And it recovers when an instance becomes routable again.
      const one = makeFleet([{ ready: false }, { draining: true }, {}])
      expect(policy.pick(req, one, ctx(rng))).toBe(2)
    })
  })
}

describe('router registry', () => {
  it('has routers', () => {
    expect(routerNames.length).toBeGreaterThan(0)
  })
})

for (const name of routerNames) runRoutingConformance(name, () => createRouter(name))
