/** @module Writes a report directory: `index.html` and `results.json`. */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunDetail } from '../sim/result.js'
import { type ReportMeta, renderHtmlReport } from './html.js'

/**
 * writeReport creates `dir` (and parents) and writes `index.html` and `results.json` (the run
 * summaries as an array, the same objects `simulate --json --compare` prints). Returns the path
 * of the HTML file.
 */
export async function writeReport(
  dir: string,
  runs: ReadonlyArray<RunDetail>,
  meta: ReportMeta,
): Promise<string> {
  await mkdir(dir, { recursive: true })
  const htmlPath = join(dir, 'index.html')
  await writeFile(htmlPath, renderHtmlReport(runs, meta), 'utf8')
  const json = JSON.stringify(
    runs.map((r) => r.summary),
    null,
    2,
  )
  await writeFile(join(dir, 'results.json'), `${json}\n`, 'utf8')
  return htmlPath
}
