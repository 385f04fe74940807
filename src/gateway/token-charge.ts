/**
 * @module What a request is charged against its tenant's tokens-per-minute bucket, decided
 * before it runs (the reservation and the output cap the gateway writes upstream) and settled
 * after (what it actually used). Pure: numbers in, numbers out.
 *
 * The gateway's prompt count is an estimate (openai/tokenizer.ts: within ~20% of a real BPE on
 * average), so checks against a backend's context window allow a tolerance either way: the
 * gateway refuses only what surely cannot fit, and caps only what surely stays inside.
 */

/** DEFAULT_COMPLETION_MAX_TOKENS is /v1/completions' default max_tokens (OpenAI's and vLLM's). */
export const DEFAULT_COMPLETION_MAX_TOKENS = 16

/**
 * CHAT_OUTPUT_ESTIMATE is the output reserved up front for a chat without max_tokens. vLLM lets
 * such a request run to the end of the context window; reserving all of that would block the
 * tenant's other requests for the whole answer, so reserve a typical answer, cap the request at
 * what the bucket holds, and take tokens beyond the reservation from the bucket as they stream.
 */
export const CHAT_OUTPUT_ESTIMATE = 512

/**
 * TOKENIZER_TOLERANCE is how far the prompt estimate may be off in either direction. 0.25 covers
 * the ~20% average error of the approximate tokenizer against Llama 3 and GPT-4 BPE.
 */
export const TOKENIZER_TOLERANCE = 0.25

/** ChargeInput is what the plan depends on. */
export interface ChargeInput {
  /** Estimated prompt tokens. */
  readonly promptTokens: number
  /** The client's max_tokens (or max_completion_tokens); undefined when it gave none. */
  readonly maxTokens: number | undefined
  readonly chat: boolean
  /** The backends' context window (max_model_len), when known. */
  readonly context: number | undefined
  /** The tenant's bucket balance now; undefined when the tenant has no token limit. */
  readonly balance: number | undefined
}

/** ChargePlan is the reservation and the output cap of one request. */
export interface ChargePlan {
  /** Tokens taken at admission: the prompt plus `outputReserve`. */
  readonly reserve: number
  /** Output tokens the reservation covers; a stream draws beyond it token by token. */
  readonly outputReserve: number
  /** max_tokens the gateway writes into the upstream body; undefined leaves the body as sent. */
  readonly cap: number | undefined
}

/**
 * planCharge decides the reservation and the cap. A request that gave max_tokens reserves it.
 * A limited tenant's request without max_tokens gets an explicit cap: vLLM's default of 16 for a
 * completion (so a backend with another default cannot run long), and for a chat what the
 * bucket can pay for, written only when the context window is known and the cap is surely below
 * the engine's own limit (the rest of the window), since a max_tokens past the window is a 400
 * from vLLM. E.g. 5,000 TPM, a full bucket, a 20-token chat, a 131,072-token window: cap 4,980,
 * reserve 20 + 512.
 */
export function planCharge(c: ChargeInput): ChargePlan {
  const p = c.promptTokens
  if (c.maxTokens !== undefined)
    return { reserve: p + c.maxTokens, outputReserve: c.maxTokens, cap: undefined }
  if (!c.chat) {
    const out = DEFAULT_COMPLETION_MAX_TOKENS
    return { reserve: p + out, outputReserve: out, cap: c.balance === undefined ? undefined : out }
  }
  const cap = chatCap(c)
  const out = Math.min(CHAT_OUTPUT_ESTIMATE, cap ?? CHAT_OUTPUT_ESTIMATE)
  return { reserve: p + out, outputReserve: out, cap }
}

/** chatCap is the cap of a limited tenant's chat without max_tokens, or undefined for none. */
function chatCap(c: ChargeInput): number | undefined {
  if (c.balance === undefined || c.context === undefined) return undefined
  const payable = Math.floor(c.balance) - c.promptTokens
  // Below 1 the reservation fails anyway (429 until the bucket refills); keep the cap valid.
  if (payable < 1) return 1
  const surelyInside = c.context - Math.ceil(c.promptTokens * (1 + TOKENIZER_TOLERANCE))
  return payable < surelyInside ? payable : undefined
}

/**
 * exceedsContext says whether a request surely cannot fit the context window: its output
 * budget plus the smallest plausible prompt is over it. E.g. window 4,096, max_tokens 4,000,
 * prompt estimate 200 → 4,000 + 150 > 4,096: refused; prompt estimate 100 → 4,075: passed on
 * (the engine's own check is exact).
 */
export function exceedsContext(
  promptTokens: number,
  maxTokens: number | undefined,
  chat: boolean,
  context: number | undefined,
): boolean {
  if (context === undefined) return false
  const output = maxTokens ?? (chat ? 1 : DEFAULT_COMPLETION_MAX_TOKENS)
  return Math.floor(promptTokens * (1 - TOKENIZER_TOLERANCE)) + output > context
}
