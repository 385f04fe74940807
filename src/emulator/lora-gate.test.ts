/**
 * @module LoRA gate: at most maxLoras adapters in the engine; held requests go in order.
 */
import { describe, expect, it } from 'vitest'
import { LoraGate } from './lora-gate.js'

describe('LoraGate', () => {
  it('admits the base model always, and a second adapter only after the first one drains', () => {
    const g = new LoraGate<string>(1)
    expect(g.enter(undefined, 'base')).toBe(true)
    expect(g.enter('a', 'a1')).toBe(true)
    expect(g.enter('a', 'a2')).toBe(true)
    expect(g.enter('b', 'b1')).toBe(false)
    expect(g.enter('b', 'b2')).toBe(false)
    expect(g.held).toBe(2)
    expect(g.leave('a')).toEqual([])
    expect(g.leave('a')).toEqual(['b1', 'b2'])
    expect(g.held).toBe(0)
    expect(g.leave(undefined)).toEqual([])
  })
})
