/** @module Tests for the scaler registry and its `name:key=value` options. */
import { describe, expect, it } from 'vitest'
import { emptySample } from '../../scaling/sampler.js'
import { UsageError } from '../../util/errors.js'
import {
  createScaler,
  isScalerName,
  SCALER_KNOBS,
  scalerLabel,
  scalerNames,
  scalerSummaries,
} from './registry.js'

describe('scaler registry', () => {
  it('registers the five scalers, each fresh and named, with a one-line summary', () => {
    expect(scalerNames).toEqual(['kpa', 'hpa', 'predictive', 'q-learning', 'heteroscale'])
    for (const name of scalerNames) {
      const s = createScaler(name)
      expect(s.name).toBe(name)
      expect(s.tickSeconds).toBeGreaterThan(0)
      expect(createScaler(name)).not.toBe(s)
      expect(scalerSummaries[name]).not.toContain('\n')
      expect(scalerSummaries[name].length).toBeLessThan(120)
    }
    expect(isScalerName('kpa')).toBe(true)
    expect(isScalerName('toString')).toBe(false)
  })

  it('reads options after colons', () => {
    expect(createScaler('kpa:tick=5').tickSeconds).toBe(5)
    expect(createScaler('hpa:sync=30').tickSeconds).toBe(30)
    expect(createScaler('heteroscale:tick=10:tps=2000').tickSeconds).toBe(10)
    // util=0.5 halves the target: 35 in flight at cc 10 → ceil(35 / 5) = 7 rather than 5.
    const samples = Array.from({ length: 2 }, (_, i) => emptySample(i + 1, 35))
    const pool = {
      name: 'p',
      role: 'mixed' as const,
      ready: 5,
      pending: 0,
      draining: 0,
      minReplicas: 0,
      maxReplicas: 100,
      containerConcurrency: 10,
      coldStartSeconds: 10,
      samples,
    }
    expect(createScaler('kpa:util=0.5').decide({ now: 2, pools: [pool] }).desired).toEqual([7])
    expect(createScaler('kpa').decide({ now: 2, pools: [pool] }).desired).toEqual([5])
  })

  it('rejects unknown names and bad options with a UsageError naming the choices', () => {
    expect(() => createScaler('vpa')).toThrow(UsageError)
    expect(() => createScaler('vpa')).toThrow(/unknown scaler 'vpa'.*kpa, hpa, predictive/)
    expect(() => createScaler('vpa')).toThrow(
      expect.objectContaining({ code: 'FL_ERR_UNKNOWN_POLICY' }),
    )
    expect(() => createScaler('kpa:ttl=3')).toThrow(
      /scaler 'kpa:ttl=3': unknown option 'ttl' \(valid: util, target/,
    )
    expect(() => createScaler('kpa:util=1.5')).toThrow(
      /util must be a fraction in \(0, 1\], got '1.5'/,
    )
    expect(() => createScaler('kpa:util=0')).toThrow(
      expect.objectContaining({ code: 'FL_ERR_BAD_POLICY_OPTION' }),
    )
    expect(() => createScaler('kpa:util')).toThrow(UsageError)
    expect(() => createScaler('kpa:panic=1')).toThrow(/panic must be a ratio in \[1.1, 10\]/)
    expect(() => createScaler('q-learning:seed=1.5')).toThrow(/seed must be a whole number/)
    expect(() => createScaler('hpa:window=-1')).toThrow(/window must be a number of seconds ≥ 0/)
    // Zero is fine where it means "off".
    expect(createScaler('kpa:delay=0').name).toBe('kpa')
  })

  it('normalises labels: options in registry order, numbers canonical', () => {
    expect(scalerLabel('kpa')).toBe('kpa')
    expect(scalerLabel(' kpa:window=30.0:util=.5 ')).toBe('kpa:util=0.5:window=30')
    expect(scalerLabel('q-learning:miss=2:seed=7')).toBe('q-learning:miss=2:seed=7')
    expect(() => scalerLabel('kpa:bogus=1')).toThrow(UsageError)
  })

  it('gives each scaler a knob it accepts, with a grid that sweeps', () => {
    for (const name of scalerNames) {
      const { key, grid } = SCALER_KNOBS[name]
      expect(grid.length).toBeGreaterThanOrEqual(3)
      for (const v of grid) expect(createScaler(`${name}:${key}=${v}`).name).toBe(name)
    }
  })
})
