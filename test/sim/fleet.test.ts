/**
 * @module Fleet files and fleet planning: `parseFleetYaml` accepts a valid file (groups, engine
 * block, SLO, price) and names `file:LINE: key` in every error (unknown keys, wrong types, invalid
 * YAML); `planFleet` rejects unknown GPUs/models, bad tensor parallelism and models that do not
 * fit, with UsageErrors; KV-cache sizing agrees with what vLLM reports on real hardware.
 */
import { describe, expect, it, vi } from 'vitest'
import { gpuIds, gpus, modelIds } from '../../src/catalog/index.js'
import { DEFAULT_ENGINE } from '../../src/engine/config.js'
import { describeFleet, type GroupSpec, planFleet } from '../../src/sim/fleet.js'
import { parseFleetYaml } from '../../src/sim/fleet-config.js'
import { UsageError } from '../../src/util/errors.js'

// Every catalog model has 32, 40 or 64 heads, which tp 1/2/4/8 always divides; a 28-head model
// (Qwen2.5-7B's shape) is the only way to reach planFleet's head-divisibility check.
const ODD_MODEL = vi.hoisted(() => 'test-28-heads')
vi.mock('../../src/catalog/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/catalog/index.js')>()
  return {
    ...real,
    getModel: (id: string, where?: string) =>
      id === ODD_MODEL
        ? { ...real.models['llama-3.1-8b'], id: ODD_MODEL, heads: 28, kvHeads: 4 }
        : real.getModel(id, where),
  }
})

/** group is one llama-3.1-8b on one H100, overridden by `over`. */
function group(over: Partial<GroupSpec> = {}): GroupSpec {
  return {
    name: 'g',
    gpu: 'h100-80g',
    model: 'llama-3.1-8b',
    tp: 1,
    count: 1,
    dtype: 'bf16',
    ...over,
  }
}

const plan = (over: Partial<GroupSpec> = {}) => planFleet({ name: 't', groups: [group(over)] })

/** usageError runs `f` and returns the UsageError it throws (failing if it throws anything else). */
function usageError(f: () => unknown): UsageError {
  try {
    f()
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    return err as UsageError
  }
  throw new Error('expected a UsageError, nothing was thrown')
}

const VALID = `# a mixed fleet
name: mixed
slo:
  ttft_s: 1.5
  tpot_s: 0.05
groups:
  - name: fast
    gpu: h100-80g
    model: llama-3.1-8b
    tp: 2
    count: 3
    dtype: fp8
    price_per_gpu_hour: 2.5
    engine:
      max_num_seqs: 128
      max_num_batched_tokens: 4096
      block_size: 32
      enable_prefix_caching: false
      max_model_len: 8192
      long_prefill_token_threshold: 512
      gpu_memory_utilization: 0.85
  - gpu: l40s-48g
    model: llama-3.1-8b
`

