/**
 * @module A one-line progress bar for stderr. It stays silent for the first 2 s, so short runs
 * print nothing, and redraws at most 10 times a second, so it costs the event loop nothing.
 */
import { formatCompact, formatInt } from './format.js'

/** ProgressStream is the part of a `NodeJS.WriteStream` the bar writes to. */
export interface ProgressStream {
  readonly isTTY?: boolean
  readonly columns?: number
  write(chunk: string): boolean
}

/** ProgressOptions configure `createProgress`. */
export interface ProgressOptions {
  /** Units of work expected; without it the bar shows a count and rate but no percent or ETA. */
  readonly total?: number
  readonly label: string
  readonly stream: ProgressStream
  /** The CLI passes `stderr.isTTY && !quiet`; when false nothing is ever written. */
  readonly enabled: boolean
  /** Milliseconds, monotonic (the simulator passes `performance.now`). */
  readonly clock: () => number
  /** Silence after creation, ms (default 2000). */
  readonly delayMs?: number
  /** Minimum time between redraws, ms (default 100). */
  readonly intervalMs?: number
}

/** Progress is a running bar. */
export interface Progress {
  /** update reports `done` units so far, with an optional short note ("t=312s"). */
  update(done: number, extra?: string): void
  /** finish erases the bar's line, if it drew one. Later updates are ignored. */
  finish(): void
}

const BAR_MIN = 10
const BAR_MAX = 30
const CLEAR_LINE = '\r\x1b[K'

/** createProgress returns a bar; drawing starts only once `delayMs` has passed on `clock`. */
export function createProgress(options: ProgressOptions): Progress {
  const { stream, clock, label } = options
  const total = options.total !== undefined && options.total > 0 ? options.total : undefined
  const delayMs = options.delayMs ?? 2000
  const intervalMs = options.intervalMs ?? 100
  const start = clock()
  let lastDraw = Number.NEGATIVE_INFINITY
  let drawn = false
  let finished = !options.enabled

  return {
    update: function update(done: number, extra?: string): void {
      if (finished) return
      const now = clock()
      const elapsed = now - start
      if (elapsed < delayMs || now - lastDraw < intervalMs) return
      lastDraw = now
      const columns = stream.columns !== undefined && stream.columns > 20 ? stream.columns : 80
      stream.write(CLEAR_LINE + renderLine(label, done, total, elapsed, extra, columns))
      drawn = true
    },
    finish: function finish(): void {
      if (finished) return
      finished = true
      if (drawn) stream.write(CLEAR_LINE)
    },
  }
}

/**
 * renderLine builds "label [█████░░░░░] 42% 4,200/10,000 1.2k/s ETA 12s note", fitted to one
 * terminal line (a wrapped line would defeat the \r redraw).
 */
export function renderLine(
  label: string,
  done: number,
  total: number | undefined,
  elapsedMs: number,
  extra: string | undefined,
  columns: number,
): string {
  const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0
  // Three significant digits: "512/s", "12.3/s", "48.2k/s".
  const rateText = `${rate < 1000 ? String(Number(rate.toPrecision(3))) : formatCompact(rate)}/s`
  const note = extra !== undefined && extra !== '' ? ` ${extra}` : ''
  if (total === undefined) {
    return fitLine(`${label} ${formatInt(done)} ${rateText}${note}`, columns)
  }
  const frac = Math.min(1, Math.max(0, done / total))
  const pct = `${Math.floor(frac * 100)}%`.padStart(4)
  const eta = rate > 0 ? `ETA ${formatEta((total - done) / rate)}` : 'ETA --'
  const tail = ` ${pct} ${formatInt(done)}/${formatInt(total)} ${rateText} ${eta}${note}`
  const room = columns - 1 - label.length - tail.length - 3
  const barWidth = Math.max(BAR_MIN, Math.min(BAR_MAX, room))
  const filled = Math.round(frac * barWidth)
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]`
  return fitLine(`${label} ${bar}${tail}`, columns)
}

/** formatEta prints a remaining time: 42 → "42s", 312 → "5m12s", 7300 → "2h01m". */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

function fitLine(line: string, columns: number): string {
  // Leave the last column empty: writing into it makes some terminals wrap early.
  return line.length < columns ? line : line.slice(0, Math.max(0, columns - 1))
}
