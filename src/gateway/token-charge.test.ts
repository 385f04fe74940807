/** @module Token charge plans: reservations, caps and the context check. */
import { describe, expect, it } from 'vitest'
import {
  CHAT_OUTPUT_ESTIMATE,
  type ChargeInput,
  exceedsContext,
  planCharge,
} from './token-charge.js'

/** plan is a 20-token chat without max_tokens, 131,072-token window, 5,000 in the bucket. */
const plan = (over: Partial<ChargeInput> = {}) =>
  planCharge({
    promptTokens: 20,
    maxTokens: undefined,
    chat: true,
    context: 131_072,
    balance: 5000,
    ...over,
  })

describe('planCharge', () => {
  it('reserves the prompt plus max_tokens when the client gave it, and writes nothing', () => {
    expect(plan({ maxTokens: 100, balance: 50 })).toEqual({
      reserve: 120,
      outputReserve: 100,
      cap: undefined,
    })
  })

  it("caps a limited tenant's chat without max_tokens at what the bucket can pay", () => {
    const out = CHAT_OUTPUT_ESTIMATE
    expect(plan()).toEqual({ reserve: 20 + out, outputReserve: out, cap: 4980 })
    expect(plan({ balance: 100.7 })).toEqual({ reserve: 100, outputReserve: 80, cap: 80 })
  })

  it('leaves the cap to the engine when the window is unknown or surely smaller', () => {
    // Unknown window: a max_tokens past it would be a 400 from vLLM.
    expect(plan({ context: undefined }).cap).toBeUndefined()
    // 4,096 window, 1,000-token prompt: the engine stops by 3,096 < 4,000 payable.
    expect(plan({ promptTokens: 1000, context: 4096 }).cap).toBeUndefined()
    // No limit, no cap.
    expect(plan({ balance: undefined }).cap).toBeUndefined()
  })

  it("writes vLLM's 16-token default into a limited tenant's completion", () => {
    const completion = { promptTokens: 5, chat: false, context: undefined }
    expect(plan({ ...completion, balance: 1e6 })).toEqual({
      reserve: 21,
      outputReserve: 16,
      cap: 16,
    })
    expect(plan({ ...completion, balance: undefined }).cap).toBeUndefined()
  })
})

describe('exceedsContext', () => {
  it('refuses only what surely cannot fit, allowing for the estimate', () => {
    expect(exceedsContext(200, 4000, false, 4096)).toBe(true) // 150 + 4,000 > 4,096
    expect(exceedsContext(100, 4000, false, 4096)).toBe(false) // 75 + 4,000: the engine decides
    expect(exceedsContext(6000, undefined, true, 4096)).toBe(true)
    expect(exceedsContext(6000, undefined, true, undefined)).toBe(false)
  })
})
