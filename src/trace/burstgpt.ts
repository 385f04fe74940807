/**
 * @module Reader for BurstGPT CSV traces (Azure OpenAI GPT services): header
 * `Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type`, Timestamp in seconds.
 */
import { inputError } from '../util/errors.js'
import {
  atLeastOne,
  checkLimits,
  checkOrder,
  fileChunks,
  parseCount,
  parseNumber,
  type ReadOptions,
} from './common.js'
import { type Column, findColumns, splitCsv } from './csv.js'
import { type TraceRequest, type TraceSource, uniqueKey } from './types.js'

const REQUIRED = ['Timestamp', 'Request tokens', 'Response tokens'] as const
const OPTIONAL = ['Model'] as const
type Name = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number]

/** BurstGptSource is a BurstGPT TraceSource that also counts the failed rows it left out. */
export interface BurstGptSource extends TraceSource {
  /** Failed requests (Response tokens = 0) left out during the last pass over `chunks()`. */
  readonly skipped: number
}

/**
 * createBurstGptTrace opens a BurstGPT CSV. Columns are found by header name, so BurstGPT_3's
 * extra `Session ID`/`Elapsed time` columns (inserted at positions 2–3) do not shift anything.
 *
 * Rows with `Response tokens` = 0 are requests that failed in the production service (the
 * BurstGPT README: "some failure that `Response tokens` are 0s"; `BurstGPT_without_fails_*.csv`
 * is the same data without them). Replaying them as requests would add load that never ran, so
 * they are left out of the stream and counted in `skipped`. Arrival is seconds since the first
 * *kept* row, so the stream starts at t = 0 even when the file opens with a failure.
 */
export function createBurstGptTrace(file: string, opts: ReadOptions = {}): BurstGptSource {
  const display = opts.display ?? file
  const { rateScale, requests } = checkLimits(opts)
  let skipped = 0
  return {
    name: opts.name ?? display,
    format: 'burstgpt',
    get skipped(): number {
      return skipped
    },
    chunks: function burstGptChunks(): AsyncGenerator<TraceRequest[]> {
      skipped = 0
      let cols: Record<Name, Column> | undefined
      let width = 0
      let t0 = Number.NaN
      let prev = Number.NEGATIVE_INFINITY
      return fileChunks(file, display, requests, (line, lineNo, id) => {
        const f = splitCsv(line)
        if (cols === undefined) {
          cols = findColumns<Name>(f, REQUIRED, OPTIONAL, display)
          width = f.length
          return undefined
        }
        if (f.length > width) {
          const reason = `row has ${f.length} fields, header has ${width}`
          throw inputError(display, lineNo, `column ${width + 1}`, reason)
        }
        const tsCol = cols.Timestamp
        const ts = parseNumber(f[tsCol.index], display, lineNo, tsCol.name)
        if (ts < 0) throw inputError(display, lineNo, tsCol.name, `negative: ${ts}`)
        // Order is checked on every row, failures included: a file out of order is malformed.
        checkOrder(ts, prev, display, lineNo, tsCol.name)
        prev = ts
        const inCol = cols['Request tokens']
        const outCol = cols['Response tokens']
        const input = parseCount(f[inCol.index], display, lineNo, inCol.name)
        const output = parseCount(f[outCol.index], display, lineNo, outCol.name)
        if (output === 0) {
          skipped++
          return undefined
        }
        if (Number.isNaN(t0)) t0 = ts
        const inputTokens = atLeastOne(input)
        const model = cols.Model.index >= 0 ? f[cols.Model.index]?.trim() : undefined
        const req: TraceRequest = {
          id,
          arrival: (ts - t0) / rateScale,
          inputTokens,
          outputTokens: output,
          segments: [{ key: uniqueKey(id), tokens: inputTokens }],
        }
        // exactOptionalPropertyTypes: leave traceModel absent rather than undefined.
        return model ? { ...req, traceModel: model } : req
      })
    },
  }
}
