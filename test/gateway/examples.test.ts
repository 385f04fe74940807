/**
 * @module The example gateway configs in examples/ parse and validate, so the README's commands
 * work as written.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseGatewayConfig } from '../../src/gateway/config.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url))

describe('examples/gateway*.yaml', () => {
  const files = readdirSync(EXAMPLES).filter((f) => /^gateway.*\.yaml$/.test(f))
  it('finds the examples', () => {
    expect(files).toContain('gateway.yaml')
    expect(files).toContain('gateway-autoscale.yaml')
  })
  for (const file of files) {
    it(`${file} is a valid gateway config`, () => {
      const cfg = parseGatewayConfig(readFileSync(`${EXAMPLES}${file}`, 'utf8'), file)
      expect(cfg.pools.length).toBeGreaterThan(0)
    })
  }
  it('gateway-autoscale.yaml scales its pool from zero with the process actuator', () => {
    const cfg = parseGatewayConfig(
      readFileSync(`${EXAMPLES}gateway-autoscale.yaml`, 'utf8'),
      'gateway-autoscale.yaml',
    )
    const auto = cfg.pools[0]?.autoscale
    expect(auto?.min).toBe(0)
    expect(auto?.actuator).toHaveProperty('process')
  })
})
