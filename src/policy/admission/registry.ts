/** @module The admission-policy registry: engine scheduling policies chosen by name. */
import { UsageError } from '../../util/errors.js'
import { createFairShare } from './fair-share.js'
import { createFlowPrefill } from './flowprefill.js'
import { createLaps } from './laps.js'
import { createPastFuture } from './past-future.js'
import { createPriorityEdf } from './priority-edf.js'
import type { AdmissionPolicy } from './types.js'

/** admissionPolicies maps each admission policy's name to its factory (a fresh instance each). */
export const admissionPolicies = {
  // No queue: the engine keeps its built-in FCFS deque and makes no policy call.
  fcfs: (): AdmissionPolicy => ({ name: 'fcfs' }),
  'priority-edf': (): AdmissionPolicy => createPriorityEdf(),
  'past-future': (): AdmissionPolicy => createPastFuture(),
  laps: (): AdmissionPolicy => createLaps(),
  flowprefill: (): AdmissionPolicy => createFlowPrefill(),
  'fair-share': (): AdmissionPolicy => createFairShare(),
} satisfies Record<string, () => AdmissionPolicy>

/** AdmissionName is a registered admission policy's name. */
export type AdmissionName = keyof typeof admissionPolicies

/** admissionSummaries are the one-line descriptions `flotilla policies` prints. */
export const admissionSummaries = {
  fcfs: "first come, first served, as vLLM v1's scheduler (the default)",
  'priority-edf':
    'priority classes, earliest TTFT deadline first (arrival + class target); sheds requests far past it',
  'past-future':
    "admits only while the forecast peak KV (past output lengths) fits: fewer preemptions (ASPLOS'25)",
  laps: 'short prefills first; long ones released in batches by a wait window (LAPS)',
  flowprefill: 'short prefills first; a running long prefill steps aside for them (FlowPrefill)',
  'fair-share': "fair share across tenants by virtual token counters (VTC, OSDI'24)",
} satisfies Record<AdmissionName, string>

/** admissionNames lists the registered admission policies in registry order. */
export const admissionNames = Object.keys(admissionPolicies) as AdmissionName[]

/**
 * GATEWAY_ADMISSIONS are the policies a gateway pool queue can apply: they order requests by what
 * the gateway knows (arrival, tenant, class). The others decide on KV blocks and prefill chunks
 * inside an engine, which a gateway in front of real engines cannot see or steer.
 */
export const GATEWAY_ADMISSIONS = [
  'fcfs',
  'priority-edf',
  'fair-share',
] as const satisfies ReadonlyArray<AdmissionName>

/** GatewayAdmissionName is an admission policy the gateway queue applies. */
export type GatewayAdmissionName = (typeof GATEWAY_ADMISSIONS)[number]

/** isAdmissionName says whether `name` is a registered admission policy. */
export function isAdmissionName(name: string): name is AdmissionName {
  return Object.hasOwn(admissionPolicies, name)
}

/** createAdmission builds a fresh admission policy by name (a UsageError lists the valid ones). */
export function createAdmission(name: string): AdmissionPolicy {
  if (!isAdmissionName(name)) {
    throw new UsageError(
      `unknown admission policy '${name}' (valid: ${admissionNames.join(', ')})`,
      'FL_ERR_UNKNOWN_POLICY',
    )
  }
  return admissionPolicies[name]()
}
