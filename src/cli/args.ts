/**
 * @module Flag value parsers: each rejects bad input with a UsageError naming the flag.
 */
import { UsageError } from '../util/errors.js'

/** parsePositive parses a finite number > 0. */
export function parsePositive(flag: string, raw: string): number {
  const x = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(x) || x <= 0) {
    throw new UsageError(`${flag}: expected a positive number, got '${raw}'`)
  }
  return x
}

/** parseNonNegative parses a finite number ≥ 0. */
export function parseNonNegative(flag: string, raw: string): number {
  const x = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(x) || x < 0) {
    throw new UsageError(`${flag}: expected a number >= 0, got '${raw}'`)
  }
  return x
}

/** parsePositiveInt parses an integer ≥ 1. */
export function parsePositiveInt(flag: string, raw: string): number {
  const x = Number(raw)
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(x) || x < 1) {
    throw new UsageError(`${flag}: expected a positive integer, got '${raw}'`)
  }
  return x
}

/** parseNonNegativeInt parses an integer ≥ 0. */
export function parseNonNegativeInt(flag: string, raw: string): number {
  const x = Number(raw)
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(x)) {
    throw new UsageError(`${flag}: expected a non-negative integer, got '${raw}'`)
  }
  return x
}

/** parseFraction parses a number in (0, 1]. */
export function parseFraction(flag: string, raw: string): number {
  const x = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(x) || x <= 0 || x > 1) {
    throw new UsageError(`${flag}: expected a number in (0, 1], got '${raw}'`)
  }
  return x
}
