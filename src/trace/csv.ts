/**
 * @module Minimal CSV helpers for the trace formats: split a row, and find columns by header name
 * (so BurstGPT_3's inserted columns or a reordered export still read correctly).
 */
import { inputError } from '../util/errors.js'

/**
 * splitCsv splits one CSV row. The trace files never quote, so the common path is a plain split;
 * a row containing `"` goes through an RFC 4180 field parser (quoted commas, `""` escapes).
 */
export function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(',')
  const out: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quoted) {
      if (c !== '"') field += c
      else if (line[i + 1] === '"') {
        field += '"'
        i++
      } else quoted = false
    } else if (c === '"') quoted = true
    else if (c === ',') {
      out.push(field)
      field = ''
    } else field += c
  }
  out.push(field)
  return out
}

/** Column is a wanted column's position in the header, and its name as the header spells it. */
export interface Column {
  readonly index: number
  readonly name: string
}

/**
 * findColumns maps wanted column names to positions in `header` (trimmed, case-insensitive).
 * A missing required column is an error on line 1 naming it; a missing optional one is index −1.
 */
export function findColumns<K extends string>(
  header: ReadonlyArray<string>,
  required: ReadonlyArray<K>,
  optional: ReadonlyArray<K>,
  file: string,
): Record<K, Column> {
  const norm = header.map((h) => h.trim().toLowerCase())
  const out = {} as Record<K, Column>
  for (const name of [...required, ...optional]) {
    const index = norm.indexOf(name.toLowerCase())
    if (index === -1 && required.includes(name)) {
      throw inputError(file, 1, name, `missing column in header '${header.join(',')}'`)
    }
    out[name] = { index, name: index === -1 ? name : header[index]!.trim() }
  }
  return out
}