describe('parseFleetYaml', () => {
  it('accepts a valid file with groups, an engine block, an SLO and a price', () => {
    const spec = parseFleetYaml(VALID, 'fleets/mixed.yaml')
    expect(spec).toEqual({
      name: 'mixed',
      slo: { ttft_s: 1.5, tpot_s: 0.05 },
      groups: [
        {
          name: 'fast',
          gpu: 'h100-80g',
          model: 'llama-3.1-8b',
          tp: 2,
          count: 3,
          dtype: 'fp8',
          pricePerGpuHour: 2.5,
          engine: {
            maxNumSeqs: 128,
            maxNumBatchedTokens: 4096,
            blockSize: 32,
            enablePrefixCaching: false,
            maxModelLen: 8192,
            longPrefillTokenThreshold: 512,
            gpuMemoryUtilization: 0.85,
          },
        },
        // Defaults: a positional name, tp 1, count 1, bf16, catalog price, default engine.
        { name: 'group1', gpu: 'l40s-48g', model: 'llama-3.1-8b', tp: 1, count: 1, dtype: 'bf16' },
      ],
    })
  })

  it('plans what it parses: engine settings and the price reach every instance', () => {
    const plans = planFleet(parseFleetYaml(VALID, 'mixed.yaml'), 'mixed.yaml')
    expect(plans.map((p) => p.name)).toEqual(['fast-0', 'fast-1', 'fast-2', 'group1-0'])
    const fast = plans[0]!
    expect(fast.engine.maxNumSeqs).toBe(128)
    expect(fast.engine.blockSize).toBe(32)
    expect(fast.engine.enablePrefixCaching).toBe(false)
    expect(fast.engine.maxModelLen).toBe(8192)
    expect(fast.pricePerGpuHour).toBe(2.5)
    expect(fast.deployment.tp).toBe(2)
    expect(fast.deployment.dtype).toBe('fp8')
    const l40s = plans[3]!
    expect(l40s.engine.maxNumSeqs).toBe(DEFAULT_ENGINE.maxNumSeqs)
    expect(l40s.pricePerGpuHour).toBe(gpus['l40s-48g'].pricePerHour)
    expect(describeFleet(plans)).toBe(
      '3× llama-3.1-8b@h100-80g×2 fp8 + 1× llama-3.1-8b@l40s-48g×1 bf16',
    )
  })

  it('names the fleet after the file when the file does not', () => {
    const spec = parseFleetYaml(
      'groups:\n  - gpu: h100-80g\n    model: llama-3.1-8b\n',
      'a/b/prod.yml',
    )
    expect(spec.name).toBe('prod')
    expect(spec.slo).toBeUndefined()
    expect(spec.groups[0]!.name).toBe('group0')
  })

  // Each case: YAML text, the line the error must name, and text the message must contain.
  const cases: ReadonlyArray<[string, string, number, RegExp]> = [
    [
      'a wrong type',
      'groups:\n  - gpu: h100-80g\n    model: llama-3.1-8b\n    tp: two\n',
      4,
      /groups\.0\.tp: .*number/,
    ],
    [
      'a wrong type in a later group',
      'groups:\n  - gpu: h100-80g\n    model: llama-3.1-8b\n  - gpu: a100-80g\n    model: llama-3.1-8b\n    count: 1.5\n',
      6,
      /groups\.1\.count: /,
    ],
    [
      'a negative price',
      'groups:\n  - gpu: h100-80g\n    model: llama-3.1-8b\n    price_per_gpu_hour: -1\n',
      4,
      /groups\.0\.price_per_gpu_hour: /,
    ],
    [
      'a bad engine value',
      'groups:\n  - gpu: h100-80g\n    model: llama-3.1-8b\n    engine:\n      block_size: 7\n',
      5,
      /groups\.0\.engine\.block_size: /,
    ],
    [
      'a zero SLO',
      'slo:\n  tpot_s: 0.1\n  ttft_s: 0\ngroups:\n  - gpu: h100-80g\n    model: llama-3.1-8b\n',
      3,
      /slo\.ttft_s: /,
    ],
    ['an empty group list', 'name: x\ngroups: []\n', 2, /groups: /],
    [
      'a missing model (points at the group)',
      'name: x\ngroups:\n  - gpu: h100-80g\n    tp: 2\n',
      3,
      /groups\.0\.model: /,
    ],
    ['a tab as indentation', 'name: x\ngroups:\n\t- gpu: h100-80g\n', 3, /invalid YAML/],
    [
      'a duplicate key',
      'groups:\n  - gpu: h100-80g\n    model: llama-3.1-8b\n    gpu: a100-80g\n',
      4,
      /invalid YAML/,
    ],
    [
      'a mis-indented key',
      'groups:\n  - gpu: h100-80g\n    model: llama-3.1-8b\n   tp: 1\n',
      4,
      /invalid YAML/,
    ],
  ]
  it.each(cases)('reports file:LINE: key for %s', (_, text, line, message) => {
    const err = usageError(() => parseFleetYaml(text, 'fleet.yaml'))
    expect(err.message).toMatch(new RegExp(`^fleet\\.yaml:${line}: `))
    expect(err.message).toMatch(message)
    expect(err.message).not.toContain('\n')
  })

  // zod reports an unknown key on its enclosing object; the error must still point at the key's
  // own line and name it.
  const unknownKeys: ReadonlyArray<[string, string, number]> = [
    ['in a group', 'groups:\n  - gpu: h100-80g\n    model: llama-3.1-8b\n    bogus: 1\n', 4],
    ['at the top level', 'groups:\n  - gpu: h100-80g\n    model: llama-3.1-8b\nbogus: 1\n', 4],
    [
      'in an engine block',
      'groups:\n  - gpu: h100-80g\n    model: llama-3.1-8b\n    engine:\n      max_num_seqs: 4\n      bogus: 7\n',
      6,
    ],
  ]
  it.each(unknownKeys)('reports the line of an unknown key %s', (_, text, line) => {
    const err = usageError(() => parseFleetYaml(text, 'fleet.yaml'))
    expect(err.message).toContain('bogus')
    expect(err.message).toMatch(new RegExp(`^fleet\\.yaml:${line}: `))
  })
})

