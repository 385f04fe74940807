/**
 * @module The KV-retention registry: KV policies chosen by name, with options after colons:
 * `ttl-pin:ttl=30`, `ttl-pin:ttl=auto:max=120`, `host-offload:gb=64`. Colons, unlike commas and
 * `+`, survive `--compare` lists (`--compare kv=lru,kv=host-offload:gb=64`).
 */
import { UsageError } from '../../util/errors.js'
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

/** KV_OPTION_KEYS are the options each policy accepts. */
const KV_OPTION_KEYS: Record<KvName, ReadonlyArray<string>> = {
  lru: [],
  'ttl-pin': ['ttl', 'max'],
  'host-offload': ['gb'],
  'ttl-pin-offload': ['ttl', 'max', 'gb'],
}

/**
 * createKv builds a fresh KV policy from `name[:key=value]...` (a UsageError lists the valid
 * names, or says which option is wrong).
 */
export function createKv(spec: string): KvPolicy {
  const [name = '', ...parts] = spec.split(':')
  if (!Object.hasOwn(kvPolicies, name)) {
    throw new UsageError(
      `unknown kv policy '${name}' (valid: ${kvNames.join(', ')})`,
      'FL_ERR_UNKNOWN_POLICY',
    )
  }
  const kv = name as KvName
  return kvPolicies[kv](parseKvOptions(kv, spec, parts))
}

function parseKvOptions(name: KvName, spec: string, parts: ReadonlyArray<string>): KvOptions {
  const allowed = KV_OPTION_KEYS[name]
  const o: { ttlS?: number; adaptive?: boolean; maxTtlS?: number; hostGb?: number } = {}
  const bad = (why: string): UsageError =>
    new UsageError(`kv policy '${spec}': ${why}`, 'FL_ERR_BAD_POLICY_OPTION')
  for (const part of parts) {
    const eq = part.indexOf('=')
    const key = eq < 0 ? part : part.slice(0, eq)
    const value = eq < 0 ? '' : part.slice(eq + 1)
    if (!allowed.includes(key)) {
      const valid = allowed.length > 0 ? `valid: ${allowed.join(', ')}` : 'it takes none'
      throw bad(`unknown option '${key}' (${valid})`)
    }
    if (key === 'ttl' && value === 'auto') {
      o.adaptive = true
      continue
    }
    const x = Number(value)
    if (value === '' || !Number.isFinite(x) || x <= 0) {
      const unit = key === 'gb' ? 'GB' : 'seconds'
      throw bad(`${key} must be a positive number of ${unit}${key === 'ttl' ? " or 'auto'" : ''}`)
    }
    if (key === 'ttl') o.ttlS = x
    else if (key === 'max') o.maxTtlS = x
    else o.hostGb = x
  }
  return o
}
