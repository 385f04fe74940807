/**
 * @module The KV-retention registry: KV policies chosen by name, with options after colons:
 * `ttl-pin:ttl=30`, `ttl-pin:ttl=auto:max=120`, `host-offload:gb=64`. Colons, unlike commas and
 * `+`, survive `--compare` lists (`--compare kv=lru,kv=host-offload:gb=64`).
 */
import { z } from 'zod'
import { UsageError } from '../../util/errors.js'
import {
  NO_OPTIONS,
  type Option,
  type OptionTable,
  positive,
  readOptions,
  splitSpec,
} from '../options.js'
import { createHostOffload, type HostOffloadOptions } from './host-offload.js'
import { createTtlPin, type TtlPinOptions } from './ttl-pin.js'
import type { KvPolicy } from './types.js'

/** KvOptions are every KV policy's options; each policy reads its own. */
type KvOptions = TtlPinOptions & HostOffloadOptions

/** kvPolicies maps each KV-retention policy's name to its factory (a fresh instance each). */
export const kvPolicies = {
  lru: (): KvPolicy => ({ name: 'lru' }),
  'ttl-pin': (o: KvOptions = {}): KvPolicy => createTtlPin(o),
  'host-offload': (o: KvOptions = {}): KvPolicy => createHostOffload(o),
  'ttl-pin-offload': (o: KvOptions = {}): KvPolicy => {
    const pin = createTtlPin(o)
    return { ...pin, ...createHostOffload(o), name: 'ttl-pin-offload' }
  },
} satisfies Record<string, (o?: KvOptions) => KvPolicy>

/** KvName is a registered KV policy's name. */
export type KvName = keyof typeof kvPolicies

/** kvSummaries are the one-line descriptions `flotilla policies` prints. */
export const kvSummaries = {
  lru: "free cached blocks are evicted least recently used first, as vLLM's prefix cache (the default)",
  'ttl-pin':
    "Continuum: pin a finished session turn's KV for a TTL so the next turn hits it (ttl=S|auto, max=S)",
  'host-offload':
    'spill evicted KV to a host-DRAM LRU tier and reload hits over PCIe, as vLLM CPU offload/LMCache (gb=N)',
  'ttl-pin-offload':
    'ttl-pin and host-offload together: pins keep session turns on GPU, evictions spill to host',
} satisfies Record<KvName, string>

/** kvNames lists the registered KV policies in registry order. */
export const kvNames = Object.keys(kvPolicies) as KvName[]

/**
 * ttl is a TTL in seconds, or `auto` (Continuum's adaptive TTL): one key, two fields.
 */
const ttl: Option = {
  field: 'ttl',
  schema: z.custom<'auto' | number>(
    (v) => v === 'auto' || (typeof v === 'number' && v > 0 && Number.isFinite(v)),
    { error: "must be a positive number of seconds or 'auto'" },
  ),
  takes: "a positive number of seconds or 'auto'",
}
const maxTtl = positive('maxTtlS', 'a positive number of seconds')
const hostGb = positive('hostGb', 'a positive number of GB')

/** KV_OPTIONS are the options each policy accepts (policy/options.ts reads them). */
export const KV_OPTIONS: Record<KvName, OptionTable> = {
  lru: NO_OPTIONS,
  'ttl-pin': { options: { ttl, max: maxTtl } },
  'host-offload': { options: { gb: hostGb } },
  'ttl-pin-offload': { options: { ttl, max: maxTtl, gb: hostGb } },
}

/**
 * createKv builds a fresh KV policy from `name[:key=value]...` (a UsageError lists the valid
 * names, or says which option is wrong).
 */
export function createKv(spec: string): KvPolicy {
  const { name, raw } = splitSpec(spec)
  if (!Object.hasOwn(kvPolicies, name)) {
    throw new UsageError(
      `unknown kv policy '${name}' (valid: ${kvNames.join(', ')})`,
      'FL_ERR_UNKNOWN_POLICY',
    )
  }
  const kv = name as KvName
  const { ttl: t, ...rest } = readOptions(`kv policy '${spec}'`, KV_OPTIONS[kv], raw)
  const o: KvOptions = {
    ...(rest as KvOptions),
    ...(t === 'auto' ? { adaptive: true } : t !== undefined ? { ttlS: t as number } : {}),
  }
  return kvPolicies[kv](o)
}
