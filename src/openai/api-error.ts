/**
 * @module OpenAI-style API errors: every failure the emulator or the gateway answers is a JSON body
 * `{error: {message, type, param, code}}` with a matching HTTP status, as OpenAI and vLLM send.
 */

/**
 * ApiErrorType is OpenAI's `error.type`. The gateway adds `rate_limit_exceeded` for its 429s
 * (OpenAI itself writes `requests` or `tokens` there, with `code: 'rate_limit_exceeded'`).
 */
export type ApiErrorType = 'invalid_request_error' | 'server_error' | 'rate_limit_exceeded'

/** ApiError is a request failure with its HTTP status and OpenAI error fields. */
export class ApiError extends Error {
  readonly status: number
  readonly type: ApiErrorType
  readonly param: string | null
  readonly code: string | null
  /** Seconds a client should wait before retrying (429, 503): sent as `Retry-After`. */
  readonly retryAfter: number | undefined

  constructor(
    status: number,
    message: string,
    opts: {
      type?: ApiErrorType
      param?: string | null
      code?: string | null
      retryAfter?: number
    } = {},
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.type = opts.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error')
    this.param = opts.param ?? null
    this.code = opts.code ?? null
    // An integer ≥ 1: RFC 9110 allows only whole seconds, and 0 invites a hot retry loop.
    this.retryAfter =
      opts.retryAfter === undefined ? undefined : Math.max(1, Math.ceil(opts.retryAfter))
  }

  /** body is the JSON the client receives. */
  body(): string {
    return JSON.stringify({
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    })
  }
}

/** badRequest is a 400 invalid_request_error about `param`. */
export function badRequest(message: string, param: string | null = null, code = 'invalid_value') {
  return new ApiError(400, message, { param, code })
}
