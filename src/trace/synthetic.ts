/**
 * @module Synthetic trace generator: requests drawn lazily, one chunk at a time, from a parsed
 * spec (arrival process, length distributions, shared prefixes) and a seed.
 */
import { UsageError } from '../util/errors.js'
import { chainHash } from '../util/hash.js'
import { createRng, exponential, gamma, lognormal, type Rng } from '../util/rng.js'
import { CHUNK_SIZE, checkLimits, type ReadOptions } from './common.js'
import {
  type LengthDist,
  type PrefixSpec,
  parseSyntheticSpec,
  type ServiceDist,
  type SyntheticSpec,
  type TenantSpec,
} from './synthetic-spec.js'
import { type PromptSegment, type TraceRequest, type TraceSource, uniqueKey } from './types.js'

/** SyntheticOptions are ReadOptions plus the seed every random draw flows from. */
export interface SyntheticOptions extends ReadOptions {
  /** Seed (an integer); default 0. */
  readonly seed?: number
}

/**
 * createSyntheticTrace returns a TraceSource generating the spec's requests. Nothing is
 * materialised up front: each `chunks()` pass regenerates the same requests from the seed, one
 * chunk of 4,096 at a time, so 1,000,000 requests cost one chunk of memory.
 *
 * Arrivals start at t = 0; gaps are Exp(rate) (`poisson`) or Gamma with shape 1/cv² and mean
 * 1/rate (`gamma:cv=...`); `rate=inf` puts every arrival at 0. Arrival gaps, input lengths,
 * output lengths and prefix groups each draw from their own stream (seeded from `seed`), so
 * changing one distribution leaves the others' draws unchanged.
 *
 * With `prefix=shared:groups=G,len=L`, a request's prompt is L tokens of its group's prefix
 * (segment key = group index, 0..G−1, never colliding with the negative unique keys) followed by
 * content unique to it. A prompt of input ≤ L tokens takes the first input − 1 prefix tokens and
 * keeps one unique token: two requests are never entirely identical, as real ones differ at
 * least in the user's turn, and a fully cached prompt would still need its last token computed.
 *
 * `classes=F` draws each request's priority class (0 with probability F, else 1) and `tenants=...`
 * its tenant (`t0`, `t1`, ...), each from a stream of its own, so adding them changes no other draw.
 * `service=...` gives each request `serviceSeconds` from a stream of its own too, and marks the
 * source a function workload.
 */