describe('planFleet errors', () => {
  it('an unknown GPU lists the valid ids', () => {
    const err = usageError(() => plan({ gpu: 'nope' }))
    expect(err.message).toContain("'nope'")
    for (const id of gpuIds) expect(err.message).toContain(id)
  })

  it('an unknown model lists the valid ids', () => {
    const err = usageError(() => plan({ model: 'gpt-5' }))
    expect(err.message).toContain("'gpt-5'")
    for (const id of modelIds) expect(err.message).toContain(id)
  })

  it('names the file and group it was given', () => {
    const err = usageError(() =>
      planFleet({ name: 't', groups: [group({ name: 'edge', gpu: 'nope' })] }, 'prod.yaml'),
    )
    expect(err.message).toMatch(/^prod\.yaml: group 'edge'/)
  })

  it('rejects tp other than 1, 2, 4, 8', () => {
    for (const tp of [0, 3, 6, 16]) {
      expect(usageError(() => plan({ tp })).message).toMatch(/tp must be 1, 2, 4 or 8/)
    }
  })

  it('rejects tp that does not divide the heads', () => {
    expect(plan({ model: ODD_MODEL, tp: 4 })).toHaveLength(1)
    const err = usageError(() => plan({ model: ODD_MODEL, tp: 8 }))
    expect(err.message).toMatch(/tp 8 does not divide .*28 heads/)
  })

  it('rejects a model that does not fit in memory, suggesting a fix', () => {
    const err = usageError(() => plan({ gpu: 'l40s-48g', model: 'llama-3.1-70b' }))
    expect(err.message).toMatch(/llama-3\.1-70b/)
    expect(err.message).toMatch(/no memory for KV cache/)
    expect(err.message).toMatch(/raise tp or use fp8/)
    // With enough GPUs it fits.
    expect(plan({ gpu: 'l40s-48g', model: 'llama-3.1-70b', tp: 8 })[0]!.numBlocks).toBeGreaterThan(
      0,
    )
  })

  it('rejects a non-positive count and an empty fleet', () => {
    expect(usageError(() => plan({ count: 0 })).message).toMatch(/count must be a positive integer/)
    expect(usageError(() => planFleet({ name: 't', groups: [] })).message).toMatch(/no instances/)
  })
})

describe('KV-cache sizing', () => {
  // llama-3.1-8b: 32 layers × 8 KV heads × 128 dims × (K, V) × 2 bytes = 128 KiB per token in bf16.
  const BF16_BYTES_PER_TOKEN = 32 * 8 * 128 * 2 * 2

  it('gives an H100 serving llama-3.1-8b about vLLM’s ~60 GB of KV cache', () => {
    const p = plan()[0]!
    expect(p.numBlocks).toBeGreaterThan(20_000)
    expect(p.numBlocks).toBeLessThan(40_000)
    const kvGb = (p.numBlocks * p.engine.blockSize * BF16_BYTES_PER_TOKEN) / 1e9
    expect(kvGb).toBeGreaterThan(50)
    expect(kvGb).toBeLessThan(65)
  })

  it('fp8 roughly doubles the blocks of bf16', () => {
    const bf16 = plan({ dtype: 'bf16' })[0]!.numBlocks
    const fp8 = plan({ dtype: 'fp8' })[0]!.numBlocks
    // Half the bytes per token, plus the memory freed by fp8 weights: a bit over 2×.
    expect(fp8 / bf16).toBeGreaterThan(1.9)
    expect(fp8 / bf16).toBeLessThan(2.6)
  })

  it('grows with gpu_memory_utilization and with tp', () => {
    const base = plan()[0]!.numBlocks
    expect(plan({ engine: { gpuMemoryUtilization: 0.5 } })[0]!.numBlocks).toBeLessThan(base)
    expect(plan({ tp: 2 })[0]!.numBlocks).toBeGreaterThan(base)
  })

  it('caps max_model_len at what the KV cache can hold', () => {
    const small = plan({ engine: { gpuMemoryUtilization: 0.25 } })[0]!
    expect(small.numBlocks * small.engine.blockSize).toBeLessThan(131_072)
    expect(small.engine.maxModelLen).toBe(small.numBlocks * small.engine.blockSize)
    expect(plan()[0]!.engine.maxModelLen).toBe(131_072)
    expect(plan({ engine: { maxModelLen: 2048 } })[0]!.engine.maxModelLen).toBe(2048)
  })
})
