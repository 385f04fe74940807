/**
 * @module Outlier ejection: the failure streak, the cool-off, and re-admission only by a
 * successful probe.
 */
import { describe, expect, it } from 'vitest'
import { createBackendState, isEjected } from './backend-state.js'
import { inEjection, noteFailure, noteProbe, noteSuccess, probeDue } from './outlier.js'

const policy = { consecutiveFailures: 3, coolOff: 10 }

describe('outlier ejection', () => {
  it('ejects on the third consecutive failure; a success in between resets the streak', () => {
    const b = createBackendState('http://a', 'm')
    expect(noteFailure(b, 1, policy)).toBe(false)
    expect(noteFailure(b, 2, policy)).toBe(false)
    noteSuccess(b, policy)
    expect(noteFailure(b, 3, policy)).toBe(false)
    expect(noteFailure(b, 4, policy)).toBe(false)
    expect(noteFailure(b, 5, policy)).toBe(true)
    expect(isEjected(b, 14)).toBe(true)
    expect(b.healthy).toBe(false)
  })

  it('stays out after the cool-off until a probe succeeds; a late success does not re-admit', () => {
    const b = createBackendState('http://a', 'm')
    for (let t = 0; t < 3; t++) noteFailure(b, 100, policy)
    expect(probeDue(b, 105, policy)).toBe(false)
    noteSuccess(b, policy) // a request sent before the ejection finishing well
    expect(inEjection(b, policy)).toBe(true)
    expect(probeDue(b, 111, policy)).toBe(true)
    expect(noteProbe(b, false, 111, policy)).toBe(false) // failed: another cool-off
    expect(probeDue(b, 115, policy)).toBe(false)
    expect(noteProbe(b, true, 122, policy)).toBe(true)
    expect(b.healthy).toBe(true)
    expect(inEjection(b, policy)).toBe(false)
  })

  it('a plain health failure marks unhealthy without ejecting', () => {
    const b = createBackendState('http://a', 'm')
    expect(noteProbe(b, false, 1, policy)).toBe(false)
    expect(b.healthy).toBe(false)
    expect(noteProbe(b, true, 2, policy)).toBe(false)
    expect(b.healthy).toBe(true)
  })
})
