import { describe, expect, it } from 'vitest'
import { UsageError } from '../util/errors.js'
import { createSyntheticTrace } from './synthetic.js'
import { parseSyntheticSpec, SYNTHETIC_DEFAULTS } from './synthetic-spec.js'
import type { TraceRequest, TraceSource } from './types.js'

async function collect(src: TraceSource): Promise<TraceRequest[]> {
  const reqs: TraceRequest[] = []
  for await (const c of src.chunks()) reqs.push(...c)
  return reqs
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
function cv(xs: number[]): number {
  const m = mean(xs)
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2))) / m
}
function gaps(reqs: TraceRequest[]): number[] {
  return reqs.slice(1).map((r, i) => r.arrival - reqs[i]!.arrival)
}

describe('parseSyntheticSpec', () => {
  it('parses the DESIGN.md example', () => {
    expect(parseSyntheticSpec('synthetic:n=100000,rate=50,input=1024,output=128')).toEqual({
      ...SYNTHETIC_DEFAULTS,
      n: 100000,
      rate: 50,
      input: { kind: 'fixed', value: 1024 },
      output: { kind: 'fixed', value: 128 },
    })
  })

  it('keeps commas inside parametric values and resumes at the next top-level key', () => {
    const s = parseSyntheticSpec(
      'synthetic:n=10,input=lognormal:mean=1000,sigma=1.5,rate=5,' +
        'prefix=shared:groups=20,len=2048,output=lognormal:mean=200,sigma=0.5,arrival=gamma:cv=4',
    )
    expect(s.n).toBe(10)
    expect(s.rate).toBe(5)
    expect(s.input).toEqual({ kind: 'lognormal', mean: 1000, sigma: 1.5 })
    expect(s.output).toEqual({ kind: 'lognormal', mean: 200, sigma: 0.5 })
    expect(s.prefix).toEqual({ kind: 'shared', groups: 20, len: 2048, zipf: 0 })
    expect(s.arrival).toEqual({ kind: 'gamma', cv: 4 })
  })

  it('reads max-input/max-output, zipf, rate=inf, spaces, and an empty spec', () => {
    const s = parseSyntheticSpec(
      'synthetic: prefix=shared:groups=3, len=64, zipf=1.1, max-input=4096,max-output=512,rate=inf',
    )
    expect(s.prefix).toEqual({ kind: 'shared', groups: 3, len: 64, zipf: 1.1 })
    expect([s.maxInput, s.maxOutput, s.rate]).toEqual([4096, 512, Number.POSITIVE_INFINITY])
    expect(parseSyntheticSpec('synthetic:')).toEqual(SYNTHETIC_DEFAULTS)
    expect(parseSyntheticSpec('synthetic')).toEqual(SYNTHETIC_DEFAULTS)
  })

  const bad: Array<[string, RegExp]> = [
    ['n=10,rat=5', /unknown key 'rat'/],
    ['n=10,oops', /expected key=value, got 'oops'/],
    ['n=abc', /'n' must be a number, got 'abc'/],
    ['n=1.5', /'n' must be a positive integer/],
    ['n=1,n=2', /key 'n' is given twice/],
    ['rate=-1', /'rate' must be a positive number or inf/],
    ['rate=', /'rate' must be a positive number or inf/],
    ['arrival=weibull', /'arrival' must be poisson\|gamma/],
    ['arrival=gamma', /arrival=gamma needs 'cv=\.\.\.'/],
    ['arrival=gamma:cv=0', /'arrival.cv' must be positive/],
    ['input=lognormal:mean=100', /input=lognormal needs 'sigma=\.\.\.'/],
    ['input=lognormal:mean=100,sigma=1,foo=2', /unknown parameter 'foo=2'/],
    ['output=lognormal:mean=-3,sigma=1', /'output.mean' must be positive/],
    ['input=50000', /'input=50000' exceeds max-input=32768/],
    ['input=uniform', /'input' must be lognormal/],
    ['prefix=shared:groups=0,len=5', /'prefix.groups' must be positive/],
    ['prefix=shared:groups=2', /prefix=shared needs 'len=\.\.\.'/],
    ['classes=1.5', /'classes' must be a share between 0 and 1/],
    ['tenants=0', /'tenants' must be positive/],
    ['tenants=zipf:n=3', /tenants=zipf needs 's=\.\.\.'/],
  ]
  it.each(bad)('rejects %s with a UsageError naming the key', (spec, re) => {
    expect(() => parseSyntheticSpec(`synthetic:${spec}`)).toThrow(UsageError)
    expect(() => parseSyntheticSpec(`synthetic:${spec}`)).toThrow(re)
  })
})

