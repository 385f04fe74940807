/**
 * @module The policies an engine consults besides its built-in vLLM behaviour. Each is optional:
 * an engine without hooks is plain vLLM v1 (FCFS admission, LRU of free cached blocks).
 */
import type { AdmissionPolicy } from '../policy/admission/types.js'
import type { KvPolicy } from '../policy/kv/types.js'

/** EngineHooks are one engine's own policy instances (they may keep per-engine state). */
export interface EngineHooks {
  readonly admission?: AdmissionPolicy
  readonly kv?: KvPolicy
}
