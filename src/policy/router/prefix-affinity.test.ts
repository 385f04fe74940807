import { describe, expect, it } from 'vitest'
import { chainedBlocks, makeFleet, makeRequest } from '../../../test/policy/fleet-fixture.js'
import { createRng } from '../../util/rng.js'
import type { InstanceView } from '../types.js'
import { createPrefixAffinity } from './prefix-affinity.js'

const ctx = { now: 0, rng: createRng(1) }

/** fleetOf builds `n` idle instances named by `names` (default inst-0..). */
function fleetOf(n: number, over: (i: number) => Partial<InstanceView> = () => ({})) {
  return makeFleet(Array.from({ length: n }, (_, i) => over(i)))
}

/** keyRequest makes a request whose prefix key (its only block) is `key`. */
function keyRequest(key: number) {
  return makeRequest(0, [key])
}

describe('prefix-affinity', () => {
  it('maps the same prefix to the same instance when loads are equal', () => {
    const view = fleetOf(8, () => ({ outstanding: 3 }))
    const policy = createPrefixAffinity()
    for (let seed = 0; seed < 50; seed++) {
      const first = policy.pick(makeRequest(seed, chainedBlocks(seed, 80)), view, ctx)
      for (let i = 0; i < 5; i++) {
        // Same first 64 blocks, different tail (and a fresh policy agrees too).
        const tail = [...chainedBlocks(seed, 64), ...chainedBlocks(1000 + i, 10)]
        expect(policy.pick(makeRequest(i, tail), view, ctx)).toBe(first)
        expect(createPrefixAffinity().pick(makeRequest(i, tail), view, ctx)).toBe(first)
      }
    }
  })

  it('keys on at most prefixBlocks leading blocks, and on all of a shorter prompt', () => {
    const view = fleetOf(8)
    const short = createPrefixAffinity({ prefixBlocks: 2 })
    // With a 2-block key the pick is the pick for the 2nd block's hash, whatever follows.
    const blocks = chainedBlocks(7, 20)
    expect(short.pick(makeRequest(0, blocks), view, ctx)).toBe(
      short.pick(keyRequest(blocks[1]!), view, ctx),
    )
    // A 5-block prompt under the default 64 keys on its 5th block.
    const five = chainedBlocks(9, 5)
    const policy = createPrefixAffinity()
    expect(policy.pick(makeRequest(0, five), view, ctx)).toBe(
      policy.pick(keyRequest(five[4]!), view, ctx),
    )
  })

  it('spreads different prefixes over the instances', () => {
    const view = fleetOf(8)
    const policy = createPrefixAffinity()
    const rng = createRng(2024)
    const counts = new Array<number>(8).fill(0)
    for (let i = 0; i < 1000; i++) {
      const id = policy.pick(
        makeRequest(i, chainedBlocks(Math.floor(rng() * 2 ** 32), 8)),
        view,
        ctx,
      )
      counts[id!]!++
    }
    for (const c of counts) {
      expect(c).toBeGreaterThanOrEqual(50)
      expect(c).toBeLessThanOrEqual(250)
    }
  })

  it('moves only the keys of a removed instance (consistent hashing)', () => {
    const names = Array.from({ length: 8 }, (_, i) => `gpu-${i}`)
    const before = makeFleet(names.map((name) => ({ name })))
    // Remove gpu-3: later instances shift down one index, so compare by name.
    const after = makeFleet(names.filter((n) => n !== 'gpu-3').map((name) => ({ name })))
    // One policy per fleet: a policy caches one ring, so alternating fleets would rebuild it.
    const onBefore = createPrefixAffinity()
    const onAfter = createPrefixAffinity()
    const rng = createRng(77)
    let moved = 0
    for (let i = 0; i < 2000; i++) {
      const req = keyRequest(Math.floor(rng() * 2 ** 52))
      const was = before.instances[onBefore.pick(req, before, ctx)!]!.name
      const now = after.instances[onAfter.pick(req, after, ctx)!]!.name
      if (was === 'gpu-3') {
        expect(now).not.toBe('gpu-3')
        moved++
      } else expect(now).toBe(was)
    }
    expect(moved).toBeGreaterThan(100)
  })

  it('sends a draining instance’s keys to others and leaves the rest in place', () => {
    const before = fleetOf(6)
    const after = fleetOf(6, (i) => ({ draining: i === 2 }))
    const policy = createPrefixAffinity()
    const rng = createRng(5)
    for (let i = 0; i < 1000; i++) {
      const req = keyRequest(Math.floor(rng() * 2 ** 52))
      const was = policy.pick(req, before, ctx)
      const now = policy.pick(req, after, ctx)
      if (was === 2) expect(now).not.toBe(2)
      else expect(now).toBe(was)
    }
  })

  it('spills to the least-loaded instance when the target is over the load bound', () => {
    const idle = fleetOf(8)
    const policy = createPrefixAffinity()
    const req = makeRequest(0, chainedBlocks(123, 40))
    const target = policy.pick(req, idle, ctx)!
    const loads = [4, 5, 2, 6, 3, 1, 5, 4]
    // Put the target at 10 and make the least-loaded one unique (1 outstanding).
    const low = target === 5 ? 6 : 5
    loads[target] = 10
    loads[low] = 1
    for (let i = 0; i < 8; i++) if (i !== target && i !== low) loads[i] = Math.max(loads[i]!, 2)
    const hot = fleetOf(8, (i) => ({ outstanding: loads[i]! }))
    // mean = Σ/8 ≤ 5.5 → bound ≤ 1.5 × 6.5 = 9.75 < 10: spill.
    expect(policy.pick(req, hot, ctx)).toBe(low)
    // Within the bound (target at the mean) it stays.
    const warm = fleetOf(8, () => ({ outstanding: 4 }))
    expect(policy.pick(req, warm, ctx)).toBe(target)
    // A looser bound keeps it on the target even at 10.
    expect(createPrefixAffinity({ loadFactor: 3 }).pick(req, hot, ctx)).toBe(target)
  })

  it('falls back to least-outstanding for a prompt with no full block', () => {
    const view = fleetOf(4, (i) => ({ outstanding: [3, 1, 0, 2][i]! }))
    expect(createPrefixAffinity().pick(makeRequest(0, []), view, ctx)).toBe(2)
  })

  it('rebuilds its ring when instances are renamed', () => {
    const policy = createPrefixAffinity()
    const rng = createRng(9)
    const a = makeFleet(['a', 'b', 'c', 'd'].map((name) => ({ name })))
    const b = makeFleet(['w', 'x', 'y', 'z'].map((name) => ({ name })))
    let differ = 0
    for (let i = 0; i < 200; i++) {
      const req = keyRequest(Math.floor(rng() * 2 ** 52))
      const pa = policy.pick(req, a, ctx)
      const pb = policy.pick(req, b, ctx)
      // A fresh policy agrees on each fleet, so the cached ring was not reused across names.
      expect(createPrefixAffinity().pick(req, b, ctx)).toBe(pb)
      expect(createPrefixAffinity().pick(req, a, ctx)).toBe(pa)
      if (pa !== pb) differ++
    }
    expect(differ).toBeGreaterThan(50)
  })
})
