/**
 * @module The scaler registry: scaling policies chosen by name, with options after colons:
 * `kpa`, `kpa:util=0.5`, `kpa:window=30:delay=120`. Colons, unlike commas and `+`, survive
 * `--compare` lists (`--compare scaler=kpa,scaler=kpa:util=0.5`).
 */
import { UsageError } from '../../util/errors.js'
import {
  atLeast,
  between,
  formatSpec,
  fraction,
  numberOption,
  type Option,
  type OptionTable,
  positive,
  readOptions,
  splitSpec,
  wholeBetween,
} from '../options.js'
import { createHeteroScale, type HeteroScaleOptions } from './heteroscale.js'
import { createHpa, type HpaOptions } from './hpa.js'
import { createKpa, type KpaOptions } from './kpa.js'
import { createPredictive, type PredictiveOptions } from './predictive.js'
import { createQLearning, type QLearningOptions } from './q-learning.js'
import type { Scaler } from './types.js'

const seconds = (field: string): Option => positive(field, 'a positive number of seconds')
const secondsOrZero = (field: string): Option => atLeast(field, 0, 'a number of seconds ≥ 0')
const unit = (field: string): Option => between(field, 0, 1, 'a number in [0, 1]')

/**
 * SCALER_OPTIONS are the options each scaler accepts, keyed by their spec names (policy/options.ts
 * reads them from a spec or a YAML object). Ranges follow the systems' own validation where they
 * have one (Knative's config-autoscaler checks).
 */
export const SCALER_OPTIONS = {
  kpa: {
    options: {
      util: fraction('util'),
      target: positive('target', 'a positive number of requests'),
      window: seconds('window'),
      'panic-window': numberOption(
        'panicWindowPct',
        'a percentage in (0, 100]',
        (x) => x > 0 && x <= 100,
      ),
      // Knative accepts panic-threshold-percentage in [110, 1000].
      panic: between('panic', 1.1, 10, 'a ratio in [1.1, 10]'),
      up: atLeast('maxUp', 1, 'a rate ≥ 1'),
      down: atLeast('maxDown', 1, 'a rate ≥ 1'),
      delay: secondsOrZero('delay'),
      grace: secondsOrZero('grace'),
      tick: seconds('tick'),
    },
  },
  hpa: {
    options: {
      util: fraction('util'),
      tolerance: between('tolerance', 0, 0.99, 'a number in [0, 0.99]'),
      sync: seconds('sync'),
      window: secondsOrZero('window'),
    },
  },
  predictive: {
    options: {
      season: seconds('season'),
      step: seconds('step'),
      alpha: fraction('alpha'),
      beta: fraction('beta'),
      gamma: fraction('gamma'),
      util: fraction('util'),
    },
  },
  'q-learning': {
    options: {
      epoch: seconds('epoch'),
      alpha: fraction('alpha'),
      gamma: between('gamma', 0, 0.99, 'a number in [0, 0.99]'),
      epsilon: unit('epsilon'),
      decay: fraction('decay'),
      'min-epsilon': unit('minEpsilon'),
      miss: atLeast('miss', 0, 'a weight ≥ 0'),
      seed: wholeBetween('seed', 0, 2 ** 32 - 1, 'a whole number in [0, 2^32)'),
    },
  },
  heteroscale: {
    options: {
      tps: positive('tps', 'a positive number of tokens/s'),
      util: fraction('util'),
      ratio: positive('ratio', 'a positive number of prefill replicas per decode replica'),
      window: seconds('window'),
      down: secondsOrZero('down'),
      tick: seconds('tick'),
    },
  },
} satisfies Record<string, OptionTable>

/** scalerPolicies maps each scaler's name to its factory (a fresh instance, own state, each). */
export const scalerPolicies = {
  kpa: (o: KpaOptions = {}): Scaler => createKpa(o),
  hpa: (o: HpaOptions = {}): Scaler => createHpa(o),
  predictive: (o: PredictiveOptions = {}): Scaler => createPredictive(o),
  'q-learning': (o: QLearningOptions = {}): Scaler => createQLearning(o),
  heteroscale: (o: HeteroScaleOptions = {}): Scaler => createHeteroScale(o),
} satisfies Record<keyof typeof SCALER_OPTIONS, (o?: never) => Scaler>

/** ScalerName is a registered scaler's name. */
export type ScalerName = keyof typeof scalerPolicies

