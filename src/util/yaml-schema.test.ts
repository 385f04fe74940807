import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { billionLaughs } from '../../test/yaml-bomb.js'
import { UsageError } from './errors.js'
import { parseYamlWithSchema } from './yaml-schema.js'

const anything = z.unknown()

/** messageOf is the message parseYamlWithSchema throws, failing the test if it does not. */
function messageOf(text: string): string {
  try {
    parseYamlWithSchema(anything, text, 'f.yaml')
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    return (err as Error).message
  }
  throw new Error('expected a UsageError')
}

describe('parseYamlWithSchema', () => {
  it('resolves ordinary aliases', () => {
    const text = 'base: &b { port: 1, host: h }\ncopy: *b\nlist: [*b, *b]\n'
    expect(parseYamlWithSchema(anything, text, 'f.yaml')).toEqual({
      base: { port: 1, host: 'h' },
      copy: { port: 1, host: 'h' },
      list: [
        { port: 1, host: 'h' },
        { port: 1, host: 'h' },
      ],
    })
  })

  it('rejects a billion-laughs document in one line, at the line where the yaml package stops', () => {
    // The fourth line's second *c makes c's 2 uses × 100 copies pass the limit of 100.
    expect(messageOf(billionLaughs())).toMatch(
      /^f\.yaml:4: invalid YAML: too many alias references \(.*billion laughs.*\)$/,
    )
  })

  it('counts lines from the top of the file for a bomb further down', () => {
    const text = `# a comment\nlisten: { port: 1 }\nbomb:\n${billionLaughs().replace(/^/gm, '  ')}`
    expect(messageOf(text)).toMatch(/^f\.yaml:7: invalid YAML: too many alias references/)
  })

  it('names the line of an alias to an unknown anchor', () => {
    expect(messageOf('a: 1\nb: *nowhere\n')).toBe(
      'f.yaml:2: invalid YAML: Unresolved alias (the anchor must be set before the alias): nowhere',
    )
  })

  it('turns any other conversion failure into a UsageError naming the file', () => {
    // YAML 1.1 merge keys are checked only when the document is converted.
    expect(messageOf('%YAML 1.1\n---\na: { <<: 1 }\n')).toBe(
      'f.yaml:1: invalid YAML: Merge sources must be maps or map aliases',
    )
  })

  it('still names the line and key of a schema error', () => {
    const schema = z.object({ a: z.number(), b: z.number() })
    expect(() => parseYamlWithSchema(schema, 'a: 1\nb: x\n', 'f.yaml')).toThrow(/^f\.yaml:2: b: /)
  })
})
