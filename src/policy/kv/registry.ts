/** @module The KV-retention registry: KV policies chosen by name. */
import { UsageError } from '../../util/errors.js'
import type { KvPolicy } from './types.js'

/** kvPolicies maps each KV-retention policy's name to its factory (a fresh instance each). */
export const kvPolicies = {
  lru: (): KvPolicy => ({ name: 'lru' }),
} satisfies Record<string, () => KvPolicy>

/** KvName is a registered KV policy's name. */
export type KvName = keyof typeof kvPolicies

/** kvSummaries are the one-line descriptions `flotilla policies` prints. */
export const kvSummaries = {
  lru: "free cached blocks are evicted least recently used first, as vLLM's prefix cache (the default)",
} satisfies Record<KvName, string>

/** kvNames lists the registered KV policies in registry order. */
export const kvNames = Object.keys(kvPolicies) as KvName[]

/** createKv builds a fresh KV policy by name (a UsageError lists the valid ones). */
export function createKv(name: string): KvPolicy {
  if (!Object.hasOwn(kvPolicies, name)) {
    throw new UsageError(
      `unknown kv policy '${name}' (valid: ${kvNames.join(', ')})`,
      'FL_ERR_UNKNOWN_POLICY',
    )
  }
  return kvPolicies[name as KvName]()
}
