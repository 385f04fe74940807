/**
 * @module Policy options, one schema per registry entry (zod), read from either form a user
 * writes them in: a spec on the command line, `name:key=value:key=value` (colons survive
 * `--compare` lists, unlike commas and `+`), or a YAML object, `{ name: { key: value } }`. Keys are
 * kebab-case (`panic-window`); YAML may spell them with underscores (`kv_threshold`). Both forms
 * go through the same schema, so a value is accepted or refused with the same words everywhere:
 * `kpa:util=2` → "util must be a fraction in (0, 1], got '2'".
 */
import { z } from 'zod'
import { UsageError } from '../util/errors.js'

/** Option is one key: the factory field it fills, what it accepts, and that in words. */
export interface Option {
  readonly field: string
  readonly schema: z.ZodType
  /** takes words the values accepted, for `flotilla policies` ("a fraction in (0, 1]"). */
  readonly takes: string
}

/** OptionTable is one policy's options by key; `check` tests the whole set (a weight > 0). */
export interface OptionTable {
  readonly options: Readonly<Record<string, Option>>
  readonly check?: (fields: Readonly<Record<string, unknown>>) => string | undefined
}

/** NO_OPTIONS is the table of a policy that takes none. */
export const NO_OPTIONS: OptionTable = { options: {} }

/** numberOption accepts a number for which `ok` holds; `what` words it ("a fraction in (0, 1]"). */
export function numberOption(field: string, what: string, ok: (x: number) => boolean): Option {
  return {
    field,
    schema: z.number({ error: `must be ${what}` }).refine(ok, { error: `must be ${what}` }),
    takes: what,
  }
}

/** positive is a number > 0 (`what` defaults to "a positive number"). */
export const positive = (field: string, what = 'a positive number'): Option =>
  numberOption(field, what, (x) => x > 0 && Number.isFinite(x))

/** atLeast is a number ≥ `min`. */
export const atLeast = (field: string, min: number, what: string): Option =>
  numberOption(field, what, (x) => x >= min && Number.isFinite(x))

/** fraction is a number in (0, 1]. */
export const fraction = (field: string): Option =>
  numberOption(field, 'a fraction in (0, 1]', (x) => x > 0 && x <= 1)

/** between is a number in [min, max] (`what` words it). */
export const between = (field: string, min: number, max: number, what: string): Option =>
  numberOption(field, what, (x) => x >= min && x <= max)

/** wholeBetween is an integer in [min, max]. */
export const wholeBetween = (field: string, min: number, max: number, what: string): Option =>
  numberOption(field, what, (x) => Number.isInteger(x) && x >= min && x <= max)

/** kebab turns a YAML key's underscores into the option's dashes. */
function kebab(key: string): string {
  return key.replaceAll('_', '-')
}

/**
 * readOptions validates raw key/values against a table and returns the factory's fields; a
 * UsageError starts with `label` and names the key, what it takes and what it got.
 */
export function readOptions(
  label: string,
  table: OptionTable,
  raw: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const keys = Object.keys(table.options)
  const fields: Record<string, unknown> = {}
  for (const [given, value] of Object.entries(raw)) {
    const key = kebab(given)
    const o = Object.hasOwn(table.options, key) ? table.options[key] : undefined
    if (!o) {
      const valid = keys.length > 0 ? `valid: ${keys.join(', ')}` : 'it takes none'
      throw new UsageError(
        `${label}: unknown option '${key}' (${valid})`,
        'FL_ERR_BAD_POLICY_OPTION',
      )
    }
    const r = o.schema.safeParse(value)
    if (!r.success) {
      const why = r.error.issues[0]?.message ?? 'is not valid'
      throw new UsageError(
        `${label}: ${key} ${why}, got '${String(value)}'`,
        'FL_ERR_BAD_POLICY_OPTION',
      )
    }
    fields[o.field] = r.data
  }
  const problem = table.check?.(fields)
  if (problem !== undefined)
    throw new UsageError(`${label}: ${problem}`, 'FL_ERR_BAD_POLICY_OPTION')
  return fields
}

/**
 * splitSpec reads `name:key=value:…` into the name and raw values: numbers where the text is one,
 * the text otherwise (`ttl=auto`), and '' for a key with no value (refused by its schema).
 */
export function splitSpec(spec: string): { name: string; raw: Record<string, unknown> } {
  const [name = '', ...parts] = spec.trim().split(':')
  const raw: Record<string, unknown> = {}
  for (const part of parts) {
    const eq = part.indexOf('=')
    const key = eq < 0 ? part : part.slice(0, eq)
    const text = eq < 0 ? '' : part.slice(eq + 1)
    const x = Number(text)
    raw[key] = text.trim() !== '' && Number.isFinite(x) ? x : text
  }
  return { name, raw }
}

/** formatSpec writes options back as a spec, keys in table order: `kpa:util=0.5:window=30`. */
export function formatSpec(
  name: string,
  table: OptionTable,
  fields: Readonly<Record<string, unknown>>,
): string {
  const parts = Object.entries(table.options)
    .filter(([, o]) => fields[o.field] !== undefined)
    .map(([key, o]) => `${key}=${String(fields[o.field])}`)
  return [name, ...parts].join(':')
}

/** OptionInfo is one option as `flotilla policies` lists it. */
export interface OptionInfo {
  readonly key: string
  readonly takes: string
}

/** describeOptions lists a table's options in table order. */
export function describeOptions(table: OptionTable): OptionInfo[] {
  return Object.entries(table.options).map(([key, o]) => ({ key, takes: o.takes }))
}
