import { describe, expect, it } from 'vitest'
import { priorityClass, withPriorityShare } from './priority.js'
import { createSyntheticTrace } from './synthetic.js'
import type { TraceRequest, TraceSource } from './types.js'

async function collect(src: TraceSource): Promise<TraceRequest[]> {
  const reqs: TraceRequest[] = []
  for await (const c of src.chunks()) reqs.push(...c)
  return reqs
}

describe('withPriorityShare', () => {
  it('classes a share of requests by a hash of seed and id, the same on every pass', async () => {
    const src = withPriorityShare(createSyntheticTrace('synthetic:n=5000', { seed: 1 }), 0.25, 9)
    const a = await collect(src)
    expect(await collect(src)).toEqual(a)
    const share = a.filter((r) => r.priority === 0).length / a.length
    expect(Math.abs(share - 0.25)).toBeLessThan(0.03)
    expect(a.every((r) => r.priority === priorityClass(r.id, 0.25, 9))).toBe(true)
    // Another seed picks other requests.
    const b = await collect(
      withPriorityShare(createSyntheticTrace('synthetic:n=5000', { seed: 1 }), 0.25, 10),
    )
    expect(b.map((r) => r.priority)).not.toEqual(a.map((r) => r.priority))
  })

  it('keeps classes a trace already has', async () => {
    const spec = 'synthetic:n=1000,classes=1'
    const reqs = await collect(withPriorityShare(createSyntheticTrace(spec, { seed: 1 }), 0, 1))
    expect(reqs.every((r) => r.priority === 0)).toBe(true)
  })
})
