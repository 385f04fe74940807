/**
 * @module The admission and in-engine scheduling seam: which waiting request an engine starts next,
 * and whether it starts at all. (Filled in by the admission policies; FCFS is the engine's built-in
 * order and needs no policy object.)
 */

/** AdmissionPolicy decides the order and admission of an engine's waiting requests. */
export interface AdmissionPolicy {
  readonly name: string
}
