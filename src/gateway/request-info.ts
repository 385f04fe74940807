/**
 * @module What the gateway knows about a request before routing it: the prompt's estimated token
 * count and block hashes (the emulator's tokenizer and chat template, so they match its prefix
 * cache exactly, and a real engine's approximately: see openai/tokenizer.ts), and the output
 * budget it may use, for the tenant's token bucket.
 */
import { renderChat } from '../openai/chat-template.js'
import type { GenerateRequest } from '../openai/request-schema.js'
import { stringHash, tokenizePrompt } from '../openai/tokenizer.js'

/** ROUTER_BLOCK_SIZE is the block size of the hashes routers see (vLLM's default, as in sim/). */
export const ROUTER_BLOCK_SIZE = 16

/** DEFAULT_COMPLETION_MAX_TOKENS is /v1/completions' default max_tokens (OpenAI's and vLLM's). */
const DEFAULT_COMPLETION_MAX_TOKENS = 16

/**
 * CHAT_OUTPUT_ESTIMATE is the output a chat request without max_tokens is charged up front. vLLM
 * lets such a request run to the end of the context window; charging all of that would exhaust
 * a tenant's bucket on one request, so charge a typical answer and settle the actual count at the
 * end (the bucket is refunded or, for a longer answer, the tenant's fair-queue counter grows).
 */
const CHAT_OUTPUT_ESTIMATE = 512

/** Estimate is a request's routing input and token budget. */
export interface Estimate {
  readonly promptTokens: number
  /** Chained hashes of the prompt's full 16-token blocks. */
  readonly blockHashes: Float64Array
  /** Output tokens charged up front (max_tokens, or the defaults above). */
  readonly maxTokens: number
}

/**
 * estimateRequest tokenizes the prompt (a chat rendered with the shared template); `adapter`
 * salts the hashes as the emulator and vLLM key a LoRA request's blocks.
 */
export function estimateRequest(
  r: GenerateRequest,
  chat: boolean,
  adapter: string | undefined,
): Estimate {
  const prompt = r.messages ? renderChat(r.messages) : (r.prompt ?? '')
  const tp = tokenizePrompt(
    prompt,
    ROUTER_BLOCK_SIZE,
    adapter === undefined ? 0 : stringHash(adapter),
  )
  return {
    promptTokens: tp.tokens,
    blockHashes: tp.blockHashes,
    maxTokens: r.maxTokens ?? (chat ? CHAT_OUTPUT_ESTIMATE : DEFAULT_COMPLETION_MAX_TOKENS),
  }
}