/** scalerSummaries are the one-line descriptions `flotilla policies` prints. */
export const scalerSummaries = {
  kpa: "Knative's KPA: concurrency over 60 s (6 s panic) / (cc × 0.7) every 2 s; to zero after 60 s idle + 30 s grace",
  hpa: 'Kubernetes HPA: ceil(replicas × utilisation / 0.7) every 15 s, ±10% tolerance, 5-minute scale-down window',
  predictive:
    'Holt-Winters daily forecast of arrivals a cold start ahead × service time / (cc × 0.7), never below the KPA',
  'q-learning':
    "Q-learning tunes the KPA's per-replica target every 30 s for SLO-met completions per replica-second (CCGrid'21)",
  heteroscale:
    'HeteroScale: decode tokens/s sizes decode replicas; prefill follows at a fixed P:D ratio; 5-minute scale-down',
} satisfies Record<ScalerName, string>

/** scalerNames lists the registered scalers in registry order. */
export const scalerNames = Object.keys(scalerPolicies) as ScalerName[]

/**
 * SCALER_KNOBS name, for each scaler, the option its GPU-hours/SLO trade-off curve varies and the
 * values a scaling sweep tries. The default value is always among them.
 */
export const SCALER_KNOBS: Record<
  ScalerName,
  { readonly key: string; readonly grid: number[]; readonly default: number }
> = {
  // Target utilisation: lower buys headroom (replicas) for latency.
  kpa: { key: 'util', grid: [0.3, 0.5, 0.7, 0.9, 1.0], default: 0.7 },
  hpa: { key: 'util', grid: [0.3, 0.5, 0.7, 0.9, 1.0], default: 0.7 },
  predictive: { key: 'util', grid: [0.3, 0.5, 0.7, 0.9, 1.0], default: 0.7 },
  // The weight of an SLO miss in the reward: 0 maximises goodput per replica, more buys SLO.
  'q-learning': { key: 'miss', grid: [0, 0.5, 1, 2, 4], default: 0 },
  // The fraction of a decode replica's nominal token rate to load it to (tps= sets it absolutely).
  heteroscale: { key: 'util', grid: [0.3, 0.5, 0.7, 0.9, 1.0], default: 0.7 },
}

/** isScalerName says whether `name` is a registered scaler. */
export function isScalerName(name: string): name is ScalerName {
  return Object.hasOwn(scalerPolicies, name)
}

/**
 * createScaler builds a fresh scaler from `name[:key=value]...`; a UsageError names the valid
 * scalers, or says which option is wrong and what it takes.
 */
export function createScaler(spec: string): Scaler {
  const [name, options] = parseScalerSpec(spec)
  const create = scalerPolicies[name] as (o: Record<string, unknown>) => Scaler
  return create(options)
}

/**
 * scalerLabel normalises a spec for reports and result keys: the name, then its options in the
 * registry's order with numbers in canonical form (`kpa:window=30.0:util=.5` → `kpa:util=0.5:window=30`).
 */
export function scalerLabel(spec: string): string {
  const [name, options] = parseScalerSpec(spec)
  return formatSpec(name, SCALER_OPTIONS[name], options)
}

/**
 * scalerSpecOf writes a YAML object's scaler (`{ kpa: { util: 0.5 } }`: a name and raw options,
 * keys with dashes or underscores) as its normalised spec (`kpa:util=0.5`), validated by the same
 * table as a spec, so both forms get the same errors.
 */
export function scalerSpecOf(name: string, raw: Readonly<Record<string, unknown>>): string {
  if (!isScalerName(name)) return scalerLabel(name) // throws the unknown-scaler error
  const label = `scaler '${name}'`
  return formatSpec(name, SCALER_OPTIONS[name], readOptions(label, SCALER_OPTIONS[name], raw))
}

/** parseScalerSpec splits and validates a spec into a name and its factory options. */
function parseScalerSpec(spec: string): [ScalerName, Record<string, unknown>] {
  const { name, raw } = splitSpec(spec)
  if (!isScalerName(name)) {
    throw new UsageError(
      `unknown scaler '${name}' in '${spec}' (valid: ${scalerNames.join(', ')})`,
      'FL_ERR_UNKNOWN_POLICY',
    )
  }
  return [name, readOptions(`scaler '${spec}'`, SCALER_OPTIONS[name], raw)]
}
