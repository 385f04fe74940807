/**
 * @module What `simulate` does around each simulation, whatever it simulates (an LLM fleet or
 * serverless functions): a progress bar on stderr per run, then the summaries as JSON or as the
 * table with its timing footer on stdout, and the HTML report when --report names a directory.
 */
import { performance } from 'node:perf_hooks'
import { createProgress } from '../report/progress.js'
import { formatRunFooter } from '../report/text-table.js'
import { VERSION } from './version.js'

/** OnProgress hears the arrivals so far and the simulated time. */
export type OnProgress = (arrivals: number, simTime: number) => void

/**
 * withProgress runs one simulation under a progress bar (stderr, a TTY, not --quiet) labelled
 * `label`, out of `total` arrivals when known.
 */
export async function withProgress<T>(
  label: string,
  total: number | undefined,
  quiet: boolean | undefined,
  run: (onProgress: OnProgress) => Promise<T>,
): Promise<T> {
  const progress = createProgress({
    label,
    stream: process.stderr,
    enabled: Boolean(process.stderr.isTTY) && !quiet,
    clock: () => performance.now(),
    ...(total !== undefined ? { total } : {}),
  })
  try {
    return await run((n, t) => progress.update(n, `t=${Math.round(t)}s`))
  } finally {
    progress.finish()
  }
}

/** Summary is what every run's summary has for the footer. */
export interface Summary {
  readonly trace: string
  readonly sim_wall_s: number
  readonly sim_events: number
}

/** Output says how to print runs and where a report goes. */
export interface Output<S extends Summary, D> {
  readonly json: boolean | undefined
  /** Several runs compared: JSON is an array. */
  readonly compare: boolean
  readonly report: string | undefined
  readonly argv: ReadonlyArray<string>
  /** The text table of the summaries. */
  table(summaries: ReadonlyArray<S>, color: boolean): string
  /** Writes the HTML report into `dir`; resolves to its path. */
  writeReport(dir: string, runs: ReadonlyArray<D>, meta: ReportMetaLike): Promise<string>
}

/** ReportMetaLike is what a report says about its making. */
export interface ReportMetaLike {
  readonly title: string
  readonly generatedBy: string
  readonly command: string
}

/** emitRuns prints the summaries (JSON, or the table and footer) and writes the report. */
export async function emitRuns<D extends { readonly summary: Summary }>(
  runs: ReadonlyArray<D>,
  o: Output<D['summary'], D>,
): Promise<void> {
  const summaries = runs.map((r) => r.summary)
  if (o.json) {
    process.stdout.write(`${JSON.stringify(o.compare ? summaries : summaries[0], null, 2)}\n`)
  } else {
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR
    process.stdout.write(`${o.table(summaries, color)}\n`)
    process.stdout.write(`${formatRunFooter(summaries)}\n`)
  }
  if (o.report === undefined) return
  const path = await o.writeReport(o.report, runs, {
    title: `Flotilla simulation: ${summaries[0]?.trace ?? ''}`,
    generatedBy: `flotilla ${VERSION}`,
    command: ['flotilla', ...o.argv].join(' '),
  })
  process.stderr.write(`report: ${path}\n`)
}
