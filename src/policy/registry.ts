/** @module The policy registry: every policy chosen by name (CLI flags, gateway config, reports). */
import { UsageError } from '../util/errors.js'
import { admissionNames, admissionSummaries } from './admission/registry.js'
import { KV_OPTIONS, kvNames, kvSummaries } from './kv/registry.js'
import {
  describeOptions,
  NO_OPTIONS,
  type OptionInfo,
  type OptionTable,
  readOptions,
  splitSpec,
} from './options.js'
import { createAibrixPrefix } from './router/aibrix-prefix.js'
import { createDualMap } from './router/dualmap.js'
import { createDynamo } from './router/dynamo.js'
import { createLeastKv } from './router/least-kv.js'
import { createLeastOutstanding } from './router/least-outstanding.js'
import { createLlmd } from './router/llm-d.js'
import { createLlumnix } from './router/llumnix.js'
import { createPowerOfTwo } from './router/power-of-two.js'
import { createPredictedLatency } from './router/predicted-latency.js'
import { createPrefixAffinity } from './router/prefix-affinity.js'
import { createRandom } from './router/random.js'
import { createRoundRobin } from './router/round-robin.js'
import { createWeighted } from './router/weighted.js'
import { ROUTER_OPTIONS } from './router-options.js'
import { SCALER_OPTIONS, scalerNames, scalerSummaries } from './scaler/registry.js'
import type { RoutingPolicy } from './types.js'

export type { AibrixPrefixOptions } from './router/aibrix-prefix.js'
export type { DualMapOptions } from './router/dualmap.js'
export type { DynamoOptions } from './router/dynamo.js'
export type { LlmdOptions } from './router/llm-d.js'
export type { PrefixAffinityOptions } from './router/prefix-affinity.js'
export type { WeightedOptions } from './router/weighted.js'

/**
 * routingPolicies maps each router name to its factory. Every factory takes its options as an
 * optional argument (validated at the edge), so `createRouter(name)` always works.
 */
export const routingPolicies = {
  'round-robin': createRoundRobin,
  random: createRandom,
  'least-outstanding': createLeastOutstanding,
  'least-kv': createLeastKv,
  'power-of-two': createPowerOfTwo,
  'prefix-affinity': createPrefixAffinity,
  weighted: createWeighted,
  'llm-d': createLlmd,
  'aibrix-prefix': createAibrixPrefix,
  dynamo: createDynamo,
  dualmap: createDualMap,
  'predicted-latency': createPredictedLatency,
  llumnix: createLlumnix,
} satisfies Record<string, (opts?: never) => RoutingPolicy>

/** RouterName is a registered router's name. */
export type RouterName = keyof typeof routingPolicies

/** RouterOptions is each router's options type (`never` for routers that take none). */
export type RouterOptions = {
  [N in RouterName]: NonNullable<Parameters<(typeof routingPolicies)[N]>[0]>
}

/** AnyRouterOptions is the options of some router, for callers holding a name as a string. */
export type AnyRouterOptions = RouterOptions[RouterName]

const routerSummaries = {
  'round-robin': 'cycles over ready instances in id order',
  random: 'uniform over ready instances (seeded)',
  'least-outstanding': 'fewest in-flight requests; ties take turns',
  'least-kv': 'lowest KV-cache usage, then fewest in-flight requests',
  'power-of-two': 'less loaded of two random ready instances',
  'prefix-affinity':
    'consistent hash of the first 64 prompt blocks, spilling to least-loaded above 1.5x mean load',
  weighted:
    'min-max normalised scores, prefix-cache match : in-flight queue : KV usage weighted 2:2:1',
  'llm-d':
    "llm-d's scheduler: LoRA and KV>80% filters, then prefix-match : queue : KV-free scores 2:2:1",
  'aibrix-prefix':
    "AIBrix's prefix-cache rule: least-loaded if loads differ by >8, else longest match under mean+2σ",
  dynamo:
    "NVIDIA Dynamo's KV router: least overlap-weighted uncached prefill blocks + KV blocks in use",
  dualmap:
    'DualMap: prefix hashes to two instances; better predicted TTFT, spilling when both overloaded',
  'predicted-latency':
    'most SLO headroom from predicted TTFT and TPOT (perf model); fastest TTFT when none meets it',
  llumnix:
    'Llumnix: most free KV (remaining decode steps); live-migrates requests off nearly full instances',
} satisfies Record<RouterName, string>

