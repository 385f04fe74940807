/** @module Structured log records: one line each, as JSON or text. */
import { describe, expect, it } from 'vitest'
import { createLog, formatRecord } from './log.js'

const at = '2026-12-03T15:35:10.123Z'

describe('log records', () => {
  it('writes one JSON object per line, with time, level, message and fields', () => {
    const lines: string[] = []
    const log = createLog(
      'json',
      (l) => lines.push(l),
      () => at,
    )
    log('warn', 'ejected backend', { pool: 'm', failures: 3, note: undefined })
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2026-12-03T15:35:10.123Z',
      level: 'warn',
      msg: 'ejected backend',
      pool: 'm',
      failures: 3,
    })
  })

  it('writes text with quoted values where needed, and never spans two lines', () => {
    const line = formatRecord('text', at, 'error', 'internal error', {
      error: 'Error: boom\n    at f (x.js:1:1)',
      pool: 'llama-3.1-8b',
      empty: '',
    })
    expect(line).toBe(
      '2026-12-03T15:35:10.123Z ERROR internal error error="Error: boom\\n    at f (x.js:1:1)" ' +
        'pool=llama-3.1-8b empty=""',
    )
    expect(formatRecord('json', at, 'error', 'x', { error: 'a\nb' })).not.toContain('\n')
  })
})
