/** @module The admission-policy registry: engine scheduling policies chosen by name. */
import { UsageError } from '../../util/errors.js'
import type { AdmissionPolicy } from './types.js'

/** admissionPolicies maps each admission policy's name to its factory (a fresh instance each). */
export const admissionPolicies = {
  fcfs: (): AdmissionPolicy => ({ name: 'fcfs' }),
} satisfies Record<string, () => AdmissionPolicy>

/** AdmissionName is a registered admission policy's name. */
export type AdmissionName = keyof typeof admissionPolicies

/** admissionSummaries are the one-line descriptions `flotilla policies` prints. */
export const admissionSummaries = {
  fcfs: "first come, first served, as vLLM v1's scheduler (the default)",
} satisfies Record<AdmissionName, string>

/** admissionNames lists the registered admission policies in registry order. */
export const admissionNames = Object.keys(admissionPolicies) as AdmissionName[]

/** createAdmission builds a fresh admission policy by name (a UsageError lists the valid ones). */
export function createAdmission(name: string): AdmissionPolicy {
  if (!Object.hasOwn(admissionPolicies, name)) {
    throw new UsageError(
      `unknown admission policy '${name}' (valid: ${admissionNames.join(', ')})`,
      'FL_ERR_UNKNOWN_POLICY',
    )
  }
  return admissionPolicies[name as AdmissionName]()
}
