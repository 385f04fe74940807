/** @module Tests for the KV policy registry and its `name:key=value` options. */
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../util/errors.js'
import { createKv, kvNames, kvSummaries } from './registry.js'
import type { KvGeometry } from './types.js'

const geometry: KvGeometry = { blockSize: 16, gpuBlocks: 1000, blockBytes: 2e6, gpus: 2 }
const turn = { id: 1, arrival: 0, session: 3, turn: 0 }

describe('kv registry', () => {
  it('creates every policy fresh, named, with a one-line summary', () => {
    for (const name of kvNames) {
      const p = createKv(name)
      expect(p.name).toBe(name)
      expect(createKv(name)).not.toBe(p)
      expect(kvSummaries[name]).not.toContain('\n')
    }
  })

  it('keeps lru free of hooks, so the engine stays on its plain path', () => {
    expect(Object.keys(createKv('lru'))).toEqual(['name'])
  })

  it('reads options after colons', () => {
    expect(createKv('ttl-pin').pinSeconds!(turn, 0)).toBe(10)
    expect(createKv('ttl-pin:ttl=2.5').pinSeconds!(turn, 0)).toBe(2.5)
    expect(createKv('ttl-pin').pinSeconds!({ ...turn, session: undefined }, 0)).toBe(0)
    expect(createKv('ttl-pin:ttl=auto').resumed).toBeDefined()
    // 128 GB per GPU by default; gb= sizes the whole instance.
    expect(createKv('host-offload').hostBlocks!(geometry)).toBe(128_000)
    expect(createKv('host-offload:gb=10').hostBlocks!(geometry)).toBe(5000)
    const both = createKv('ttl-pin-offload:ttl=5:gb=1')
    expect(both.pinSeconds!(turn, 0)).toBe(5)
    expect(both.hostBlocks!(geometry)).toBe(500)
  })

  it('rejects unknown names and bad options with a UsageError', () => {
    expect(() => createKv('mru')).toThrow(/unknown kv policy 'mru'.*lru, ttl-pin/)
    expect(() => createKv('lru:ttl=3')).toThrow(/unknown option 'ttl' \(it takes none\)/)
    expect(() => createKv('host-offload:ttl=3')).toThrow(/unknown option 'ttl' \(valid: gb\)/)
    expect(() => createKv('ttl-pin:ttl=0')).toThrow(/ttl must be a positive number of seconds/)
    expect(() => createKv('ttl-pin:ttl')).toThrow(UsageError)
    expect(() => createKv('host-offload:gb=lots')).toThrow(/gb must be a positive number of GB/)
  })
})
