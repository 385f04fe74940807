/**
 * @module A run's policies, one per kind, chosen by name: parsed from CLI flags and `--compare`
 * items (`router=x`, `admission=y`, `kv=z`), validated up front, and turned into the objects a
 * simulation needs (one router for the fleet; admission and KV policies per engine, since they
 * may keep per-engine state).
 */
import type { EngineHooks } from '../engine/hooks.js'
import { UsageError } from '../util/errors.js'
import { createAdmission } from './admission/registry.js'
import { createKv } from './kv/registry.js'
import { createRouter } from './registry.js'
import type { RoutingPolicy } from './types.js'

/** PolicyChoice names one policy of each kind. */
export interface PolicyChoice {
  readonly router: string
  readonly admission: string
  readonly kv: string
}

/** DEFAULT_CHOICE is vLLM behind a least-outstanding router. */
export const DEFAULT_CHOICE: PolicyChoice = {
  router: 'least-outstanding',
  admission: 'fcfs',
  kv: 'lru',
}

/** CHOICE_KINDS are the kinds a `--compare` item may name. */
const CHOICE_KINDS = ['router', 'admission', 'kv'] as const

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
  check('--router', () => createRouter(c.router))
  check('--admission', () => createAdmission(c.admission))
  check('--kv', () => createKv(c.kv))
}

/**
 * parseCompareItems turns `--compare` items into choices, each differing from `base` in one kind:
 * a bare name is a router; `kind=name` names another kind.
 */
export function parseCompareItems(raw: string, base: PolicyChoice): PolicyChoice[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (items.length === 0) throw new UsageError('--compare: expected a comma-separated list')
  return items.map((item) => {
    const eq = item.indexOf('=')
    const kind = eq < 0 ? 'router' : item.slice(0, eq)
    const name = eq < 0 ? item : item.slice(eq + 1)
    if (!(CHOICE_KINDS as ReadonlyArray<string>).includes(kind)) {
      throw new UsageError(
        `--compare: unknown policy kind '${kind}' in '${item}' (valid: ${CHOICE_KINDS.join(', ')})`,
      )
    }
    const c = { ...base, [kind]: name } as PolicyChoice
    validateChoice(c, '--compare')
    return c
  })
}

/** choiceLabel names a choice by what differs from the default, e.g. "dualmap+past-future". */
export function choiceLabel(c: PolicyChoice): string {
  const parts = [c.router]
  if (c.admission !== DEFAULT_CHOICE.admission) parts.push(c.admission)
  if (c.kv !== DEFAULT_CHOICE.kv) parts.push(c.kv)
  return parts.join('+')
}

/** Resolved is a choice turned into objects: the router and a per-engine hooks factory. */
export interface Resolved {
  readonly router: RoutingPolicy
  readonly hooks: () => EngineHooks
}

/** resolveChoice builds fresh policy objects for one run. */
export function resolveChoice(c: PolicyChoice): Resolved {
  return {
    router: createRouter(c.router),
    hooks: () => ({ admission: createAdmission(c.admission), kv: createKv(c.kv) }),
  }
}
