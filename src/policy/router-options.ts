/**
 * @module The routers' options, one table per router (policy/options.ts reads them from a spec,
 * `weighted:prefix=1:queue=3`, or the gateway config's `router: { weighted: { prefix: 1 } }`).
 * Keys are the factories' fields in kebab-case; ranges are the ones each router's maths needs.
 */
import {
  atLeast,
  between,
  NO_OPTIONS,
  numberOption,
  type Option,
  type OptionTable,
} from './options.js'
import { LLMD_DEFAULTS } from './router/llm-d.js'

const weight = (field: string): Option => atLeast(field, 0, 'a weight ≥ 0')
const blocks = (field: string): Option =>
  numberOption(field, 'a whole number of blocks ≥ 1', (x) => Number.isInteger(x) && x >= 1)

/** someWeight refuses a set of weights that would all be 0 (every instance would score alike). */
function someWeight(defaults: Readonly<Record<string, number>>, keys: ReadonlyArray<string>) {
  return (f: Readonly<Record<string, unknown>>): string | undefined =>
    keys.some((k) => ((f[k] as number | undefined) ?? defaults[k] ?? 0) > 0)
      ? undefined
      : 'at least one weight must be > 0'
}

/** ROUTER_OPTIONS are each router's options; routers not listed take none. */
export const ROUTER_OPTIONS: Readonly<Record<string, OptionTable>> = {
  'round-robin': NO_OPTIONS,
  random: NO_OPTIONS,
  'least-outstanding': NO_OPTIONS,
  'least-kv': NO_OPTIONS,
  'power-of-two': NO_OPTIONS,
  'prefix-affinity': {
    options: {
      'prefix-blocks': blocks('prefixBlocks'),
      'load-factor': numberOption('loadFactor', 'a factor > 1', (x) => x > 1 && Number.isFinite(x)),
      'virtual-nodes': numberOption(
        'virtualNodes',
        'a whole number of ring points ≥ 1',
        (x) => Number.isInteger(x) && x >= 1,
      ),
    },
  },
  weighted: {
    options: { prefix: weight('prefix'), queue: weight('queue'), kv: weight('kv') },
    check: someWeight({ prefix: 2, queue: 2, kv: 1 }, ['prefix', 'queue', 'kv']),
  },
  'llm-d': {
    options: {
      prefix: weight('prefix'),
      queue: weight('queue'),
      kv: weight('kv'),
      running: weight('running'),
      lora: weight('lora'),
      'kv-threshold': between('kvThreshold', 0, 1, 'a number in [0, 1]'),
    },
    check: someWeight(LLMD_DEFAULTS, ['prefix', 'queue', 'kv', 'running', 'lora']),
  },
  'aibrix-prefix': {
    options: {
      'imbalance-threshold': atLeast('imbalanceThreshold', 0, 'a number of requests ≥ 0'),
      'match-threshold': between('matchThreshold', 0, 1, 'a number in [0, 1]'),
      'std-dev-factor': atLeast('stdDevFactor', 0, 'a number of standard deviations ≥ 0'),
    },
  },
  dynamo: {
    options: {
      'overlap-weight': weight('overlapWeight'),
      temperature: atLeast('temperature', 0, 'a temperature ≥ 0'),
    },
  },
  dualmap: {
    options: {
      'prefix-blocks': blocks('prefixBlocks'),
      'hot-factor': numberOption('hotFactor', 'a factor > 1', (x) => x > 1 && Number.isFinite(x)),
    },
  },
  'predicted-latency': NO_OPTIONS,
  llumnix: NO_OPTIONS,
}
