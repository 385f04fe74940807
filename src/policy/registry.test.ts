/** @module Router options: one table per router, read from a spec or a YAML object alike. */
import { describe, expect, it } from 'vitest'
import { createRouterFromSpec, createRouterWith, routerNames } from './registry.js'
import { ROUTER_OPTIONS } from './router-options.js'

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
