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

  it('lists every router with a one-line summary', () => {
    const list = listPolicies()
    expect(list.map((p) => p.name)).toEqual(Object.keys(routingPolicies))
    for (const p of list) {
      expect(p.kind).toBe('router')
      expect(p.summary.length).toBeGreaterThan(0)
      expect(p.summary).not.toContain('\n')
    }
  })
})
