/**
 * @module Autoscaling from the outside: `simulate --scaler` end to end (the `scaling` block, the
 * policy label, fewer GPU-hours than the fixed fleet, `--compare scaler=...`), the autoscaling
 * flags' usage errors, and the fleet file's `autoscale:` block with its file:line errors.
 */
import { describe, expect, it } from 'vitest'
import { planFleet } from '../../src/sim/fleet.js'
import { parseFleetYaml } from '../../src/sim/fleet-config.js'
import type { RunSummary } from '../../src/sim/result.js'
import { planScaledFleet } from '../../src/sim/scaled-fleet.js'
import { UsageError } from '../../src/util/errors.js'
import { flotilla } from '../cli/run-cli.js'

describe('simulate --scaler', () => {
  it('reports a scaling block and bills fewer GPU-hours than the fixed fleet', () => {
    const r = flotilla(
      'simulate',
      '--trace',
      'azure-conv',
      '--requests',
      '500',
      '--compare',
      'scaler=none,scaler=kpa',
      '--json',
      '--quiet',
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const [fixed, kpa] = JSON.parse(r.stdout) as RunSummary[]
    expect(fixed!.scaling).toBeUndefined()
    expect(fixed!.policy).toBe('least-outstanding')
    expect(kpa!.policy).toBe('least-outstanding+kpa')
    expect(kpa!.scaling).toMatchObject({ scaler: 'kpa', held_rejected: 0 })
    expect(kpa!.scaling!.decisions).toBeGreaterThan(0)
    expect(kpa!.completed + kpa!.rejected).toBe(500)
    // ~4 requests/s need one replica of the four, which the KPA keeps from the start.
    expect(kpa!.gpu_hours).toBeLessThan(fixed!.gpu_hours / 2)
    expect(kpa!.gpu_hours).toBeGreaterThan(0)
  })

  it('runs a single --scaler with bounds and cold-start flags', () => {
    const r = flotilla(
      'simulate',
      '--requests',
      '200',
      '--scaler',
      'kpa:util=0.5',
      '--initial-replicas',
      '0',
      '--max-replicas',
      '2',
      '--provision-s',
      '30',
      '--json',
      '--quiet',
    )
    expect(r.stderr).toBe('')
    const s = JSON.parse(r.stdout) as RunSummary
    expect(s.policy).toBe('least-outstanding+kpa:util=0.5')
    expect(s.scaling!.scaler).toBe('kpa:util=0.5')
    // From zero: the first requests wait 30 s of provisioning plus the 28 s start.
    expect(s.scaling!.cold_starts).toBeGreaterThanOrEqual(1)
    expect(s.scaling!.cold_start_s.p50).toBeCloseTo(30 + 16.06 / 2 + 20, 1)
    expect(s.scaling!.held).toBeGreaterThan(0)
    expect(s.ttft_s.p99).toBeGreaterThan(30)
    expect(s.scaling!.held_wait_s.p99).toBeLessThanOrEqual(s.scaling!.cold_start_s.p50 + 1e-9)
  })

  it.each([
    [['--scaler', 'nope'], /--scaler: unknown scaler 'nope'/],
    [['--compare', 'scaler=kpa:util=3'], /--compare: scaler 'kpa:util=3': util must be/],
    [['--min-replicas', '3', '--max-replicas', '2'], /--min-replicas 3 exceeds --max-replicas 2/],
    [['--initial-replicas', '5', '--max-replicas', '2'], /--initial-replicas 5 is outside/],
    [['--provision-s', '-1'], /--provision-s: expected a number >= 0/],
    [['--container-concurrency', '0'], /--container-concurrency: expected a positive integer/],
    [['--activator-capacity', 'x'], /--activator-capacity: expected a non-negative integer/],
  ])('exits 2 on %j naming the flag', (args, message) => {
    const r = flotilla('simulate', '--requests', '5', '--quiet', ...args)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe("the fleet file's autoscale block", () => {
  const yaml = (autoscale: string): string =>
    [
      'groups:',
      '  - name: g',
      '    gpu: h100-80g',
      '    model: llama-3.1-8b',
      '    count: 3',
      `    autoscale: ${autoscale}`,
      '',
    ].join('\n')

  it('reads bounds, target and cold-start terms into the pool', () => {
    const spec = parseFleetYaml(
      yaml(
        '{ min: 1, max: 6, initial: 2, container_concurrency: 32, provision_s: 40, storage_gbps: 4, loras: 2, activator_capacity: 50 }',
      ),
      'f.yaml',
    )
    expect(spec.groups[0]!.autoscale).toEqual({
      min: 1,
      max: 6,
      initial: 2,
      containerConcurrency: 32,
      provisionSeconds: 40,
      storageGbps: 4,
      loras: 2,
      activatorCapacity: 50,
    })
    const { pools, slots } = planScaledFleet(planFleet(spec, 'f.yaml'))
    expect(slots).toHaveLength(6)
    expect(slots.map((s) => s.name)).toEqual(['g-0', 'g-1', 'g-2', 'g-3', 'g-4', 'g-5'])
    expect(pools[0]).toMatchObject({
      role: 'mixed',
      min: 1,
      max: 6,
      initial: 2,
      containerConcurrency: 32,
      activatorCapacity: 50,
    })
    // 40 s + 16.06 GB at 4 GB/s + 20 s + two 84 MB adapters at 4 GB/s.
    expect(pools[0]!.coldStartSeconds).toBeCloseTo(40 + 16.06 / 4 + 20 + (2 * 0.0839) / 4, 2)
  })

  it("defaults to Knative's min 0 and initial 1, max the group's count, cc max_num_seqs", () => {
    const { pools, slots } = planScaledFleet(planFleet(parseFleetYaml(yaml('{}'), 'f.yaml')))
    expect(slots).toHaveLength(3)
    expect(pools[0]).toMatchObject({
      min: 0,
      max: 3,
      initial: 1,
      containerConcurrency: 256,
      activatorCapacity: 10_000,
    })
  })

  it.each([
    ['{ min: 4 }', /^f\.yaml:6: groups\.0\.autoscale\.min: exceeds max 3$/],
    ['{ max: 2, initial: 3 }', /^f\.yaml:6: groups\.0\.autoscale\.initial: must be within/],
    ['{ max: 0 }', /^f\.yaml:6: groups\.0\.autoscale\.max: /],
    ['{ cold: 1 }', /^f\.yaml:6: groups\.0\.autoscale\.cold: /],
  ])('rejects %s with file:line', (block, message) => {
    const parse = (): unknown => parseFleetYaml(yaml(block), 'f.yaml')
    expect(parse).toThrow(UsageError)
    expect(parse).toThrow(message)
  })
})
