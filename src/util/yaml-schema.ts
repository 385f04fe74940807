/**
 * @module YAML files validated by a zod schema, with every error naming the file, the line and the
 * key (fleet files, gateway configs).
 */
import {
  type Alias,
  type Document,
  isAlias,
  isCollection,
  isNode,
  isPair,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml'
import type { z } from 'zod'
import { UsageError } from './errors.js'

/**
 * MAX_ALIAS_COUNT bounds alias resolution (the yaml package's default, passed explicitly so the
 * search for the offending line below uses the same number).
 */
const MAX_ALIAS_COUNT = 100

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
  const parsed = schema.safeParse(toPlain(doc, file, lineOf))
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

/**
 * toPlain converts a parsed document to plain values. The yaml package throws here, without a
 * position, on an alias to an unknown anchor and on an alias bomb ("billion laughs": anchors of
 * aliases of anchors, each level multiplying the size); both, and anything else it throws, become
 * a one-line UsageError naming the file, and the line where the walk below finds the alias.
 */
function toPlain(
  doc: Document,
  file: string,
  lineOf: (offset: number | undefined) => number,
): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    if (!(err instanceof ReferenceError)) {
      throw new UsageError(`${file}:1: invalid YAML: ${message.split('\n')[0]}`)
    }
    const line = lineOf(firstBadAlias(doc))
    const reason = /excessive alias count/i.test(message)
      ? `too many alias references (aliases of aliases would expand the document past ` +
        `${MAX_ALIAS_COUNT} copies, as a "billion laughs" attack does)`
      : message.split('\n')[0]
    throw new UsageError(`${file}:${line}: invalid YAML: ${reason}`)
  }
}

/** AnchorUse is the yaml package's record of one anchor while it resolves aliases. */
interface AnchorUse {
  /** 1 for the anchor itself, plus one per alias to it so far. */
  count: number
  /** How many copies one use stands for (0 until the first alias computes it). */
  aliasCount: number
}

/**
 * firstBadAlias is the offset of the alias at which toJS gave up: in document order (the order
 * toJS resolves them), the first that names no earlier anchor or that takes its anchor's uses
 * times copies past MAX_ALIAS_COUNT. The count mirrors the yaml package's (Alias.resolve), which
 * throws without saying where; undefined (line 1) if no alias qualifies.
 */
function firstBadAlias(doc: Document): number | undefined {
  const anchors = new Map<string, Node>()
  const targets = new Map<Alias, Node>()
  const uses = new Map<Node, AnchorUse>()
  let offset: number | undefined
  visit(doc, {
    Node(_key, node) {
      if (!isAlias(node)) {
        if (node.anchor) {
          anchors.set(node.anchor, node)
          uses.set(node, { count: 1, aliasCount: 0 })
        }
        return undefined
      }
      const target = anchors.get(node.source)
      const use = target && uses.get(target)
      if (target && use) {
        targets.set(node, target)
        use.count += 1
        if (use.aliasCount === 0) use.aliasCount = copiesOf(target, targets, uses)
        if (use.count * use.aliasCount <= MAX_ALIAS_COUNT) return undefined
      }
      offset = node.range?.[0]
      return visit.BREAK
    },
  })
  return offset
}

/**
 * copiesOf is the yaml package's alias count of a node: for an alias, its anchor's uses times
 * copies; for a collection, the largest of its items'; for a scalar, 1.
 */
function copiesOf(node: unknown, targets: Map<Alias, Node>, uses: Map<Node, AnchorUse>): number {
  if (isAlias(node)) {
    const target = targets.get(node)
    const use = target && uses.get(target)
    return use ? use.count * use.aliasCount : 0
  }
  if (isPair(node)) {
    return Math.max(copiesOf(node.key, targets, uses), copiesOf(node.value, targets, uses))
  }
  if (!isCollection(node)) return 1
  let most = 0
  for (const item of node.items) most = Math.max(most, copiesOf(item, targets, uses))
  return most
}
