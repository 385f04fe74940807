import { describe, expect, it } from 'vitest'
import { UsageError } from '../util/errors.js'
import { getGpu, getModel, gpuIds, modelIds, models, parseDtype } from './index.js'

describe('catalog', () => {
  it('has exactly the ids DESIGN.md lists', () => {
    expect([...gpuIds].sort()).toEqual([
      'a100-40g',
      'a100-80g',
      'h100-80g',
      'h200-141g',
      'l40s-48g',
    ])
    expect([...modelIds].sort()).toEqual(
      [
        'llama-2-13b',
        'llama-2-70b',
        'llama-2-7b',
        'llama-3.1-70b',
        'llama-3.1-8b',
        'mistral-7b',
        'mixtral-8x7b',
        'qwen2.5-32b',
      ].sort(),
    )
  })

  it("each model's parameter count follows from its architecture (within 3%)", () => {
    for (const m of Object.values(models)) {
      const attn = m.hidden * (m.heads * m.headDim) * 2 + m.hidden * (m.kvHeads * m.headDim) * 2
      const mlp = 3 * m.hidden * m.intermediate * (m.moe ? m.moe.experts : 1)
      // Llama 2 and Mistral/Mixtral tie nothing: embedding and LM head are both vocab × hidden.
      const total = m.layers * (attn + mlp) + 2 * m.vocab * m.hidden
      expect(Math.abs(total / m.params - 1), m.id).toBeLessThan(0.03)
      const activeMlp = 3 * m.hidden * m.intermediate * (m.moe ? m.moe.topK : 1)
      const active = m.layers * (attn + activeMlp) + 2 * m.vocab * m.hidden
      expect(Math.abs(active / m.activeParams - 1), m.id).toBeLessThan(0.03)
    }
  })

  it('rejects unknown ids with the valid ones listed', () => {
    expect(() => getGpu('h100')).toThrow(UsageError)
    expect(() => getGpu('h100')).toThrow(/valid: a100-40g, a100-80g, h100-80g/)
    expect(() => getModel('llama-4', 'fleet.yaml: group g: model')).toThrow(
      /^fleet.yaml: group g: model: unknown model 'llama-4'; valid: llama-2-7b/,
    )
    expect(() => parseDtype('int4')).toThrow(/valid: bf16, fp8/)
  })
})
