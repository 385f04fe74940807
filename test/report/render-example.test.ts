/**
 * @module Writes an example report from FAKE data, for a person to open or screenshot. Set
 * FLOTILLA_REPORT_EXAMPLE_DIR to keep it somewhere; otherwise it goes to a temp dir.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatRunFooter, formatSummaryTable } from '../../src/report/table.js'
import { writeReport } from '../../src/report/write.js'
import { exampleRuns } from './example-data.js'
import { emptyDetail } from './fixtures.js'

describe('example report', () => {
  it('writes index.html and results.json for three fake routers', async () => {
    const dir =
      process.env.FLOTILLA_REPORT_EXAMPLE_DIR ?? (await mkdtemp(join(tmpdir(), 'flotilla-report-')))
    const runs = exampleRuns()
    const html = await writeReport(dir, runs, {
      title: 'Router comparison (example data)',
      generatedBy: 'flotilla 0.1.0 (test/report example, fake data)',
      command:
        'flotilla simulate --trace synthetic:n=12000,rate=20 --compare round-robin,least-outstanding,prefix-affinity --report out/',
    })
    expect((await stat(html)).size).toBeGreaterThan(10_000)
    const json = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as unknown[]
    expect(json).toHaveLength(3)
    if (process.env.FLOTILLA_REPORT_EXAMPLE_DIR !== undefined) {
      const summaries = runs.map((r) => r.summary)
      console.log(`${formatSummaryTable(summaries)}\n${formatRunFooter(summaries)}\n${html}`)
    } else {
      await rm(dir, { recursive: true, force: true })
    }
  })

  // The extremes a real run can reach (64 instances, 8 runs; nothing completed; a single
  // bucket) must render; kept beside the main example when a directory is given.
  it('writes the edge-case examples', async () => {
    const keep = process.env.FLOTILLA_REPORT_EXAMPLE_DIR
    const dir = keep ?? (await mkdtemp(join(tmpdir(), 'flotilla-report-edge-')))
    const meta = { title: 'Edge cases (example data)', generatedBy: 'flotilla test' }
    const large = await writeReport(
      join(dir, 'large'),
      exampleRuns({ runs: 8, instances: 64 }),
      meta,
    )
    const one = exampleRuns({ runs: 1 })[0]!
    const single = {
      ...one,
      timeline: {
        ...one.timeline,
        t: [0],
        output_tok_s: [4000],
        waiting: [3],
        kv_usage: one.timeline.kv_usage.map((row) => row.slice(0, 1)),
      },
    }
    const degenerate = await writeReport(
      join(dir, 'degenerate'),
      [emptyDetail('reject-all'), single],
      meta,
    )
    const largeHtml = await readFile(large, 'utf8')
    // One heatmap row label per instance per run.
    expect(largeHtml.split('h100-63').length - 1).toBeGreaterThanOrEqual(8)
    expect((await readFile(degenerate, 'utf8')).startsWith('<!doctype')).toBe(true)
    if (keep === undefined) await rm(dir, { recursive: true, force: true })
  })
})
