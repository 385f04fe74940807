/**
 * @module YAML files validated by a zod schema, with every error naming the file, the line and the
 * key (fleet files, gateway configs).
 */
import { isNode, LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import { UsageError } from './errors.js'

/** parseYamlWithSchema parses `text` and validates it; errors read `file:LINE: key: reason`. */
export function parseYamlWithSchema<S extends z.ZodType>(
  schema: S,
  text: string,
  file: string,
): z.infer<S> {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const lineOf = (offset: number | undefined): number =>
    offset === undefined ? 1 : lines.linePos(offset).line
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    throw new UsageError(`${file}:${lineOf(e.pos[0])}: invalid YAML: ${e.message.split('\n')[0]}`)
  }
  const parsed = schema.safeParse(doc.toJS())
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))
  // An unknown key is reported on its enclosing object: point at the key itself.
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0])
  // Point at the deepest node that exists on the path.
  let line = 1
  for (let k = path.length; k >= 0; k--) {
    const node = k === 0 ? doc.contents : doc.getIn(path.slice(0, k), true)
    if (isNode(node) && node.range) {
      line = lineOf(node.range[0])
      break
    }
  }
  const key = path.length > 0 ? path.join('.') : '(top level)'
  throw new UsageError(`${file}:${line}: ${key}: ${issue.message}`)
}
