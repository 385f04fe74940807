import { describe, expect, it } from 'vitest'
import { UsageError } from '../util/errors.js'
import { createSyntheticTrace } from './synthetic.js'
import { parseSyntheticSpec } from './synthetic-spec.js'
import type { TraceRequest, TraceSource } from './types.js'

async function collect(src: TraceSource): Promise<TraceRequest[]> {
  const reqs: TraceRequest[] = []
  for await (const c of src.chunks()) reqs.push(...c)
  return reqs
}

describe('synthetic service= (function requests)', () => {
  it('parses a constant or a lognormal service time in seconds', () => {
    expect(parseSyntheticSpec('synthetic:n=5').service).toBeUndefined()
    expect(parseSyntheticSpec('synthetic:service=2.5').service).toEqual({
      kind: 'fixed',
      value: 2.5,
    })
    expect(parseSyntheticSpec('synthetic:service=lognormal:mean=20,sigma=0.5,n=3')).toMatchObject({
      n: 3,
      service: { kind: 'lognormal', mean: 20, sigma: 0.5 },
    })
    expect(() => parseSyntheticSpec('synthetic:service=0')).toThrow(UsageError)
    expect(() => parseSyntheticSpec('synthetic:service=lognormal:mean=20')).toThrow(/sigma/)
  })

  it('marks the source a function workload and draws service times from their own stream', async () => {
    const plain = createSyntheticTrace('synthetic:n=2000,rate=5', { seed: 3 })
    expect(plain.workload).toBeUndefined()
    const fn = createSyntheticTrace('synthetic:n=2000,rate=5,service=lognormal:mean=20,sigma=0.5', {
      seed: 3,
    })
    expect(fn.workload).toBe('function')
    const a = await collect(plain)
    const b = await collect(fn)
    // Same arrivals and lengths: adding service= changes no other draw.
    expect(b.map((r) => r.arrival)).toEqual(a.map((r) => r.arrival))
    expect(b.map((r) => r.inputTokens)).toEqual(a.map((r) => r.inputTokens))
    const mean = b.reduce((s, r) => s + r.serviceSeconds!, 0) / b.length
    expect(mean).toBeGreaterThan(19)
    expect(mean).toBeLessThan(21)
    const fixed = await collect(createSyntheticTrace('synthetic:n=3,service=7'))
    expect(fixed.map((r) => r.serviceSeconds)).toEqual([7, 7, 7])
  })
})
