/**
 * @module OpenAI-style API errors: every failure the emulator or the gateway answers is a JSON body
 * `{error: {message, type, param, code}}` with a matching HTTP status, as OpenAI and vLLM send.
 */

/** ApiErrorType is OpenAI's `error.type`. */
export type ApiErrorType = 'invalid_request_error' | 'server_error'

/** ApiError is a request failure with its HTTP status and OpenAI error fields. */
export class ApiError extends Error {
  readonly status: number
  readonly type: ApiErrorType
  readonly param: string | null
  readonly code: string | null

  constructor(
    status: number,
    message: string,
    opts: { type?: ApiErrorType; param?: string | null; code?: string | null } = {},
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.type = opts.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error')
    this.param = opts.param ?? null
    this.code = opts.code ?? null
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