export function createSyntheticTrace(
  spec: string | SyntheticSpec,
  opts: SyntheticOptions = {},
): TraceSource {
  const s = typeof spec === 'string' ? parseSyntheticSpec(spec) : spec
  const { rateScale, requests } = checkLimits(opts)
  const seed = opts.seed ?? 0
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got ${seed}`)
  const total = Math.min(s.n, requests)
  const name = opts.name ?? (typeof spec === 'string' ? spec : 'synthetic')
  return {
    name,
    format: 'synthetic',
    size: total,
    ...(s.service ? { workload: 'function' as const } : {}),
    chunks: async function* syntheticChunks(): AsyncGenerator<TraceRequest[]> {
      const nextGap = gapSampler(s, createRng(subSeed(seed, 1)))
      const nextInput = lengthSampler(s.input, s.maxInput, createRng(subSeed(seed, 2)))
      const nextOutput = lengthSampler(s.output, s.maxOutput, createRng(subSeed(seed, 3)))
      const nextGroup = groupSampler(s.prefix, createRng(subSeed(seed, 4)))
      const nextClass = classSampler(s.classes, createRng(subSeed(seed, 5)))
      const nextTenant = tenantSampler(s.tenants, createRng(subSeed(seed, 6)))
      const nextService = serviceSampler(s.service, createRng(subSeed(seed, 7)))
      const prefixLen = s.prefix.kind === 'shared' ? s.prefix.len : 0
      let t = 0
      for (let base = 0; base < total; base += CHUNK_SIZE) {
        const end = Math.min(total, base + CHUNK_SIZE)
        const chunk: TraceRequest[] = []
        for (let id = base; id < end; id++) {
          if (id > 0) t += nextGap()
          const input = nextInput()
          const outputTokens = nextOutput()
          let segments: PromptSegment[]
          if (prefixLen > 0) {
            const shared = input > prefixLen ? prefixLen : input - 1
            segments =
              shared > 0
                ? [
                    { key: nextGroup(), tokens: shared },
                    { key: uniqueKey(id), tokens: input - shared },
                  ]
                : [{ key: uniqueKey(id), tokens: input }]
          } else segments = [{ key: uniqueKey(id), tokens: input }]
          const arrival = t / rateScale
          if (nextClass === undefined && nextTenant === undefined && nextService === undefined) {
            chunk.push({ id, arrival, inputTokens: input, outputTokens, segments })
          } else {
            chunk.push({
              id,
              arrival,
              inputTokens: input,
              outputTokens,
              segments,
              ...(nextClass ? { priority: nextClass() } : {}),
              ...(nextTenant ? { tenant: nextTenant() } : {}),
              ...(nextService ? { serviceSeconds: nextService() } : {}),
            })
          }
        }
        yield chunk
      }
    },
  }
}

/** subSeed derives an independent 32-bit seed for stream k from the user's seed. */
function subSeed(seed: number, k: number): number {
  return chainHash(seed, k) % 4294967296
}

function gapSampler(s: SyntheticSpec, rng: Rng): () => number {
  const rate = s.rate
  if (rate === Number.POSITIVE_INFINITY) return () => 0
  if (s.arrival.kind === 'poisson') return () => exponential(rng, rate)
  // Gamma(k, θ) has mean kθ and CV 1/√k: cv=4 → k=1/16, θ=16/rate, mean 1/rate.
  const shape = 1 / (s.arrival.cv * s.arrival.cv)
  const scale = 1 / (rate * shape)
  return () => gamma(rng, shape, scale)
}

function lengthSampler(d: LengthDist, max: number, rng: Rng): () => number {
  if (d.kind === 'fixed') {
    const v = Math.min(max, Math.max(1, d.value))
    return () => v
  }
  const { mean, sigma } = d
  return () => {
    const x = Math.round(lognormal(rng, mean, sigma))
    return Math.min(Math.max(x, 1), max)
  }
}

function serviceSampler(d: ServiceDist | undefined, rng: Rng): (() => number) | undefined {
  if (d === undefined) return undefined
  if (d.kind === 'fixed') return () => d.value
  const { mean, sigma } = d
  return () => lognormal(rng, mean, sigma)
}

function groupSampler(p: PrefixSpec, rng: Rng): () => number {
  if (p.kind === 'none') return () => 0
  return indexSampler(p.groups, p.zipf, rng)
}

function classSampler(share: number | undefined, rng: Rng): (() => number) | undefined {
  if (share === undefined) return undefined
  return () => (rng() < share ? 0 : 1)
}

function tenantSampler(t: TenantSpec, rng: Rng): (() => string) | undefined {
  if (t.kind === 'none') return undefined
  const names = Array.from({ length: t.n }, (_, i) => `t${i}`)
  const next = indexSampler(t.n, t.kind === 'zipf' ? t.s : 0, rng)
  return () => names[next()]!
}

/** indexSampler draws 0..g−1 uniformly (zipf = 0) or with P(i) ∝ 1/(i+1)^zipf. */
function indexSampler(g: number, zipf: number, rng: Rng): () => number {
  if (zipf === 0) return () => Math.floor(rng() * g)
  // Zipf: sample by binary search over the cumulative weights.
  const cdf = new Float64Array(g)
  let sum = 0
  for (let i = 0; i < g; i++) {
    sum += 1 / (i + 1) ** zipf
    cdf[i] = sum
  }
  return () => {
    const u = rng() * sum
    let lo = 0
    let hi = g - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cdf[mid]! > u) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}
