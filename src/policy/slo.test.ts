/** @module The one SLO verdict, with worked numbers. */
import { describe, expect, it } from 'vitest'
import { meetsSlo } from './slo.js'

const slo = { ttft_s: 2, tpot_s: 0.1 }

describe('meetsSlo', () => {
  it('needs both TTFT and TPOT within their targets', () => {
    expect(meetsSlo({ ttft: 1.5, tpot: 0.09, e2e: 2.4, outputTokens: 11 }, slo)).toBe(true)
    expect(meetsSlo({ ttft: 2.1, tpot: 0.05, e2e: 2.6, outputTokens: 11 }, slo)).toBe(false)
    expect(meetsSlo({ ttft: 1, tpot: 0.11, e2e: 2.1, outputTokens: 11 }, slo)).toBe(false)
    expect(meetsSlo({ ttft: 2, tpot: 0.1, e2e: 3, outputTokens: 11 }, slo)).toBe(true) // bounds met
  })

  it('judges a one-token answer on TTFT alone', () => {
    expect(meetsSlo({ ttft: 1.9, tpot: undefined, e2e: 1.9, outputTokens: 1 }, slo)).toBe(true)
  })

  it('judges an answer with no first-token time on the budget both targets give it', () => {
    // 11 tokens: 2 + 0.1 × 10 = 3 s.
    expect(meetsSlo({ ttft: undefined, tpot: undefined, e2e: 3, outputTokens: 11 }, slo)).toBe(true)
    expect(meetsSlo({ ttft: undefined, tpot: undefined, e2e: 3.01, outputTokens: 11 }, slo)).toBe(
      false,
    )
  })
})
