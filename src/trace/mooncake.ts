/**
 * @module Reader for Mooncake (FAST'25) JSONL traces: one request per line with a millisecond
 * `timestamp`, `input_length`, `output_length` and `hash_ids`, one id per 512-token prefix block.
 * The traces carry no session ids; the reader derives them from hash-id chains (SessionLinker).
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

/** SessionTurn places a request in a conversation: its first turn's id and its turn index. */
export interface SessionTurn {
  readonly session: number
  readonly turn: number
}

/**
 * SessionLinker derives conversations from Mooncake hash-id chains, one row at a time in arrival
 * order. Mooncake ids are chained block hashes remapped to integers, so an id stands for its whole
 * prefix (in the bundled sample no id ever follows two different parents or sits at two
 * positions). A conversation's next turn resends the previous prompt, the reply and a new message:
 * it repeats every *full* block of the previous prompt and replaces its partial last block. So a
 * row continues an earlier row P when it contains P's last full-block id (or P's last id, when
 * P's prompt filled its last block) and goes on past it; the deepest such id wins (the longest
 * shared prefix), and the most recent row anchored there is the parent.
 *
 * Limits of the heuristic:
 * - an anchor must be a row's second block or later (≥ 1,024 shared tokens): the first block is
 *   often a system prompt common to unrelated conversations (id 0 opens most sample rows), so a
 *   turn with fewer than two full blocks (< 1,024 tokens) has no anchor, and its next turn starts
 *   a new session;
 * - an unrelated request that shares ≥ 2 blocks of a prompt and extends it (the same long document
 *   asked about again) is taken for a next turn; for KV reuse the difference does not matter;
 * - two rows extending one parent (a regenerated reply) both become its next turn;
 * - a turn whose previous turn is outside the rows read starts a new session.
 * On the bundled sample this links 1,720 of 5,719 rows into 966 multi-turn sessions (up to 21
 * turns; median gap between turns about 120 s). Memory: one map entry per row.
 */
export class SessionLinker {
  /** Anchor id → the latest row anchored there. */
  #anchors = new Map<number, SessionTurn>()

  /**
   * link places a request (`id`, its `hashIds` and `inputTokens`) and records it as a possible
   * parent: anchored at its last full block (its last id, when the prompt fills that block).
   */
  link(id: number, hashIds: ReadonlyArray<number>, inputTokens: number): SessionTurn {
    let place: SessionTurn | undefined
    // Position last is excluded: a row must go on past the anchor to be a next turn.
    for (let k = hashIds.length - 2; k >= 1 && place === undefined; k--) {
      const parent = this.#anchors.get(hashIds[k]!)
      if (parent) place = { session: parent.session, turn: parent.turn + 1 }
    }
    place ??= { session: id, turn: 0 }
    const n = hashIds.length
    const lastFull = inputTokens >= n * MOONCAKE_BLOCK_TOKENS
    const anchor = lastFull ? n - 1 : n - 2
    if (anchor >= 1) this.#anchors.set(hashIds[anchor]!, place)
    return place
  }
}

/**
 * createMooncakeTrace opens a Mooncake JSONL trace. Arrival is (timestamp − first timestamp) / 1000
 * seconds; each hash id becomes one segment keyed by the id (≥ 0), so requests that share ids
 * share KV blocks. Lines must be in timestamp order, as the published traces are. Every row gets
 * a `session` and `turn` from SessionLinker (a row that continues no earlier row starts one).
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
      const sessions = new SessionLinker()
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
        const { session, turn } = sessions.link(id, ids, input)
        return {
          id,
          arrival: (ts - t0) / 1000 / rateScale,
          inputTokens: input,
          outputTokens: output,
          segments: mooncakeSegments(ids, input, id),
          session,
          turn,
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
