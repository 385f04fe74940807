/**
 * @module What the gateway needs from a request body before routing it, computed in one place:
 * the body parsed and validated (the emulator's schema), and the prompt's estimated token count
 * and block hashes (the emulator's tokenizer and chat template, so they match its prefix cache
 * exactly and a real engine's approximately: see openai/tokenizer.ts). The prompt itself is
 * dropped: nothing after this step reads it, and the result crosses a thread boundary when the
 * body is large (body-workers.ts).
 */
import { ApiError } from '../openai/api-error.js'
import { renderChat } from '../openai/chat-template.js'
import { parseJson } from '../openai/read-body.js'
import {
  type GenerateRequest,
  parseChatRequest,
  parseCompletionRequest,
  type RequestSummary,
} from '../openai/request-schema.js'
import { tokenizePrompt } from '../openai/tokenizer.js'

/** ROUTER_BLOCK_SIZE is the block size of the hashes routers see (vLLM's default, as in sim/). */
export const ROUTER_BLOCK_SIZE = 16

/** Analyzed is a checked request and its prompt estimate. */
export interface Analyzed {
  readonly request: RequestSummary
  /** Estimated prompt tokens (BOS included for text). */
  readonly promptTokens: number
  /** Chained hashes of the prompt's full 16-token blocks. */
  readonly blockHashes: Float64Array
}

/**
 * Salts maps a model name that is a LoRA adapter to the salt of its blocks (vLLM keys a LoRA
 * request's blocks by its adapter too); a base model is absent (salt 0).
 */
export type Salts = ReadonlyMap<string, number>

/** analyzeBody parses, validates and estimates a body, or throws a 400/413 ApiError. */
export function analyzeBody(body: Buffer, chat: boolean, salts: Salts): Analyzed {
  const json = parseJson(body)
  const r = chat ? parseChatRequest(json) : parseCompletionRequest(json)
  const prompt = r.messages ? renderChat(r.messages) : (r.prompt ?? '')
  const tp = tokenizePrompt(prompt, ROUTER_BLOCK_SIZE, salts.get(r.model) ?? 0)
  return { request: summarize(r), promptTokens: tp.tokens, blockHashes: tp.blockHashes }
}

/** summarize drops the prompt and messages from a request. */
function summarize(r: GenerateRequest): RequestSummary {
  const { prompt: _prompt, messages: _messages, ...rest } = r
  return rest
}

/** WireError is an ApiError as it crosses a thread boundary (classes do not survive cloning). */
export interface WireError {
  readonly status: number
  readonly message: string
  readonly param: string | null
  readonly code: string | null
}

/** toWire flattens an ApiError (anything else is a 500: a bug, not the client's fault). */
export function toWire(err: unknown): WireError {
  if (err instanceof ApiError) {
    return { status: err.status, message: err.message, param: err.param, code: err.code }
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err)
  return { status: 500, message, param: null, code: 'internal_error' }
}

/** fromWire rebuilds the ApiError. */
export function fromWire(w: WireError): ApiError {
  return new ApiError(w.status, w.message, { param: w.param, code: w.code })
}
