/**
 * @module Seeded pseudo-random numbers. Every random choice in Flotilla flows from one of these,
 * so a run is reproducible for a seed (no `Math.random`).
 */

/** Rng is a function returning uniform numbers in [0, 1). */
export type Rng = () => number

/**
 * createRng returns sfc32 seeded through splitmix32: fast, 128-bit state, passes PractRand to
 * multi-TB, and unlike mulberry32 it has no short cycles for some seeds.
 */
export function createRng(seed: number): Rng {
  let s = seed >>> 0
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = split()
  let b = split()
  let c = split()
  let d = split()
  const next = function sfc32(): number {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  for (let i = 0; i < 12; i++) next()
  return next
}

/** exponential draws from Exp(rate). */
export function exponential(rng: Rng, rate: number): number {
  return -Math.log(1 - rng()) / rate
}

/** standardNormal draws from N(0,1) by Box–Muller (one value per call; simple over fast). */
export function standardNormal(rng: Rng): number {
  const u = 1 - rng()
  const v = rng()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/**
 * lognormal draws a lognormal value parameterised by its *mean* (not the median) and the sigma of
 * the underlying normal, because trace summaries quote means: mu = ln(mean) − sigma²/2.
 */
export function lognormal(rng: Rng, mean: number, sigma: number): number {
  const mu = Math.log(mean) - (sigma * sigma) / 2
  return Math.exp(mu + sigma * standardNormal(rng))
}

/** gamma draws from Gamma(shape, scale) by Marsaglia–Tsang (with the shape<1 boost). */
export function gamma(rng: Rng, shape: number, scale: number): number {
  if (shape < 1) return gamma(rng, shape + 1, scale) * rng() ** (1 / shape)
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let x: number
    let v: number
    do {
      x = standardNormal(rng)
      v = 1 + c * x
    } while (v <= 0)
    v = v * v * v
    const u = rng()
    if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale
  }
}
