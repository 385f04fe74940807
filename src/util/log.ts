/**
 * @module Structured log records for the long-running commands (`serve`, with its autoscaler and
 * actuators): each has a time, a level, a short message and fields. Written as one JSON object
 * per line (what log shippers such as Fluent Bit, Vector or Loki's promtail parse without a
 * pattern; `serve`'s default) or as a text line for a person at a terminal:
 *
 *   {"time":"2026-12-03T15:35:10.123Z","level":"warn","msg":"ejected backend","pool":"m",…}
 *   2026-12-03T15:35:10.123Z WARN ejected backend pool=m backend=http://10.0.0.7:8000 …
 *
 * A record is always one line: a field holding a newline (a stack trace) is escaped in both.
 */

/** LogLevel is a record's severity. */
export type LogLevel = 'info' | 'warn' | 'error'

/** LogFields are a record's key/value pairs (undefined ones are left out). */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>

/** Log writes one record. */
export type Log = (level: LogLevel, msg: string, fields?: LogFields) => void

/** LogFormat is how records are written. */
export type LogFormat = 'json' | 'text'

/** LOG_FORMATS are the formats `--log-format` takes. */
export const LOG_FORMATS: ReadonlyArray<LogFormat> = ['json', 'text']

/**
 * createLog formats records and hands each line to `sink`, stamped with `now()` (an ISO 8601
 * time): both come from the caller (stderr and the wall clock in `serve`), as this is pure.
 */
export function createLog(format: LogFormat, sink: (line: string) => void, now: () => string): Log {
  return (level, msg, fields = {}) => sink(formatRecord(format, now(), level, msg, fields))
}

/** formatRecord renders one record as a single line. */
export function formatRecord(
  format: LogFormat,
  ts: string,
  level: LogLevel,
  msg: string,
  fields: LogFields,
): string {
  if (format === 'json') return JSON.stringify({ time: ts, level, msg, ...fields })
  let line = `${ts} ${level.toUpperCase()} ${oneLine(msg)}`
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue
    const s = String(v)
    // Quoted (JSON string escapes: \n for a newline) when a reader could not tell where it ends.
    line += ` ${k}=${s === '' || /[\s"=\\]/.test(s) ? JSON.stringify(s) : s}`
  }
  return line
}

/** oneLine escapes line breaks, so a record never spans two lines. */
function oneLine(s: string): string {
  return s.includes('\n') || s.includes('\r') ? s.replace(/\r?\n|\r/g, '\\n') : s
}

/** errorText is an unknown error's stack (or message) for a log field. */
export function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err)
}
