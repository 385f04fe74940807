/**
 * @module Reader for the Azure LLM inference trace 2023 (Splitwise): CSV with header
 * `TIMESTAMP,ContextTokens,GeneratedTokens` and wall-clock timestamps at 100 ns resolution.
 */
import { inputError } from '../util/errors.js'
import {
  atLeastOne,
  checkLimits,
  checkOrder,
  fileChunks,
  parseCount,
  type ReadOptions,
} from './common.js'
import { type Column, findColumns, splitCsv } from './csv.js'
import { type TraceRequest, type TraceSource, uniqueKey } from './types.js'

const COLUMNS = ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'] as const

/** An Azure timestamp split into whole Unix seconds and nanoseconds within the second. */
export interface WallTime {
  readonly sec: number
  readonly nanos: number
}

const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/

/**
 * parseAzureTimestamp reads `2023-11-16 18:17:03.9799600` as UTC (the trace gives no zone and
 * only differences matter). It keeps the fraction as integer nanoseconds instead of going
 * through `Date` (milliseconds only), so the trace's 100 ns ticks survive. Undefined if malformed.
 */
export function parseAzureTimestamp(s: string): WallTime | undefined {
  const m = TIMESTAMP.exec(s.trim())
  if (m === null) return undefined
  const [, y, mo, d, h, mi, se, frac] = m
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  const second = Number(se)
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return undefined
  }
  const sec = Date.UTC(Number(y), month - 1, day, hour, minute, second) / 1000
  // '98' → 980000000 ns: right-pad the fraction to 9 digits.
  const nanos = frac === undefined ? 0 : Number(frac.padEnd(9, '0'))
  return { sec, nanos }
}

/**
 * wallDiff returns b − a in seconds. The difference is formed in integer nanoseconds first
 * (exact below 2^53 ns ≈ 104 days) and divided once, so sub-millisecond gaps are not rounded away.
 */
export function wallDiff(a: WallTime, b: WallTime): number {
  return ((b.sec - a.sec) * 1e9 + (b.nanos - a.nanos)) / 1e9
}

/**
 * createAzureTrace opens an Azure LLM inference 2023 CSV as a TraceSource. Arrival is seconds
 * since the first row; each prompt is one segment of content unique to its request (the trace
 * has no prefix information). Rows must be in timestamp order, as the published files are.
 */
export function createAzureTrace(file: string, opts: ReadOptions = {}): TraceSource {
  const display = opts.display ?? file
  const { rateScale, requests } = checkLimits(opts)
  return {
    name: opts.name ?? display,
    format: 'azure',
    chunks: function azureChunks(): AsyncGenerator<TraceRequest[]> {
      let cols: Record<(typeof COLUMNS)[number], Column> | undefined
      let width = 0
      let first: WallTime | undefined
      let prev = Number.NEGATIVE_INFINITY
      return fileChunks(file, display, requests, (line, lineNo, id) => {
        const f = splitCsv(line)
        if (cols === undefined) {
          cols = findColumns(f, COLUMNS, [], display)
          width = f.length
          return undefined
        }
        if (f.length > width) {
          const reason = `row has ${f.length} fields, header has ${width}`
          throw inputError(display, lineNo, `column ${width + 1}`, reason)
        }
        const tsField = cols.TIMESTAMP
        const raw = f[tsField.index]
        if (raw === undefined) throw inputError(display, lineNo, tsField.name, 'missing column')
        const wall = parseAzureTimestamp(raw)
        if (wall === undefined) {
          const reason = `not a timestamp (want YYYY-MM-DD HH:MM:SS.fffffff): '${raw}'`
          throw inputError(display, lineNo, tsField.name, reason)
        }
        first ??= wall
        const t = wallDiff(first, wall)
        checkOrder(t, prev, display, lineNo, tsField.name)
        prev = t
        const inCol = cols.ContextTokens
        const outCol = cols.GeneratedTokens
        const input = atLeastOne(parseCount(f[inCol.index], display, lineNo, inCol.name))
        const output = atLeastOne(parseCount(f[outCol.index], display, lineNo, outCol.name))
        return {
          id,
          arrival: t / rateScale,
          inputTokens: input,
          outputTokens: output,
          segments: [{ key: uniqueKey(id), tokens: input }],
        }
      })
    },
  }
}