describe('createSyntheticTrace', () => {
  const SPEC =
    'synthetic:n=200000,rate=50,input=lognormal:mean=1024,sigma=1,output=lognormal:mean=128,sigma=0.5'

  it('is deterministic for a seed, differs across seeds, and repeats across passes', async () => {
    const spec =
      'synthetic:n=5000,rate=20,input=lognormal:mean=500,sigma=1,prefix=shared:groups=4,len=256'
    const a = createSyntheticTrace(spec, { seed: 7 })
    const ra = await collect(a)
    expect(await collect(createSyntheticTrace(spec, { seed: 7 }))).toEqual(ra)
    expect(await collect(a)).toEqual(ra)
    const rb = await collect(createSyntheticTrace(spec, { seed: 8 }))
    expect(rb.map((r) => r.arrival)).not.toEqual(ra.map((r) => r.arrival))
  })

  it('matches the requested rate and mean lengths (poisson, lognormal)', async () => {
    const reqs = await collect(createSyntheticTrace(SPEC, { seed: 1 }))
    expect(reqs.length).toBe(200000)
    expect(reqs[0]!.arrival).toBe(0)
    const rate = (reqs.length - 1) / reqs.at(-1)!.arrival
    expect(Math.abs(rate / 50 - 1)).toBeLessThan(0.01)
    expect(cv(gaps(reqs))).toBeCloseTo(1, 1)
    expect(Math.abs(mean(reqs.map((r) => r.inputTokens)) / 1024 - 1)).toBeLessThan(0.02)
    expect(Math.abs(mean(reqs.map((r) => r.outputTokens)) / 128 - 1)).toBeLessThan(0.02)
    expect(reqs.every((r) => r.inputTokens >= 1 && r.inputTokens <= 32768)).toBe(true)
    expect(
      reqs.every((r) => Number.isInteger(r.inputTokens) && Number.isInteger(r.outputTokens)),
    ).toBe(true)
  })

  it('draws gamma inter-arrivals with the given CV and mean 1/rate', async () => {
    const reqs = await collect(
      createSyntheticTrace('synthetic:n=200000,rate=50,arrival=gamma:cv=4', { seed: 3 }),
    )
    const g = gaps(reqs)
    expect(Math.abs(mean(g) * 50 - 1)).toBeLessThan(0.05)
    expect(Math.abs(cv(g) / 4 - 1)).toBeLessThan(0.1)
  })

  it('puts every arrival at 0 for rate=inf', async () => {
    const reqs = await collect(createSyntheticTrace('synthetic:n=10000,rate=inf', { seed: 1 }))
    expect(reqs.every((r) => r.arrival === 0)).toBe(true)
  })

  it('clamps lengths to max-input / max-output', async () => {
    const spec =
      'synthetic:n=20000,input=lognormal:mean=1000,sigma=2,max-input=2000,output=lognormal:mean=50,sigma=2,max-output=64'
    const reqs = await collect(createSyntheticTrace(spec, { seed: 2 }))
    expect(Math.max(...reqs.map((r) => r.inputTokens))).toBe(2000)
    expect(Math.max(...reqs.map((r) => r.outputTokens))).toBe(64)
    expect(Math.min(...reqs.map((r) => r.outputTokens))).toBe(1)
  })

  it('gives shared-prefix segments keys ≥ 0 per group and unique keys < 0', async () => {
    const spec = 'synthetic:n=4000,input=lognormal:mean=300,sigma=1,prefix=shared:groups=5,len=256'
    const reqs = await collect(createSyntheticTrace(spec, { seed: 4 }))
    const groups = new Set<number>()
    for (const r of reqs) {
      const tokens = r.segments.reduce((a, s) => a + s.tokens, 0)
      expect(tokens).toBe(r.inputTokens)
      const last = r.segments.at(-1)!
      expect(last.key).toBe(-(r.id + 1))
      expect(last.tokens).toBeGreaterThanOrEqual(1)
      if (r.inputTokens > 256) expect(r.segments[0]!.tokens).toBe(256)
      else if (r.inputTokens > 1) expect(r.segments[0]!.tokens).toBe(r.inputTokens - 1)
      else expect(r.segments).toHaveLength(1)
      if (r.segments.length === 2) groups.add(r.segments[0]!.key)
    }
    expect([...groups].sort()).toEqual([0, 1, 2, 3, 4])
  })

  it('skews group popularity with zipf', async () => {
    const spec = 'synthetic:n=50000,input=600,prefix=shared:groups=10,len=512,zipf=1.1'
    const reqs = await collect(createSyntheticTrace(spec, { seed: 5 }))
    const counts = new Array<number>(10).fill(0)
    for (const r of reqs) counts[r.segments[0]!.key]!++
    // P(0)/P(1) = 2^1.1 ≈ 2.14.
    expect(counts[0]! / counts[1]!).toBeCloseTo(2 ** 1.1, 0)
    expect(counts[0]! / reqs.length).toBeCloseTo(
      1 / [...Array(10)].reduce((a, _, i) => a + 1 / (i + 1) ** 1.1, 0),
      2,
    )
  })

  it('generates lazily in chunks of 4,096 and honours requests and rateScale', async () => {
    const src = createSyntheticTrace('synthetic:n=10000,rate=10', {
      seed: 1,
      requests: 9000,
      rateScale: 2,
    })
    const sizes: number[] = []
    let last: TraceRequest | undefined
    for await (const c of src.chunks()) {
      sizes.push(c.length)
      last = c.at(-1)
    }
    expect(sizes).toEqual([4096, 4096, 808])
    const plain = await collect(createSyntheticTrace('synthetic:n=9000,rate=10', { seed: 1 }))
    expect(last!.arrival).toBe(plain.at(-1)!.arrival / 2)
  })

  it('generates 1,000,000 requests quickly without materialising them', async () => {
    const src = createSyntheticTrace(
      'synthetic:n=1000000,rate=50,input=lognormal:mean=1024,sigma=1,output=lognormal:mean=128,sigma=1,prefix=shared:groups=20,len=2048',
      { seed: 1 },
    )
    const t0 = performance.now()
    let n = 0
    let chunks = 0
    for await (const c of src.chunks()) {
      n += c.length
      chunks++
    }
    const ms = performance.now() - t0
    expect(n).toBe(1_000_000)
    expect(chunks).toBe(Math.ceil(1_000_000 / 4096))
    // ≈ 0.3 s on a laptop-class core; loose bound so a busy CI box does not flake.
    expect(ms).toBeLessThan(3000)
  })

  it('draws classes and tenants from streams of their own', async () => {
    const base = 'synthetic:n=4000,rate=20,input=lognormal:mean=500,sigma=1'
    const plain = await collect(createSyntheticTrace(base, { seed: 3 }))
    expect(plain.every((r) => r.priority === undefined && r.tenant === undefined)).toBe(true)
    const spec = `${base},classes=0.3,tenants=zipf:n=4,s=1.2`
    expect(parseSyntheticSpec(spec).tenants).toEqual({ kind: 'zipf', n: 4, s: 1.2 })
    const tagged = await collect(createSyntheticTrace(spec, { seed: 3 }))
    // Adding classes and tenants leaves every other draw unchanged.
    expect(tagged.map(({ priority: _p, tenant: _t, ...r }) => r)).toEqual(plain)
    const interactive = tagged.filter((r) => r.priority === 0).length / tagged.length
    expect(interactive).toBeGreaterThan(0.27)
    expect(interactive).toBeLessThan(0.33)
    expect(tagged.every((r) => r.priority === 0 || r.priority === 1)).toBe(true)
    const count = (t: string) => tagged.filter((r) => r.tenant === t).length
    // Zipf(1.2) over 4: t0 is the heaviest, t3 the lightest.
    expect(count('t0')).toBeGreaterThan(count('t1'))
    expect(count('t2')).toBeGreaterThan(count('t3'))
    expect(count('t0') + count('t1') + count('t2') + count('t3')).toBe(4000)
    const uniform = await collect(createSyntheticTrace(`${base},tenants=2`, { seed: 3 }))
    expect(Math.abs(uniform.filter((r) => r.tenant === 't0').length / 4000 - 0.5)).toBeLessThan(
      0.05,
    )
    expect(await collect(createSyntheticTrace(spec, { seed: 3 }))).toEqual(tagged)
  })

  it('rejects a non-integer seed', () => {
    expect(() => createSyntheticTrace('synthetic:n=1', { seed: 1.5 })).toThrow(
      /--seed must be an integer/,
    )
  })
})
