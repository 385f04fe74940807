/**
 * @module The leaderboard as plain text for stdout: per trace, a context line, the load it is
 * ranked at, and one aligned row per policy; the definitions and a timing line close it.
 */

import type { TraceBoard } from '../sweep/leaderboard.js'
import { formatCompact, formatDuration, formatInt } from './format.js'
import { sloText } from './run-context.js'
import { definitions, formatRate, LEADER_COLUMNS, referenceText } from './sweep-columns.js'

/** LeaderboardTextOptions control the text leaderboard. */
export interface LeaderboardTextOptions {
  /** Bold headers (the caller decides from isTTY and NO_COLOR). */
  readonly color?: boolean
  /** Requests replayed per run, for the context line. */
  readonly requests?: ReadonlyMap<string, number>
  readonly seeds: ReadonlyArray<number>
}

const GAP = '  '
const BOLD = '\x1b[1m'
const DIM = '\x1b[2m'
const RESET = '\x1b[0m'

/** formatLeaderboard renders every trace's leaderboard; ends without a newline. */
export function formatLeaderboard(
  boards: ReadonlyArray<TraceBoard>,
  opts: LeaderboardTextOptions,
): string {
  const paint = (code: string, s: string): string => (opts.color ? `${code}${s}${RESET}` : s)
  const blocks = boards.map((b) => {
    const n = opts.requests?.get(b.trace)
    const count = n === undefined ? 'requests' : `${formatInt(n)} requests`
    // An offline batch (every arrival at one instant) has no rate to scale.
    const replay = Number.isFinite(b.base_rps)
      ? `${count} at ${formatRate(b.base_rps)} req/s × rate scale`
      : `${count}, all arriving at once`
    const title = `${b.trace}  ·  ${replay}  ·  ${b.fleet} (${formatInt(b.gpus)} GPUs)  ·  SLO: ${sloText(b.slo.ttft_s, b.slo.tpot_s)}`
    const cells = b.rows.map((r) => LEADER_COLUMNS.map((c) => c.format(r, b, '>=')))
    const widths = LEADER_COLUMNS.map((c, i) =>
      Math.max(width(c.head[0]), width(c.head[1]), ...cells.map((row) => width(row[i] ?? ''))),
    )
    const pad = (text: string, i: number): string => {
      const fill = ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(text)))
      return LEADER_COLUMNS[i]?.align === 'left' ? text + fill : fill + text
    }
    const line = (texts: ReadonlyArray<string>): string =>
      texts
        .map((t, i) => pad(t, i))
        .join(GAP)
        .trimEnd()
    return [
      paint(BOLD, title),
      referenceText(b),
      paint(BOLD, line(LEADER_COLUMNS.map((c) => c.head[0]))),
      paint(BOLD, line(LEADER_COLUMNS.map((c) => c.head[1]))),
      paint(DIM, widths.map((w) => '-'.repeat(w)).join(GAP)),
      ...cells.map(line),
    ].join('\n')
  })
  const target = boards[0]?.attainment_target ?? 0.9
  const notes = definitions(target)
  if (opts.seeds.length > 1) {
    notes.push(
      `Seeds ${opts.seeds.join(', ')}: values are means, ± the standard deviation where the seeds disagree.`,
    )
  }
  return [...blocks, paint(DIM, notes.join('\n'))].join('\n\n')
}

/** SweepTiming is what the closing line reports. */
export interface SweepTiming {
  readonly runs: number
  readonly workers: number
  readonly wallS: number
  /** Summed simulation wall time of the runs (their sim_wall_s). */
  readonly simS: number
  readonly events: number
}

/** formatSweepFooter: "sweep: 98 runs on 2 workers, 34.2s wall (sim 61.0s, 12.3M events)". */
export function formatSweepFooter(t: SweepTiming): string {
  const workers = t.workers === 1 ? '1 worker' : `${t.workers} workers`
  return `sweep: ${formatInt(t.runs)} runs on ${workers}, ${formatDuration(t.wallS)} wall (sim ${formatDuration(t.simS)}, ${formatCompact(t.events)} events)`
}

function width(text: string): number {
  return [...text].length
}
