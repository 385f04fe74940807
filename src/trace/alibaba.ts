/**
 * @module Reader for the Alibaba GenTD26 LoRA request trace (a production Stable Diffusion
 * serverless service, `alibaba/clusterdata` cluster-trace-v2026-GenAI): CSV with header
 * `gmt_create,predict_type,predict_status,exec_time_seconds,groupId,prompt_length,...,
 * checkpoint_model_version_id,num_lora`, timestamps at 1-s resolution (see data/PROVENANCE.md).
 */
import { inputError } from '../util/errors.js'
import { parseAzureTimestamp, type WallTime, wallDiff } from './azure.js'
import {
  atLeastOne,
  checkCount,
  checkLimits,
  checkOrder,
  fileChunks,
  parseNumber,
  type ReadOptions,
} from './common.js'
import { type Column, findColumns, splitCsv } from './csv.js'
import { type TraceRequest, type TraceSource, uniqueKey } from './types.js'

const REQUIRED = [
  'gmt_create',
  'predict_status',
  'exec_time_seconds',
  'checkpoint_model_version_id',
  'num_lora',
] as const
const OPTIONAL = ['prompt_length', 'groupId'] as const
type Name = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number]

/**
 * CHARS_PER_TOKEN turns the trace's prompt length in characters into tokens: about 4 characters
 * per token for English text under BPE tokenizers (OpenAI's rule of thumb; CLIP's BPE is of the
 * same kind). The token counts are informational only: the function simulator runs on
 * `serviceSeconds`, and no prompt content is shared between requests.
 */
export const CHARS_PER_TOKEN = 4

/** UNFINISHED are statuses whose exec time is a placeholder (0.0): the job never ran to an end. */
const UNFINISHED = new Set(['PENDING', 'PROCESSING'])

/** AlibabaSource is an Alibaba GenTD26 TraceSource that also counts the rows it left out. */
export interface AlibabaSource extends TraceSource {
  /** Rows left out during the last pass over `chunks()`: no exec time (PENDING/PROCESSING). */
  readonly skipped: number
}

/**
 * createAlibabaTrace opens an Alibaba GenTD26 request CSV as a function trace. Each row becomes a
 * request with `serviceSeconds` = exec_time_seconds, `fn` = checkpoint_model_version_id (the base
 * model: the unit a serverless deployment loads), `adapters` = num_lora and `tenant` = groupId.
 *
 * Rows without an execution time (status PENDING or PROCESSING, whose exec_time_seconds is a
 * 0.0 placeholder, or an empty cell) never ran and are left out and counted in `skipped`. FAILED
 * rows that have an exec time are kept: they held a GPU for that long. Arrival is seconds since
 * the first kept row (as BurstGPT's reader does), so the stream starts at t = 0; timestamps have
 * 1-s resolution, so several requests can share an arrival. Rows must be in timestamp order, as
 * the published file is; the order is checked on every row, skipped ones included.
 *
 * inputTokens = round(prompt_length / CHARS_PER_TOKEN), at least 1, one segment unique to the
 * request; outputTokens = 1 (an image is not tokens). Both are informational.
 */
export function createAlibabaTrace(file: string, opts: ReadOptions = {}): AlibabaSource {
  const display = opts.display ?? file
  const { rateScale, requests } = checkLimits(opts)
  let skipped = 0
  return {
    name: opts.name ?? display,
    format: 'alibaba',
    workload: 'function',
    get skipped(): number {
      return skipped
    },
    chunks: function alibabaChunks(): AsyncGenerator<TraceRequest[]> {
      skipped = 0
      let cols: Record<Name, Column> | undefined
      let width = 0
      let first: WallTime | undefined
      let prev = Number.NEGATIVE_INFINITY
      let origin: WallTime | undefined
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
        const tsCol = cols.gmt_create
        const raw = f[tsCol.index]
        if (raw === undefined) throw inputError(display, lineNo, tsCol.name, 'missing column')
        const wall = parseAzureTimestamp(raw)
        if (wall === undefined) {
          const reason = `not a timestamp (want YYYY-MM-DD HH:MM:SS): '${raw}'`
          throw inputError(display, lineNo, tsCol.name, reason)
        }
        first ??= wall
        const t = wallDiff(first, wall)
        checkOrder(t, prev, display, lineNo, tsCol.name)
        prev = t
        const status = (f[cols.predict_status.index] ?? '').trim().toUpperCase()
        const execCol = cols.exec_time_seconds
        const execRaw = f[execCol.index]
        if (UNFINISHED.has(status) || execRaw === undefined || execRaw.trim() === '') {
          skipped++
          return undefined
        }
        const exec = parseNumber(execRaw, display, lineNo, execCol.name)
        if (exec < 0) throw inputError(display, lineNo, execCol.name, `negative: ${exec}`)
        const fnCol = cols.checkpoint_model_version_id
        const fn = f[fnCol.index]?.trim() ?? ''
        if (fn === '') throw inputError(display, lineNo, fnCol.name, 'empty value')
        const loraCol = cols.num_lora
        const adapters = count(f[loraCol.index], display, lineNo, loraCol.name)
        const promptCol = cols.prompt_length
        const chars =
          promptCol.index >= 0 && (f[promptCol.index] ?? '').trim() !== ''
            ? count(f[promptCol.index], display, lineNo, promptCol.name)
            : 0
        origin ??= wall
        const inputTokens = atLeastOne(Math.round(chars / CHARS_PER_TOKEN))
        const group = cols.groupId.index >= 0 ? f[cols.groupId.index]?.trim() : undefined
        const req: TraceRequest = {
          id,
          arrival: wallDiff(origin, wall) / rateScale,
          inputTokens,
          outputTokens: 1,
          segments: [{ key: uniqueKey(id), tokens: inputTokens }],
          serviceSeconds: exec,
          fn,
          adapters,
        }
        // exactOptionalPropertyTypes: leave tenant absent rather than undefined.
        return group ? { ...req, tenant: group } : req
      })
    },
  }
}

/** count reads a count the trace writes as a float ("63.0"): a non-negative integer. */
function count(raw: string | undefined, file: string, line: number, field: string): number {
  return checkCount(parseNumber(raw, file, line, field), file, line, field)
}
