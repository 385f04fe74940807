/**
 * @module Reader for Mooncake (FAST'25) JSONL traces: one request per line with a millisecond
 * `timestamp`, `input_length`, `output_length` and `hash_ids`, one id per 512-token prefix block.
 */
import { inputError } from '../util/errors.js'
import {
  atLeastOne,
  checkCount,
  checkLimits,
  checkOrder,
  fileChunks,
  type ReadOptions,
} from './common.js'
import { type PromptSegment, type TraceRequest, type TraceSource, uniqueKey } from './types.js'

/** MOONCAKE_BLOCK_TOKENS is the prompt length each Mooncake `hash_ids` entry stands for. */
export const MOONCAKE_BLOCK_TOKENS = 512

/** MooncakeSource is a Mooncake TraceSource that also counts rows whose blocks disagree. */
export interface MooncakeSource extends TraceSource {
  /**
   * Rows (in the last pass over `chunks()`) whose `hash_ids` count differed from
   * ceil(input_length / 512) and were repaired as described in mooncakeSegments.
   */
  readonly blockMismatches: number
}

/**
 * mooncakeSegments turns one row's hash ids into prompt segments: 512 tokens per id, the last
 * block partial (input − 512·(n−1)). All 5,719 rows of the bundled sample have exactly
 * ceil(input_length / 512) ids. For files that disagree, `input_length` is taken as the truth
 * (it is what the engine prefills): surplus ids are dropped, and tokens beyond the last id become
 * one segment of content unique to the request (it can be shared with nothing we know of).
 */
export function mooncakeSegments(
  hashIds: ReadonlyArray<number>,
  inputTokens: number,
  id: number,
): PromptSegment[] {
  const segments: PromptSegment[] = []
  let left = inputTokens
  for (let i = 0; i < hashIds.length && left > 0; i++) {
    const tokens = Math.min(left, MOONCAKE_BLOCK_TOKENS)
    segments.push({ key: hashIds[i]!, tokens })
    left -= tokens
  }
  if (left > 0) segments.push({ key: uniqueKey(id), tokens: left })
  return segments
}

/**
 * createMooncakeTrace opens a Mooncake JSONL trace. Arrival is (timestamp − first timestamp) / 1000
 * seconds; each hash id becomes one segment keyed by the id (≥ 0), so requests that share ids
 * share KV blocks. Lines must be in timestamp order, as the published traces are.
 */
export function createMooncakeTrace(file: string, opts: ReadOptions = {}): MooncakeSource {
  const display = opts.display ?? file
  const { rateScale, requests } = checkLimits(opts)
  let mismatches = 0
  return {
    name: opts.name ?? display,
    format: 'mooncake',
    get blockMismatches(): number {
      return mismatches
    },
    chunks: function mooncakeChunks(): AsyncGenerator<TraceRequest[]> {
      mismatches = 0
      let t0 = Number.NaN
      let prev = Number.NEGATIVE_INFINITY
      return fileChunks(file, display, requests, (line, lineNo, id) => {
        const row = parseRow(line, display, lineNo)
        const ts = row.timestamp
        if (typeof ts !== 'number' || !Number.isFinite(ts)) {
          const reason = `not a number: ${JSON.stringify(ts) ?? 'missing'}`
          throw inputError(display, lineNo, 'timestamp', reason)
        }
        if (ts < 0) throw inputError(display, lineNo, 'timestamp', `negative: ${ts}`)
        if (Number.isNaN(t0)) t0 = ts
        checkOrder(ts, prev, display, lineNo, 'timestamp')
        prev = ts
        const input = atLeastOne(checkCount(row.input_length, display, lineNo, 'input_length'))
        const output = atLeastOne(checkCount(row.output_length, display, lineNo, 'output_length'))
        const ids = checkHashIds(row.hash_ids, display, lineNo)
        if (ids.length !== Math.ceil(input / MOONCAKE_BLOCK_TOKENS)) mismatches++
        return {
          id,
          arrival: (ts - t0) / 1000 / rateScale,
          inputTokens: input,
          outputTokens: output,
          segments: mooncakeSegments(ids, input, id),
        }
      })
    },
  }
}

function parseRow(line: string, file: string, lineNo: number): Record<string, unknown> {
  let row: unknown
  try {
    row = JSON.parse(line)
  } catch (err) {
    throw inputError(file, lineNo, 'json', `bad JSON: ${(err as Error).message}`)
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw inputError(file, lineNo, 'json', 'not a JSON object')
  }
  return row as Record<string, unknown>
}

function checkHashIds(v: unknown, file: string, lineNo: number): number[] {
  if (!Array.isArray(v)) {
    const reason = `not an array: ${JSON.stringify(v) ?? 'missing'}`
    throw inputError(file, lineNo, 'hash_ids', reason)
  }
  for (let i = 0; i < v.length; i++) checkCount(v[i], file, lineNo, `hash_ids[${i}]`)
  return v as number[]
}
