/** @module Tests for the policy registry. */
import { describe, expect, it } from 'vitest'
import {
  createRouter,
  isRouterName,
  listPolicies,
  routerNames,
  routingPolicies,
} from '../../src/policy/registry.js'
import { UsageError } from '../../src/util/errors.js'

describe('policy registry', () => {
  it('creates each router by name, fresh each time', () => {
    for (const name of routerNames) {
      const a = createRouter(name)
      expect(a.name).toBe(name)
      expect(createRouter(name)).not.toBe(a)
    }
  })

  it('passes options through', () => {
    const r = createRouter('prefix-affinity', { prefixBlocks: 4, loadFactor: 2 })
    expect(r.name).toBe('prefix-affinity')
  })

  it('rejects an unknown name with a UsageError listing the valid ones', () => {
    expect(() => createRouter('fastest')).toThrow(UsageError)
    expect(() => createRouter('fastest')).toThrow(/unknown router 'fastest'.*round-robin/)
    // Inherited Object keys are not routers.
    expect(() => createRouter('toString')).toThrow(UsageError)
    expect(isRouterName('constructor')).toBe(false)
    expect(isRouterName('random')).toBe(true)
  })

  it('lists every policy of every kind with a one-line summary, routers first', () => {
    const list = listPolicies()
    const routers = list.filter((p) => p.kind === 'router')
    expect(routers.map((p) => p.name)).toEqual(Object.keys(routingPolicies))
    expect(list.slice(0, routers.length)).toEqual(routers)
    expect(list.filter((p) => p.kind === 'admission').map((p) => p.name)).toContain('fcfs')
    expect(list.filter((p) => p.kind === 'kv').map((p) => p.name)).toContain('lru')
    expect(list.filter((p) => p.kind === 'scaler').map((p) => p.name)).toContain('kpa')
    for (const p of list) {
      expect(p.summary.length).toBeGreaterThan(0)
      expect(p.summary).not.toContain('\n')
    }
  })
})
