/**
 * @module A parser for the Prometheus text exposition format (version 0.0.4), enough to read
 * vLLM's, SGLang's and llama.cpp's `/metrics`: comments, HELP/TYPE lines, labels with escaped
 * values, NaN/±Inf, optional timestamps. Samples are returned flat; the gateway picks the few it
 * needs by name.
 */

/** Sample is one exposition line: `name{labels} value [timestamp]`. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** PromParseError names the line that could not be read. */
export class PromParseError extends Error {
  constructor(line: number, reason: string) {
    super(`metrics line ${line}: ${reason}`)
    this.name = 'PromParseError'
  }
}

function parseValue(raw: string, line: number): number {
  switch (raw) {
    case 'NaN':
      return Number.NaN
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY
    case '-Inf':
      return Number.NEGATIVE_INFINITY
  }
  const v = Number(raw)
  if (raw === '' || Number.isNaN(v)) throw new PromParseError(line, `bad value '${raw}'`)
  return v
}

/** parsePromText parses a whole exposition body into samples, in order. */
export function parsePromText(text: string): Sample[] {
  const out: Sample[] = []
  const lines = text.split('\n')
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!.trim()
    if (line === '' || line.startsWith('#')) continue
    const lineNo = ln + 1
    let i = 0
    while (i < line.length && line[i] !== '{' && line[i] !== ' ' && line[i] !== '\t') i++
    const name = line.slice(0, i)
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) {
      throw new PromParseError(lineNo, `bad metric name '${name}'`)
    }
    const labels: Record<string, string> = {}
    if (line[i] === '{') {
      i++
      for (;;) {
        while (line[i] === ' ' || line[i] === ',') i++
        if (line[i] === '}') {
          i++
          break
        }
        const eq = line.indexOf('=', i)
        if (eq < 0) throw new PromParseError(lineNo, 'label without =')
        const key = line.slice(i, eq).trim()
        if (line[eq + 1] !== '"') throw new PromParseError(lineNo, `label ${key} not quoted`)
        let j = eq + 2
        let value = ''
        for (; j < line.length && line[j] !== '"'; j++) {
          if (line[j] === '\\') {
            j++
            const c = line[j]
            value += c === 'n' ? '\n' : (c ?? '')
          } else {
            value += line[j]
          }
        }
        if (j >= line.length) throw new PromParseError(lineNo, `unterminated label ${key}`)
        labels[key] = value
        i = j + 1
      }
    }
    const rest = line.slice(i).trim().split(/\s+/)
    out.push({ name, labels, value: parseValue(rest[0] ?? '', lineNo) })
  }
  return out
}
