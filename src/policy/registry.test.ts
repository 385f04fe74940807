/** @module Router options: one table per router, read from a spec or a YAML object alike. */
import { describe, expect, it } from 'vitest'
import { createKv } from './kv/registry.js'
import {
  createRouterFromSpec,
  createRouterWith,
  listPolicies,
  type PolicyKind,
  routerNames,
} from './registry.js'
import { ROUTER_OPTIONS } from './router-options.js'
import { createScaler } from './scaler/registry.js'

describe('router options, one schema for the CLI spec and the YAML object', () => {
  it('lists an option table for every router', () => {
    expect(Object.keys(ROUTER_OPTIONS).sort()).toEqual([...routerNames].sort())
  })

  it('reads a spec and an object alike, underscores or dashes', () => {
    expect(createRouterFromSpec('llm-d:kv-threshold=0.9:prefix=3').name).toBe('llm-d')
    expect(createRouterWith('llm-d', { kv_threshold: 0.9, prefix: 3 }).name).toBe('llm-d')
    const bad = [
      () => createRouterFromSpec('llm-d:kv-threshold=2'),
      () => createRouterWith('llm-d', { kv_threshold: 2 }),
    ]
    for (const f of bad) expect(f).toThrow(/kv-threshold must be a number in \[0, 1\], got '2'/)
  })

  it('names the valid options of a router, or says it takes none', () => {
    expect(() => createRouterFromSpec('dualmap:hot=2')).toThrow(
      /router 'dualmap:hot=2': unknown option 'hot' \(valid: prefix-blocks, hot-factor\)/,
    )
    expect(() => createRouterFromSpec('random:x=1')).toThrow(/it takes none/)
    expect(() => createRouterFromSpec('weighted:prefix=0:queue=0:kv=0')).toThrow(
      /at least one weight must be > 0/,
    )
  })
})

describe('the listing of policies and their options', () => {
  const build: Partial<Record<PolicyKind, (spec: string) => unknown>> = {
    router: createRouterFromSpec,
    kv: createKv,
    scaler: createScaler,
  }

  // Each listed option is one the spec reads, and the words listed are the words of its error:
  // what `flotilla policies` says a key takes is what a bad value is told.
  it('lists exactly the keys a spec accepts, with the words its errors use', () => {
    const listed = listPolicies().filter((p) => p.options.length > 0)
    expect(listed.map((p) => p.kind)).toEqual(expect.arrayContaining(['router', 'kv', 'scaler']))
    for (const p of listed) {
      const create = build[p.kind]
      if (!create) throw new Error(`${p.kind} '${p.name}' lists options but reads none`)
      for (const o of p.options) {
        const spec = `${p.name}:${o.key}=-7.5`
        const esc = o.takes.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        expect(() => create(spec), spec).toThrow(new RegExp(`${o.key} must be ${esc}`))
      }
    }
  })

  it('lists no options for a policy that refuses every key', () => {
    for (const p of listPolicies().filter((q) => q.options.length === 0 && q.kind !== 'admission'))
      expect(() => build[p.kind]?.(`${p.name}:x=1`), p.name).toThrow(/it takes none|unknown option/)
  })
})
