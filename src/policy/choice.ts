/**
 * @module A run's policies, one per kind, chosen by name: parsed from CLI flags and `--compare`
 * items (`router=x`, `admission=y`, `kv=z`, `scaler=s`, joined with `+`), validated up front, and
 * turned into the objects a simulation needs (one router and one scaler for the fleet; admission
 * and KV policies per engine, since they may keep per-engine state).
 */

import { UsageError } from '../util/errors.js'
import { createAdmission } from './admission/registry.js'
import type { EngineHooks } from './engine-hooks.js'
import { createKv } from './kv/registry.js'
import { createRouterFromSpec } from './registry.js'
import { createScaler, scalerLabel } from './scaler/registry.js'
import type { Scaler } from './scaler/types.js'
import type { RoutingPolicy } from './types.js'

/** PolicyChoice names one policy of each kind. */
export interface PolicyChoice {
  readonly router: string
  readonly admission: string
  readonly kv: string
  /** A scaler spec (`kpa`, `kpa:util=0.5`); 'none' or absent: a fixed fleet. */
  readonly scaler?: string
}

/** NO_SCALER names the fixed fleet: no scaler runs. */
export const NO_SCALER = 'none'

/** DEFAULT_CHOICE is vLLM behind a least-outstanding router, on a fixed fleet. */
export const DEFAULT_CHOICE: PolicyChoice = {
  router: 'least-outstanding',
  admission: 'fcfs',
  kv: 'lru',
  scaler: NO_SCALER,
}

/** CHOICE_KINDS are the kinds a `--compare` item may name. */
const CHOICE_KINDS = ['router', 'admission', 'kv', 'scaler'] as const

/** scales says whether a choice runs a scaler. */
function scales(c: PolicyChoice): c is PolicyChoice & { readonly scaler: string } {
  return c.scaler !== undefined && c.scaler !== NO_SCALER
}

/**
 * validateChoice throws a UsageError when any name is not registered, naming the flag (`--router`
 * …) or, with `where`, the place the whole choice came from.
 */
export function validateChoice(c: PolicyChoice, where?: string): void {
  const check = (flag: string, create: () => unknown): void => {
    try {
      create()
    } catch (err) {
      if (err instanceof UsageError)
        throw new UsageError(`${where ?? flag}: ${err.message}`, err.code)
      throw err
    }
  }
  check('--router', () => createRouterFromSpec(c.router))
  check('--admission', () => createAdmission(c.admission))
  check('--kv', () => createKv(c.kv))
  if (scales(c)) check('--scaler', () => createScaler(c.scaler))
}

/**
 * parseCompareItems turns `--compare` items into choices, each starting from `base`: a bare name
 * is a router; `kind=name` names another kind; `+` combines several kinds in one item
 * (`router=dualmap+admission=past-future`). `flag` names the option in errors (`--policies`).
 */
export function parseCompareItems(
  raw: string,
  base: PolicyChoice,
  flag = '--compare',
): PolicyChoice[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (items.length === 0) throw new UsageError(`${flag}: expected a comma-separated list`)
  return items.map((item) => {
    const c = parseChoiceItem(item, base, flag)
    validateChoice(c, flag)
    return c
  })
}

/**
 * parseChoiceItem reads one item: `+`-joined parts, each `kind=spec` or a bare router spec
 * (`weighted:prefix=1`).
 */
function parseChoiceItem(item: string, base: PolicyChoice, flag: string): PolicyChoice {
  const named = new Set<string>()
  let c = base
  for (const raw of item.split('+')) {
    const part = raw.trim()
    if (part === '') throw new UsageError(`${flag}: empty policy name in '${item}'`)
    // A bare router spec carries options after a colon (`weighted:prefix=1`): an '=' after the
    // first ':' is an option's, not the `kind=` prefix's.
    const colon = part.indexOf(':')
    const first = part.indexOf('=')
    const eq = colon >= 0 && colon < first ? -1 : first
    const kind = eq < 0 ? 'router' : part.slice(0, eq).trim()
    const name = eq < 0 ? part : part.slice(eq + 1).trim()
    if (!(CHOICE_KINDS as ReadonlyArray<string>).includes(kind)) {
      throw new UsageError(
        `${flag}: unknown policy kind '${kind}' in '${item}' (valid: ${CHOICE_KINDS.join(', ')})`,
      )
    }
    if (named.has(kind)) throw new UsageError(`${flag}: '${item}' names a ${kind} twice`)
    named.add(kind)
    c = { ...c, [kind]: name }
  }
  return c
}

/**
 * choiceLabel names a choice by what differs from the default, e.g. "dualmap+past-future" or
 * "least-outstanding+kpa:util=0.5".
 */
export function choiceLabel(c: PolicyChoice): string {
  const parts = [c.router]
  if (c.admission !== DEFAULT_CHOICE.admission) parts.push(c.admission)
  if (c.kv !== DEFAULT_CHOICE.kv) parts.push(c.kv)
  if (scales(c)) parts.push(scalerLabel(c.scaler))
  return parts.join('+')
}

/**
 * Resolved is a choice turned into what `simulate` takes: the router, a per-engine hooks factory,
 * the scaler when one runs, and the summary's labels.
 */
export interface Resolved {
  readonly router: RoutingPolicy
  readonly hooks: () => EngineHooks
  readonly scaler?: Scaler
  readonly label: {
    readonly policy: string
    readonly admission: string
    readonly kv: string
    /** The scaler's normalised spec, when one runs. */
    readonly scaler?: string
  }
}

/** resolveChoice builds fresh policy objects for one run. */
export function resolveChoice(c: PolicyChoice): Resolved {
  const label = { policy: choiceLabel(c), admission: c.admission, kv: c.kv }
  const base = {
    router: createRouterFromSpec(c.router),
    hooks: () => ({ admission: createAdmission(c.admission), kv: createKv(c.kv) }),
  }
  if (!scales(c)) return { ...base, label }
  return {
    ...base,
    scaler: createScaler(c.scaler),
    label: { ...label, scaler: scalerLabel(c.scaler) },
  }
}
