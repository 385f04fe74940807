/**
 * @module Outlier ejection: the failure streak, the doubling cool-off, re-admission only by a
 * successful probe, and probation after it.
 */
import { describe, expect, it } from 'vitest'
import { createBackendState, isEjected } from './backend-state.js'
import {
  coolOffAfter,
  inEjection,
  noteFailure,
  noteProbe,
  noteSuccess,
  probeDue,
} from './outlier.js'

const policy = { consecutiveFailures: 3, coolOff: 10, maxCoolOff: 300 }

describe('outlier ejection', () => {
  it('ejects on the third consecutive failure; a success in between resets the streak', () => {
    const b = createBackendState('http://a', 'm')
    expect(noteFailure(b, 1, policy)).toBe(false)
    expect(noteFailure(b, 2, policy)).toBe(false)
    noteSuccess(b)
    expect(noteFailure(b, 3, policy)).toBe(false)
    expect(noteFailure(b, 4, policy)).toBe(false)
    expect(noteFailure(b, 5, policy)).toBe(true)
    expect(isEjected(b)).toBe(true)
    expect(b.ejectedUntil).toBe(15)
    expect(b.healthy).toBe(false)
  })

  it('stays out after the cool-off until a probe succeeds; a late success does not re-admit', () => {
    const b = createBackendState('http://a', 'm')
    for (let t = 0; t < 3; t++) noteFailure(b, 100, policy)
    expect(probeDue(b, 105)).toBe(false)
    noteSuccess(b) // a request sent before the ejection finishing well
    expect(inEjection(b)).toBe(true)
    expect(probeDue(b, 111)).toBe(true)
    expect(noteProbe(b, false, 111, policy)).toBe(false) // failed: another cool-off
    expect(probeDue(b, 115)).toBe(false)
    expect(noteProbe(b, true, 122, policy)).toBe(true)
    expect(b.healthy).toBe(true)
    expect(inEjection(b)).toBe(false)
  })

  it('puts a re-admitted backend on probation: one failure ejects it, for twice as long', () => {
    // A backend whose /health answers while its streams stall: every probe passes.
    const b = createBackendState('http://a', 'm')
    for (let i = 0; i < 3; i++) noteFailure(b, 0, policy)
    let now = 0
    const coolOffs: number[] = []
    for (let round = 0; round < 7; round++) {
      coolOffs.push(b.ejectedUntil - now)
      now = b.ejectedUntil
      expect(noteProbe(b, true, now, policy)).toBe(true)
      expect(b.probation).toBe(true)
      now += 60 // the next request stalls for the idle timeout, then fails
      expect(noteFailure(b, now, policy)).toBe(true)
    }
    expect(coolOffs).toEqual([10, 20, 40, 80, 160, 300, 300])
  })

  it('ends probation with a success and forgets old ejections after a quiet spell', () => {
    const b = createBackendState('http://a', 'm')
    for (let i = 0; i < 3; i++) noteFailure(b, 0, policy)
    noteProbe(b, true, 10, policy)
    noteSuccess(b)
    expect(b.probation).toBe(false)
    expect(noteFailure(b, 20, policy)).toBe(false) // the streak counts again from one
    for (let i = 0; i < 2; i++) noteFailure(b, 20, policy)
    expect(b.ejectedUntil - 20).toBe(20) // second in a row
    noteProbe(b, true, 40, policy)
    noteSuccess(b)
    for (let i = 0; i < 3; i++) noteFailure(b, 10_000, policy)
    expect(b.ejectedUntil - 10_000).toBe(10) // long after: the doubling started over
    expect(coolOffAfter(4, policy)).toBe(80)
  })

  it('a plain health failure marks unhealthy without ejecting', () => {
    const b = createBackendState('http://a', 'm')
    expect(noteProbe(b, false, 1, policy)).toBe(false)
    expect(b.healthy).toBe(false)
    expect(noteProbe(b, true, 2, policy)).toBe(false)
    expect(b.healthy).toBe(true)
  })
})