/** routerNames lists the registered router names in registry order. */
export const routerNames = Object.keys(routingPolicies) as RouterName[]

/** isRouterName says whether `name` is a registered router. */
export function isRouterName(name: string): name is RouterName {
  return Object.hasOwn(routingPolicies, name)
}

/**
 * createRouter builds a fresh router (its own state) by name; it throws a `UsageError` naming the
 * valid routers when `name` is not one. Options must already be validated.
 */
export function createRouter<N extends RouterName>(name: N, opts?: RouterOptions[N]): RoutingPolicy
export function createRouter(name: string, opts?: AnyRouterOptions): RoutingPolicy
export function createRouter(name: string, opts?: AnyRouterOptions): RoutingPolicy {
  if (!isRouterName(name)) {
    throw new UsageError(
      `unknown router '${name}' (valid: ${routerNames.join(', ')})`,
      'FL_ERR_UNKNOWN_POLICY',
    )
  }
  // Each factory takes only its own options; the overloads tie options to names for typed callers.
  const create = routingPolicies[name] as (opts?: AnyRouterOptions) => RoutingPolicy
  return create(opts)
}

/**
 * createRouterFromSpec builds a router from `name[:key=value]...` (the CLI's form); a UsageError
 * names the valid routers, or the option that is wrong and what it takes.
 */
export function createRouterFromSpec(spec: string): RoutingPolicy {
  const { name, raw } = splitSpec(spec)
  return createRouterWith(name, raw, `router '${spec}'`)
}

/**
 * createRouterWith builds router `name` from raw options (a spec's, or a YAML object's, whose
 * keys may use underscores); `label` starts any error.
 */
export function createRouterWith(
  name: string,
  raw: Readonly<Record<string, unknown>>,
  label = `router '${name}'`,
): RoutingPolicy {
  if (!isRouterName(name)) return createRouter(name) // throws the unknown-router error
  const options = readOptions(label, ROUTER_OPTIONS[name] ?? NO_OPTIONS, raw) as AnyRouterOptions
  return createRouter(name, Object.keys(options).length > 0 ? options : undefined)
}

/** PolicyKind is a family of policies; each has its own registry and CLI flag. */
export type PolicyKind = 'router' | 'admission' | 'kv' | 'scaler'

/** PolicyInfo describes one registered policy for `flotilla policies`. */
export interface PolicyInfo {
  readonly kind: PolicyKind
  readonly name: string
  readonly summary: string
  /** options are the keys a spec or YAML object may set (`weighted:prefix=1`), in table order. */
  readonly options: ReadonlyArray<OptionInfo>
}

/** info builds one entry of the listing. */
function info(kind: PolicyKind, name: string, summary: string, table?: OptionTable): PolicyInfo {
  return { kind, name, summary, options: describeOptions(table ?? NO_OPTIONS) }
}

/** listPolicies returns every registered policy with a one-line summary, routers first. */
export function listPolicies(): PolicyInfo[] {
  return [
    ...routerNames.map((n) => info('router', n, routerSummaries[n], ROUTER_OPTIONS[n])),
    ...admissionNames.map((n) => info('admission', n, admissionSummaries[n])),
    ...kvNames.map((n) => info('kv', n, kvSummaries[n], KV_OPTIONS[n])),
    ...scalerNames.map((n) => info('scaler', n, scalerSummaries[n], SCALER_OPTIONS[n])),
  ]
}
