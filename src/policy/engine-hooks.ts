/**
 * @module The policies an engine consults besides its built-in vLLM behaviour. Each is optional:
 * an engine without hooks is plain vLLM v1 (FCFS admission, LRU of free cached blocks). Declared
 * here, beside the policies, so that the engine depends on policy and never the reverse.
 */
import type { AdmissionPolicy } from './admission/types.js'
import type { KvPolicy } from './kv/types.js'

/** EngineHooks are one engine's own policy instances (they may keep per-engine state). */
export interface EngineHooks {
  readonly admission?: AdmissionPolicy
  readonly kv?: KvPolicy
}
