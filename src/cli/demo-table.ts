/**
 * @module The `flotilla demo` table: one row per backend (in flight, completed, failed, TTFT p50,
 * KV usage) and a totals row, as aligned plain text. Pure: the demo feeds it numbers.
 */
import { quantileSorted } from '../util/stats.js'

/** BackendRow is one backend's numbers at one moment. */
export interface BackendRow {
  readonly name: string
  readonly inFlight: number
  readonly completed: number
  readonly failed: number
  /** Gateway-measured TTFTs of this backend's finished streams, in seconds. */
  readonly ttfts: ReadonlyArray<number>
  /** Scraped KV-cache usage 0..1, if known, now and at its highest during the run. */
  readonly kvUsage: number | undefined
  readonly kvPeak: number | undefined
  readonly ready: boolean
}

const HEAD = [
  'backend',
  'state',
  'in flight',
  'completed',
  'failed',
  'TTFT p50',
  'KV use',
  'KV peak',
]

/** ms formats seconds as milliseconds, or '-' when there is nothing to show. */
function ms(s: number | undefined): string {
  return s === undefined || Number.isNaN(s) ? '-' : `${Math.round(s * 1000)} ms`
}

/** pct formats a 0..1 fraction as a percentage. */
function pct(x: number | undefined): string {
  return x === undefined ? '-' : `${(x * 100).toFixed(2)} %`
}

/** p50 is the median of `xs`, or undefined when empty. */
function p50(xs: ReadonlyArray<number>): number | undefined {
  return xs.length === 0
    ? undefined
    : quantileSorted(
        [...xs].sort((a, b) => a - b),
        0.5,
      )
}

/** formatDemoTable renders rows plus a totals row; ends without a newline. */
export function formatDemoTable(rows: ReadonlyArray<BackendRow>): string {
  const all = rows.flatMap((r) => r.ttfts)
  const cells = rows.map((r) => [
    r.name,
    r.ready ? 'ready' : 'out',
    String(r.inFlight),
    String(r.completed),
    String(r.failed),
    ms(p50(r.ttfts)),
    pct(r.kvUsage),
    pct(r.kvPeak),
  ])
  cells.push([
    'all',
    '',
    String(rows.reduce((s, r) => s + r.inFlight, 0)),
    String(rows.reduce((s, r) => s + r.completed, 0)),
    String(rows.reduce((s, r) => s + r.failed, 0)),
    ms(p50(all)),
    '',
    '',
  ])
  const widths = HEAD.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: ReadonlyArray<string>): string =>
    c
      .map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n')
}
