/**
 * @module openTrace: turn a `--trace` argument (a path, a bundled sample name, or an inline
 * `synthetic:...` spec) into a TraceSource, detecting the file format from its first line.
 */
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UsageError } from '../util/errors.js'
import { createAlibabaTrace } from './alibaba.js'
import { createAzureTrace } from './azure.js'
import { createBurstGptTrace } from './burstgpt.js'
import { checkLimits, type ReadOptions } from './common.js'
import { splitCsv } from './csv.js'
import { readFirstLine } from './lines.js'
import { createMooncakeTrace } from './mooncake.js'
import { createSyntheticTrace } from './synthetic.js'
import type { TraceFormat, TraceSource } from './types.js'

/** BundledTrace is a real trace sample shipped in `data/` (see data/PROVENANCE.md). */
export interface BundledTrace {
  /** Path relative to the package root. */
  readonly file: string
  readonly format: Exclude<TraceFormat, 'synthetic'>
  readonly summary: string
}

/** BUNDLED_TRACES are the samples `--trace NAME` can name. */
export const BUNDLED_TRACES = {
  'azure-conv': {
    file: 'data/azure_llm_2023_conv.sample.csv',
    format: 'azure',
    summary: 'Azure LLM inference 2023, conversation: first 30 min, 10,108 requests',
  },
  'azure-code': {
    file: 'data/azure_llm_2023_code.sample.csv',
    format: 'azure',
    summary: 'Azure LLM inference 2023, coding: first 30 min, 5,740 requests',
  },
  mooncake: {
    file: 'data/mooncake_fast25_conversation.sample.jsonl',
    format: 'mooncake',
    summary: 'Mooncake FAST25 conversation (Kimi): first 30 min, 5,719 requests, prefix hashes',
  },
  burstgpt: {
    file: 'data/burstgpt.sample.csv',
    format: 'burstgpt',
    summary: 'BurstGPT_1 (Azure OpenAI GPT): first 400 rows, 383 requests + 17 failures',
  },
  alibaba: {
    file: 'data/alibaba_gentd26_lora_requests.sample.csv',
    format: 'alibaba',
    summary:
      'Alibaba GenTD26 Stable Diffusion serverless functions: 12.3 days, 11,278 requests + 7 pending',
  },
} as const satisfies Record<string, BundledTrace>

/** BundledTraceName is a key of BUNDLED_TRACES. */
export type BundledTraceName = keyof typeof BUNDLED_TRACES

/** BUNDLED_TRACE_NAMES lists the bundled sample names. */
export const BUNDLED_TRACE_NAMES = Object.keys(BUNDLED_TRACES) as BundledTraceName[]

/** FILE_FORMATS are the formats a trace file can have. */
const FILE_FORMATS = ['azure', 'mooncake', 'burstgpt', 'alibaba'] as const

/**
 * PACKAGE_ROOT is two levels above this file: `src/trace/open.ts` under vitest and
 * `dist/trace/open.js` after `tsc` both sit at <root>/<src|dist>/trace/.
 */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** OpenOptions are openTrace's options (the CLI's --format, --rate-scale, --requests, --seed). */
export interface OpenOptions {
  readonly format?: TraceFormat
  readonly rateScale?: number
  readonly requests?: number
  readonly seed?: number
}

/**
 * openTrace resolves `spec` and returns its TraceSource:
 * - `synthetic:...` → the synthetic generator (seeded by `seed`);
 * - a bundled name (`azure-conv`, `azure-code`, `mooncake`, `burstgpt`, `alibaba`) → the sample
 *   in data/ (a file that happens to have such a name can still be given as `./mooncake`);
 * - anything else → a file path, relative to the working directory.
 * The format of a file is detected from its first line unless `format` is given. Bad options,
 * a missing file or an undetectable format throw UsageError; malformed rows throw when the chunk
 * holding them is read.
 */
export async function openTrace(spec: string, opts: OpenOptions = {}): Promise<TraceSource> {
  const limits = checkLimits(opts)
  const read: ReadOptions = { rateScale: limits.rateScale, ...optRequests(opts.requests) }
  if (spec.startsWith('synthetic:') || spec === 'synthetic') {
    if (opts.format !== undefined && opts.format !== 'synthetic') {
      throw new UsageError(`--format ${opts.format} does not apply to a synthetic trace: ${spec}`)
    }
    return createSyntheticTrace(spec, {
      ...read,
      ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    })
  }
  if (opts.format === 'synthetic') {
    throw new UsageError(`--format synthetic needs a 'synthetic:key=value,...' trace, got: ${spec}`)
  }
  const bundled = bundledTrace(spec)
  const path = bundled === undefined ? resolve(spec) : resolve(PACKAGE_ROOT, bundled.file)
  const display = bundled === undefined ? spec : bundled.file
  await checkFile(path, display)
  const format = opts.format ?? bundled?.format ?? (await detectFormat(path, display))
  const source = { ...read, name: spec, display }
  switch (format) {
    case 'azure':
      return createAzureTrace(path, source)
    case 'mooncake':
      return createMooncakeTrace(path, source)
    case 'burstgpt':
      return createBurstGptTrace(path, source)
    case 'alibaba':
      return createAlibabaTrace(path, source)
    default:
      throw new UsageError(`unknown --format '${String(format)}' (want ${FILE_FORMATS.join('|')})`)
  }
}

function optRequests(n: number | undefined): { requests?: number } {
  return n === undefined ? {} : { requests: n }
}

function bundledTrace(spec: string): BundledTrace | undefined {
  return Object.hasOwn(BUNDLED_TRACES, spec) ? BUNDLED_TRACES[spec as BundledTraceName] : undefined
}

async function checkFile(path: string, display: string): Promise<void> {
  let isFile: boolean
  try {
    isFile = (await stat(path)).isFile()
  } catch {
    const names = BUNDLED_TRACE_NAMES.join(', ')
    throw new UsageError(
      `trace file not found: ${display} (give a path, a bundled name — ${names} — or synthetic:...)`,
    )
  }
  if (!isFile) throw new UsageError(`trace path is not a file: ${display}`)
}

/**
 * detectFormat reads the first line: a JSON object with `input_length` is Mooncake; a CSV header
 * with TIMESTAMP/ContextTokens is Azure; one with Timestamp/Request tokens is BurstGPT; one with
 * gmt_create/exec_time_seconds is Alibaba GenTD26.
 */
export async function detectFormat(path: string, display = path): Promise<TraceFormat> {
  const first = (await readFirstLine(path, display))?.trim()
  if (first === undefined || first.length === 0) {
    throw new UsageError(`trace file is empty: ${display}`)
  }
  if (first.startsWith('{') && first.includes('"input_length"')) return 'mooncake'
  const header = new Set(splitCsv(first).map((h) => h.trim().toLowerCase()))
  if (header.has('contexttokens') && header.has('generatedtokens')) return 'azure'
  if (header.has('request tokens') && header.has('response tokens')) return 'burstgpt'
  if (header.has('gmt_create') && header.has('exec_time_seconds')) return 'alibaba'
  throw new UsageError(
    `cannot detect the format of ${display} from its first line; pass --format ${FILE_FORMATS.join('|')}`,
  )
}
