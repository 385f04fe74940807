/**
 * @module The answers of a pool holding requests at zero replicas, in the gateway's OpenAI error
 * shape (errors.ts): 429 when the hold is full, 503 when a held request waited out
 * `hold.timeout_s`; both carry `Retry-After`, the expected cold start left.
 */
import { ApiError } from '../../openai/api-error.js'
import { rateLimited } from '../errors.js'

/** holdFull is the 429 for a request beyond hold.max_requests while no replica is ready. */
export function holdFull(model: string, held: number, retryAfter: number): ApiError {
  return rateLimited(
    `No replica of model '${model}' is ready yet and ${held} request(s) are already waiting for ` +
      `one; one is starting. Retry in about ${retryAfter} s.`,
    'scaling_from_zero',
    retryAfter,
  )
}

/** holdTimeout is the 503 for a request held `waited` seconds without a replica becoming ready. */
export function holdTimeout(model: string, waited: number, retryAfter: number): ApiError {
  return new ApiError(
    503,
    `No replica of model '${model}' became ready within ${waited} s (hold.timeout_s).`,
    { code: 'no_ready_replica', retryAfter },
  )
}
