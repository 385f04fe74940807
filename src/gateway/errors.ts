/**
 * @module The gateway's own error answers, each an OpenAI-style body with its status and a code
 * a client can switch on. 429s and 503s carry `Retry-After`.
 */
import { ApiError } from '../openai/api-error.js'

/** rateLimited is a 429 in OpenAI's shape, with its Retry-After (seconds). */
export function rateLimited(message: string, code: string, retryAfter: number): ApiError {
  return new ApiError(429, message, { type: 'rate_limit_exceeded', code, retryAfter })
}

/** modelNotFound is OpenAI's 404 for a model no pool serves. */
export function modelNotFound(model: string): ApiError {
  return new ApiError(404, `The model \`${model}\` does not exist.`, {
    param: 'model',
    code: 'model_not_found',
  })
}

/** noHealthyBackend is a 503: every backend of the pool is down or ejected. */
export function noHealthyBackend(model: string): ApiError {
  return new ApiError(503, `no healthy backend for model '${model}'`, {
    code: 'no_healthy_backend',
    retryAfter: 1,
  })
}

/** upstreamFailed is a 502: the attempts failed before anything reached the client. */
export function upstreamFailed(model: string, attempts: number, detail: string): ApiError {
  return new ApiError(
    502,
    `the backend for model '${model}' failed after ${attempts} attempt(s): ${detail}`,
    { code: 'upstream_error' },
  )
}

/** upstreamTimeout is a 504 before the first byte. */
export function upstreamTimeout(detail: string): ApiError {
  return new ApiError(504, detail, { code: 'upstream_timeout' })
}

/** queueFull is the 429 for a full fair queue. */
export function queueFull(model: string, capacity: number): ApiError {
  return rateLimited(
    `The gateway queue for model '${model}' is full (${capacity} waiting); every backend is ` +
      'saturated. Retry shortly.',
    'queue_full',
    1,
  )
}

/** queueTimeout is the 429 for a request that waited queue.max_wait_s. */
export function queueTimeout(model: string, waited: number): ApiError {
  return rateLimited(
    `Waited ${waited} s in the gateway queue for model '${model}' without a free backend. ` +
      'Retry later.',
    'queue_timeout',
    1,
  )
}

/** internalError is a 500 for a gateway bug (the details go to the log, not the client). */
export function internalError(): ApiError {
  return new ApiError(500, 'internal error in the gateway', { code: 'internal_error' })
}

/**
 * tokensExhausted ends a stream that ran past its reservation while the tenant's bucket was
 * empty: sent as the stream's last frame, a 429 in body only (the head already said 200).
 */
export function tokensExhausted(tenant: string, perMinute: number, delivered: number): ApiError {
  return rateLimited(
    `Rate limit reached for tenant '${tenant}' on tokens per minute (limit ${perMinute}): the ` +
      `answer was cut after ${delivered} output tokens. Set max_tokens to stay within the limit.`,
    'tokens_per_minute',
    1,
  )
}

/** contextExceeded is the 400 for a request that surely cannot fit the model's context window. */
export function contextExceeded(
  model: string,
  context: number,
  promptTokens: number,
  maxTokens: number | undefined,
): ApiError {
  const asked = maxTokens === undefined ? '' : ` and ${maxTokens} in the completion`
  return new ApiError(
    400,
    `This model's maximum context length is ${context} tokens. However, you requested about ` +
      `${promptTokens} tokens in the prompt${asked} (model '${model}'). Shorten the prompt or ` +
      'lower max_tokens.',
    { param: maxTokens === undefined ? 'messages' : 'max_tokens', code: 'context_length_exceeded' },
  )
}

/** shuttingDown is the 503 for requests still running or waiting when the drain timeout ends. */
export function shuttingDown(): ApiError {
  return new ApiError(503, 'the gateway is shutting down', {
    code: 'shutting_down',
    retryAfter: 1,
  })
}
