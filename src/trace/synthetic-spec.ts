/**
 * @module Parser for inline synthetic trace specs such as
 * `synthetic:n=100000,rate=50,input=lognormal:mean=1024,sigma=1,prefix=shared:groups=20,len=2048`.
 * `classes=0.3` gives 30% of requests priority class 0 (interactive) and the rest class 1;
 * `tenants=4` spreads requests uniformly over tenants t0..t3, `tenants=zipf:n=4,s=1.2` by Zipf.
 * `service=20` or `service=lognormal:mean=20,sigma=0.5` (seconds) makes the requests serverless
 * function invocations of that execution time, which the function simulator runs.
 */
import { UsageError } from '../util/errors.js'

/** LengthDist is a token-length distribution: a constant or a lognormal given by its mean. */
export type LengthDist =
  | { readonly kind: 'fixed'; readonly value: number }
  | { readonly kind: 'lognormal'; readonly mean: number; readonly sigma: number }

/** ServiceDist is a function request's execution time, seconds: a constant or a lognormal by mean. */
export type ServiceDist =
  | { readonly kind: 'fixed'; readonly value: number }
  | { readonly kind: 'lognormal'; readonly mean: number; readonly sigma: number }

/** ArrivalProcess shapes inter-arrival gaps (mean 1/rate): exponential, or gamma with a given CV. */
export type ArrivalProcess =
  | { readonly kind: 'poisson' }
  | { readonly kind: 'gamma'; readonly cv: number }

/** PrefixSpec gives requests a shared prefix: `len` tokens from one of `groups` groups. */
export type PrefixSpec =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'shared'
      readonly groups: number
      readonly len: number
      /** Zipf exponent of group popularity; 0 picks groups uniformly. */
      readonly zipf: number
    }

/** TenantSpec names each request's tenant: none, uniform over n, or Zipf(s) over n. */
export type TenantSpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'uniform'; readonly n: number }
  | { readonly kind: 'zipf'; readonly n: number; readonly s: number }

/** SyntheticSpec is a parsed synthetic trace spec, defaults filled in. */
export interface SyntheticSpec {
  readonly n: number
  /** Requests per second; Infinity puts every arrival at t = 0 (an offline batch). */
  readonly rate: number
  readonly arrival: ArrivalProcess
  readonly input: LengthDist
  readonly output: LengthDist
  readonly prefix: PrefixSpec
  readonly maxInput: number
  readonly maxOutput: number
  /** Share of requests in priority class 0 (the rest are class 1); undefined: no classes. */
  readonly classes: number | undefined
  readonly tenants: TenantSpec
  /** Execution time of function requests; undefined: LLM requests (the default). */
  readonly service: ServiceDist | undefined
}

/** SYNTHETIC_DEFAULTS are the values of keys a spec leaves out. */
export const SYNTHETIC_DEFAULTS: SyntheticSpec = {
  n: 1000,
  rate: 10,
  arrival: { kind: 'poisson' },
  input: { kind: 'fixed', value: 1024 },
  output: { kind: 'fixed', value: 128 },
  prefix: { kind: 'none' },
  maxInput: 32768,
  maxOutput: 8192,
  classes: undefined,
  tenants: { kind: 'none' },
  service: undefined,
}

/** SYNTHETIC_KEYS are the top-level keys of a spec. */
export const SYNTHETIC_KEYS = [
  'n',
  'rate',
  'arrival',
  'input',
  'output',
  'prefix',
  'max-input',
  'max-output',
  'classes',
  'tenants',
  'service',
] as const
type Key = (typeof SYNTHETIC_KEYS)[number]

const PREFIX = 'synthetic:'

/**
 * parseSyntheticSpec parses `synthetic:k=v,...` (the `synthetic:` prefix is optional).
 *
 * Values like `lognormal:mean=1000,sigma=1` contain commas, so the spec is split on every comma
 * and a piece that does not start a top-level key (`sigma=1`, or a piece without `=`) is glued
 * back onto the previous value — but only when that value is parametric (`name:...`), so a typo
 * such as `rat=5` after `n=10` is reported as an unknown key instead of corrupting `n`.
 * Throws UsageError naming the offending key.
 */
