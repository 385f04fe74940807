/**
 * @module Shared pieces of the trace readers: chunk size, read options, and field parsers that
 * turn a bad value into a `file:line: field: reason` error.
 */
import { inputError, UsageError } from '../util/errors.js'
import { readLineBatches } from './lines.js'
import type { TraceRequest } from './types.js'

/** CHUNK_SIZE is how many requests a reader yields per chunk. */
export const CHUNK_SIZE = 4096

/** ReadOptions apply to every reader. */
export interface ReadOptions {
  /** Name for reports; defaults to the path. */
  readonly name?: string
  /** Path shown in error messages (as the user gave it); defaults to the path. */
  readonly display?: string
  /** Divide arrival times by this (2 → twice the rate). Default 1. */
  readonly rateScale?: number
  /** Stop after this many requests. Default: all. */
  readonly requests?: number
}

/** Limits are ReadOptions checked and defaulted. */
export interface Limits {
  readonly rateScale: number
  readonly requests: number
}

/** checkLimits validates rateScale and requests, naming the CLI flags in its errors. */
export function checkLimits(opts: ReadOptions): Limits {
  const rateScale = opts.rateScale ?? 1
  if (!(Number.isFinite(rateScale) && rateScale > 0)) {
    throw new UsageError(`--rate-scale must be a positive number, got ${opts.rateScale}`)
  }
  const requests = opts.requests ?? Number.POSITIVE_INFINITY
  if (!(requests === Number.POSITIVE_INFINITY || (Number.isInteger(requests) && requests >= 1))) {
    throw new UsageError(`--requests must be a positive integer, got ${opts.requests}`)
  }
  return { rateScale, requests }
}

/**
 * atLeastOne floors a token count at 1. An engine always prefills at least one token and the
 * first output token comes out of prefill, so a 0 in a trace is a logging artefact, and a
 * zero-length prompt would stall a simulated engine. (None of the bundled samples' kept rows
 * has a 0; BurstGPT's 0-response rows are failures and skipped before this.)
 */
export function atLeastOne(n: number): number {
  return Math.max(n, 1)
}

/** parseNumber reads a finite number field, or throws a file:line: field error. */
export function parseNumber(
  raw: string | undefined,
  file: string,
  line: number,
  field: string,
): number {
  if (raw === undefined) throw inputError(file, line, field, 'missing column')
  const s = raw.trim()
  // Number('') is 0, so an empty cell must be caught before conversion.
  if (s.length === 0) throw inputError(file, line, field, 'empty value')
  const v = Number(s)
  if (!Number.isFinite(v)) throw inputError(file, line, field, `not a number: '${raw}'`)
  return v
}

/** parseCount reads a non-negative integer field (a token count). */
export function parseCount(
  raw: string | undefined,
  file: string,
  line: number,
  field: string,
): number {
  return checkCount(parseNumber(raw, file, line, field), file, line, field)
}

/** checkCount checks that an already-parsed value is a non-negative integer. */
export function checkCount(v: unknown, file: string, line: number, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw inputError(file, line, field, `not a number: ${JSON.stringify(v) ?? String(v)}`)
  }
  if (v < 0) throw inputError(file, line, field, `negative: ${v}`)
  if (!Number.isInteger(v)) throw inputError(file, line, field, `not an integer: ${v}`)
  return v
}

/** checkOrder throws when a row's timestamp is earlier than the previous row's. */
export function checkOrder(
  t: number,
  prev: number,
  file: string,
  line: number,
  field: string,
): void {
  // Readers stream and never sort, and the simulator needs arrival order, so an out-of-order
  // row is an input error rather than something to fix silently.
  if (t < prev) {
    throw inputError(file, line, field, `timestamp goes backwards (${t} < previous ${prev})`)
  }
}

/**
 * RowParser turns one non-blank line into the request that would get `id`, or undefined to skip
 * the line (a header, a failed request). It throws `inputError` for a malformed line.
 */
export type RowParser = (line: string, lineNo: number, id: number) => TraceRequest | undefined

/**
 * fileChunks streams a line-oriented trace file through `parse`: blank lines skipped, at most
 * CHUNK_SIZE requests per chunk, ids numbered from 0, stopping after `requests`. A file with no
 * non-blank line is a UsageError.
 */
export async function* fileChunks(
  file: string,
  display: string,
  requests: number,
  parse: RowParser,
): AsyncGenerator<TraceRequest[]> {
  let id = 0
  let seen = false
  let chunk: TraceRequest[] = []
  rows: for await (const batch of readLineBatches(file, display)) {
    for (const { line, lineNo } of batch) {
      if (line.trim().length === 0) continue
      seen = true
      const req = parse(line, lineNo, id)
      if (req === undefined) continue
      chunk.push(req)
      id++
      if (id >= requests) break rows
      if (chunk.length === CHUNK_SIZE) {
        yield chunk
        chunk = []
      }
    }
  }
  if (!seen) throw new UsageError(`trace file is empty: ${display}`)
  if (chunk.length > 0) yield chunk
}
