/**
 * @module Request validation for the OpenAI completion and chat endpoints. Known fields are typed
 * and checked; unknown ones (temperature's cousins, vendor extensions) pass through and are
 * ignored, as vLLM ignores sampling parameters the emulator does not model. A failure becomes a
 * 400 whose message and `param` name the field.
 */
import { z } from 'zod'
import { ApiError, badRequest } from './api-error.js'

/** PROMPT_SHAPES words what /v1/completions takes as a prompt. */
const PROMPT_SHAPES =
  'expected a string, an array of strings, an array of token ids or an array of those'

/** badTokenId is the index of the first element that is not a token id, or -1. */
function badTokenId(v: ReadonlyArray<unknown>): number {
  for (let i = 0; i < v.length; i++) {
    const x = v[i]
    if (!Number.isInteger(x) || (x as number) < 0) return i
  }
  return -1
}

/**
 * checkPrompt accepts a string, or a non-empty array of strings, of token ids, or of token-id
 * arrays, and otherwise names the first bad element (`prompt.1`). One loop, not a zod union of
 * arrays: for the 700k token ids a 4 MB body holds, the union's per-element parse (recording an
 * issue per element of each branch that fails) took 1.5 s of CPU; this takes milliseconds.
 */
function checkPrompt(v: unknown, ctx: z.RefinementCtx): void {
  if (typeof v === 'string') return
  if (!Array.isArray(v) || v.length === 0) {
    ctx.addIssue({ code: 'custom', message: PROMPT_SHAPES })
    return
  }
  const issue = (path: number[], message: string) => ctx.addIssue({ code: 'custom', path, message })
  if (typeof v[0] === 'string') {
    const i = v.findIndex((x) => typeof x !== 'string')
    if (i >= 0) issue([i], 'expected a string, as the first element is')
  } else if (Array.isArray(v[0])) {
    for (let j = 0; j < v.length; j++) {
      const ids = v[j] as unknown
      const k = Array.isArray(ids) && ids.length > 0 ? badTokenId(ids) : -2
      if (k === -2) issue([j], 'expected an array of token ids')
      if (k >= 0) issue([j, k], 'expected a token id (an integer >= 0)')
      if (k !== -1) return
    }
  } else {
    const k = badTokenId(v)
    if (k >= 0) issue([k], 'expected a token id (an integer >= 0)')
  }
}

const promptSchema = z
  .unknown()
  .superRefine(checkPrompt)
  .transform((v) => v as string | string[] | number[] | number[][])
const stop = z.union([z.string(), z.array(z.string())], {
  error: 'expected a string or an array of strings',
})

/** Fields both endpoints share (vLLM's SamplingParams subset the emulator reads, plus checks). */
const commonFields = {
  model: z.string(),
  max_tokens: z.int().min(1).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  stop: stop.nullish(),
  ignore_eos: z.boolean().nullish(),
  include_stop_str_in_output: z.boolean().nullish(),
  n: z.int().min(1).nullish(),
  seed: z.int().nullish(),
  temperature: z.number().min(0).nullish(),
  top_p: z.number().nullish(),
  presence_penalty: z.number().nullish(),
  frequency_penalty: z.number().nullish(),
  user: z.string().nullish(),
}

const completionSchema = z.looseObject({
  ...commonFields,
  prompt: promptSchema,
  echo: z.boolean().nullish(),
})

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() })
const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z
    .union([z.string(), z.array(textPart)], {
      error: 'expected a string or an array of text parts (only text content is supported)',
    })
    .nullish(),
  name: z.string().nullish(),
})

const chatSchema = z.looseObject({
  ...commonFields,
  messages: z.array(message).min(1),
  max_completion_tokens: z.int().min(1).nullish(),
})

/** CompletionRequest is a validated POST /v1/completions body. */
export type CompletionRequest = z.infer<typeof completionSchema>
/** ChatRequest is a validated POST /v1/chat/completions body. */
export type ChatRequest = z.infer<typeof chatSchema>

/** RequestSummary is a request without its prompt: what the gateway needs after estimating it. */
export type RequestSummary = Omit<GenerateRequest, 'prompt' | 'messages'>

/** GenerateRequest is either endpoint's request, reduced to what the emulator acts on. */
export interface GenerateRequest {
  readonly model: string
  /** The text prompt (chat: the messages, still to be rendered) or token ids. */
  readonly prompt: string | ReadonlyArray<number> | undefined
  readonly messages: ChatRequest['messages'] | undefined
  /** max_completion_tokens (chat) or max_tokens; undefined when the client gave neither. */
  readonly maxTokens: number | undefined
  readonly stream: boolean
  readonly includeUsage: boolean
  readonly stop: ReadonlyArray<string>
  readonly ignoreEos: boolean
  readonly includeStopStr: boolean
  readonly seed: number | undefined
}

/** valueAt follows an issue path into the raw body (to tell "missing" from "wrong"). */
function valueAt(body: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = body
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<PropertyKey, unknown>)[k]
  }
  return v
}

/** parseWith validates `body` and turns the first issue into a 400 naming its field. */
function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('the request body must be a JSON object', null, 'invalid_json')
  }
  const r = schema.safeParse(body)
  if (r.success) return r.data
  const issue = r.error.issues[0]!
  const param = issue.path.map(String).join('.')
  if (valueAt(body, issue.path) === undefined) {
    throw badRequest(`'${param}' is a required property`, param, 'missing_required_parameter')
  }
  throw badRequest(`'${param}': ${issue.message}`, param)
}

/** common normalises the fields both endpoints share; rejects n > 1 (one choice per request). */
function common(r: z.infer<z.ZodObject<typeof commonFields>>) {
  if (r.n != null && r.n !== 1) {
    throw new ApiError(400, `'n': only n=1 is supported (one choice per request), got ${r.n}`, {
      param: 'n',
      code: 'unsupported_value',
    })
  }
  return {
    model: r.model,
    stream: r.stream ?? false,
    includeUsage: r.stream_options?.include_usage ?? false,
    stop: r.stop == null ? [] : typeof r.stop === 'string' ? [r.stop] : r.stop,
    ignoreEos: r.ignore_eos ?? false,
    includeStopStr: r.include_stop_str_in_output ?? false,
    seed: r.seed ?? undefined,
  }
}

/** parseCompletionRequest validates a /v1/completions body or throws a 400 ApiError. */
export function parseCompletionRequest(body: unknown): GenerateRequest {
  const r = parseWith(completionSchema, body)
  const p = r.prompt
  // vLLM answers a list of prompts with one choice each; the emulator serves one prompt.
  if (Array.isArray(p) && p.length > 1 && typeof p[0] !== 'number') {
    throw badRequest("'prompt': batched prompts are not supported; send one prompt", 'prompt')
  }
  const prompt = Array.isArray(p) && typeof p[0] !== 'number' ? p[0]! : p
  return {
    ...common(r),
    prompt: prompt as string | ReadonlyArray<number>,
    messages: undefined,
    maxTokens: r.max_tokens ?? undefined,
  }
}

/** parseChatRequest validates a /v1/chat/completions body or throws a 400 ApiError. */
export function parseChatRequest(body: unknown): GenerateRequest {
  const r = parseWith(chatSchema, body)
  return {
    ...common(r),
    prompt: undefined,
    messages: r.messages,
    maxTokens: r.max_completion_tokens ?? r.max_tokens ?? undefined,
  }
}