export function parseSyntheticSpec(spec: string): SyntheticSpec {
  // Bare `synthetic` means all defaults.
  const body = spec.startsWith(PREFIX)
    ? spec.slice(PREFIX.length)
    : spec === 'synthetic'
      ? ''
      : spec
  const values = new Map<Key, string>()
  let last: Key | undefined
  for (const piece of body.split(',')) {
    const token = piece.trim()
    if (token.length === 0) continue
    const eq = token.indexOf('=')
    const key = eq === -1 ? undefined : token.slice(0, eq).trim()
    if (key !== undefined && isKey(key)) {
      if (values.has(key)) throw specError(`key '${key}' is given twice`)
      values.set(key, token.slice(eq + 1).trim())
      last = key
      continue
    }
    const prev = last === undefined ? undefined : values.get(last)
    if (last === undefined || prev === undefined || !prev.includes(':')) {
      if (key === undefined) throw specError(`expected key=value, got '${token}'`)
      throw specError(`unknown key '${key}' (keys: ${SYNTHETIC_KEYS.join(', ')})`)
    }
    values.set(last, `${prev},${token}`)
  }
  const d = SYNTHETIC_DEFAULTS
  const get = (k: Key): string | undefined => values.get(k)
  const maxInput = optional(get('max-input'), (v) => positiveInt('max-input', v), d.maxInput)
  const maxOutput = optional(get('max-output'), (v) => positiveInt('max-output', v), d.maxOutput)
  return {
    n: optional(get('n'), (v) => positiveInt('n', v), d.n),
    rate: optional(get('rate'), parseRate, d.rate),
    arrival: optional(get('arrival'), parseArrival, d.arrival),
    input: optional(get('input'), (v) => parseLength('input', v, maxInput), d.input),
    output: optional(get('output'), (v) => parseLength('output', v, maxOutput), d.output),
    prefix: optional(get('prefix'), parsePrefix, d.prefix),
    maxInput,
    maxOutput,
    classes: optional(get('classes'), parseClasses, d.classes),
    tenants: optional(get('tenants'), parseTenants, d.tenants),
    service: optional(get('service'), parseService, d.service),
  }
}

function isKey(k: string): k is Key {
  return (SYNTHETIC_KEYS as ReadonlyArray<string>).includes(k)
}

function specError(msg: string): UsageError {
  return new UsageError(`synthetic trace: ${msg}`)
}

function optional<T>(raw: string | undefined, parse: (v: string) => T, dflt: T): T {
  return raw === undefined ? dflt : parse(raw)
}

function number(key: string, raw: string): number {
  const v = raw.trim().length === 0 ? Number.NaN : Number(raw)
  if (!Number.isFinite(v)) throw specError(`'${key}' must be a number, got '${raw}'`)
  return v
}

function positive(key: string, raw: string): number {
  const v = number(key, raw)
  if (v <= 0) throw specError(`'${key}' must be positive, got '${raw}'`)
  return v
}

function positiveInt(key: string, raw: string): number {
  const v = positive(key, raw)
  if (!Number.isInteger(v)) throw specError(`'${key}' must be a positive integer, got '${raw}'`)
  return v
}

function parseRate(raw: string): number {
  if (/^(inf|infinity)$/i.test(raw)) return Number.POSITIVE_INFINITY
  const v = raw.trim().length === 0 ? Number.NaN : Number(raw)
  if (!(Number.isFinite(v) && v > 0)) {
    throw specError(`'rate' must be a positive number or inf, got '${raw}'`)
  }
  return v
}

/** params splits `name:k=v,k=v` into its name and a map, allowing only the listed parameters. */
function params(
  key: string,
  raw: string,
  allowed: Readonly<Record<string, ReadonlyArray<string>>>,
): { name: string; p: Map<string, string> } {
  const colon = raw.indexOf(':')
  const name = (colon === -1 ? raw : raw.slice(0, colon)).trim()
  const names = allowed[name]
  if (names === undefined) {
    const choices = Object.keys(allowed).join('|')
    throw specError(`'${key}' must be ${choices}, got '${raw}'`)
  }
  const p = new Map<string, string>()
  const rest = colon === -1 ? '' : raw.slice(colon + 1)
  for (const piece of rest.split(',')) {
    const token = piece.trim()
    if (token.length === 0) continue
    const eq = token.indexOf('=')
    const k = eq === -1 ? token : token.slice(0, eq).trim()
    if (eq === -1 || !names.includes(k)) {
      throw specError(`${key}=${name}: unknown parameter '${token}' (takes ${names.join(', ')})`)
    }
    p.set(k, token.slice(eq + 1).trim())
  }
  return { name, p }
}

function need(key: string, name: string, p: Map<string, string>, param: string): string {
  const v = p.get(param)
  if (v === undefined) throw specError(`${key}=${name} needs '${param}=...'`)
  return v
}

function parseArrival(raw: string): ArrivalProcess {
  const { name, p } = params('arrival', raw, { poisson: [], gamma: ['cv'] })
  if (name === 'poisson') return { kind: 'poisson' }
  return { kind: 'gamma', cv: positive('arrival.cv', need('arrival', name, p, 'cv')) }
}

function parseLength(key: 'input' | 'output', raw: string, max: number): LengthDist {
  if (/^[\d.]/.test(raw.trim())) {
    const value = Math.round(positive(key, raw))
    if (value > max) throw specError(`'${key}=${raw}' exceeds max-${key}=${max}; raise max-${key}`)
    return { kind: 'fixed', value: Math.max(1, value) }
  }
  const { name, p } = params(key, raw, { lognormal: ['mean', 'sigma'] })
  const mean = positive(`${key}.mean`, need(key, name, p, 'mean'))
  const sigma = number(`${key}.sigma`, need(key, name, p, 'sigma'))
  if (sigma < 0) throw specError(`'${key}.sigma' must be ≥ 0, got ${sigma}`)
  return { kind: 'lognormal', mean, sigma }
}

function parsePrefix(raw: string): PrefixSpec {
  const { name, p } = params('prefix', raw, { none: [], shared: ['groups', 'len', 'zipf'] })
  if (name === 'none') return { kind: 'none' }
  const zipfRaw = p.get('zipf')
  const zipf = zipfRaw === undefined ? 0 : number('prefix.zipf', zipfRaw)
  if (zipf < 0) throw specError(`'prefix.zipf' must be ≥ 0, got ${zipf}`)
  return {
    kind: 'shared',
    groups: positiveInt('prefix.groups', need('prefix', name, p, 'groups')),
    len: positiveInt('prefix.len', need('prefix', name, p, 'len')),
    zipf,
  }
}

function parseClasses(raw: string): number {
  const v = number('classes', raw)
  if (v < 0 || v > 1) throw specError(`'classes' must be a share between 0 and 1, got '${raw}'`)
  return v
}

function parseTenants(raw: string): TenantSpec {
  if (/^\d/.test(raw.trim())) return { kind: 'uniform', n: positiveInt('tenants', raw) }
  const { name, p } = params('tenants', raw, { zipf: ['n', 's'] })
  const s = number('tenants.s', need('tenants', name, p, 's'))
  if (s < 0) throw specError(`'tenants.s' must be ≥ 0, got ${s}`)
  return { kind: 'zipf', n: positiveInt('tenants.n', need('tenants', name, p, 'n')), s }
}

function parseService(raw: string): ServiceDist {
  if (/^[\d.]/.test(raw.trim())) return { kind: 'fixed', value: positive('service', raw) }
  const { name, p } = params('service', raw, { lognormal: ['mean', 'sigma'] })
  const mean = positive('service.mean', need('service', name, p, 'mean'))
  const sigma = number('service.sigma', need('service', name, p, 'sigma'))
  if (sigma < 0) throw specError(`'service.sigma' must be ≥ 0, got ${sigma}`)
  return { kind: 'lognormal', mean, sigma }
}
