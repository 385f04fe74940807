/**
 * @module Response bodies and SSE chunks in vLLM's OpenAI-compatible shapes. A streamed token is
 * one `data: {json}\n\n` frame; its JSON is a per-request prefix and suffix around the
 * JSON-escaped text, built once per request, so streaming costs one string concat per token.
 */

/** Usage is OpenAI's token accounting. */
export interface Usage {
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly total_tokens: number
}

/** FinishReason is the OpenAI `finish_reason` of a finished choice. */
export type FinishReason = 'stop' | 'length'

/** ResponseHead identifies one response: its id, endpoint, creation time and model. */
export interface ResponseHead {
  /** `cmpl-…` or `chatcmpl-…`. */
  readonly id: string
  readonly chat: boolean
  /** Unix seconds. */
  readonly created: number
  readonly model: string
}

/** SSE_DONE ends every stream. */
export const SSE_DONE = 'data: [DONE]\n\n'

/** usageOf builds the usage object. */
export function usageOf(prompt: number, completion: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
}

/** StreamFrames renders one request's SSE frames. */
export class StreamFrames {
  #head: string
  #textOpen: string
  #close: string

  constructor(h: ResponseHead) {
    const object = h.chat ? 'chat.completion.chunk' : 'text_completion'
    this.#head = `{"id":${JSON.stringify(h.id)},"object":"${object}","created":${h.created},"model":${JSON.stringify(h.model)},"choices":`
    this.#textOpen = h.chat
      ? `data: ${this.#head}[{"index":0,"delta":{"content":`
      : `data: ${this.#head}[{"index":0,"text":`
    this.#close = h.chat
      ? '},"logprobs":null,"finish_reason":'
      : ',"logprobs":null,"finish_reason":'
  }

  /**
   * role is the chat stream's first frame, `delta: {role: 'assistant', content: ''}`, which vLLM
   * sends with the first token (so a client's time to first byte of content is the TTFT).
   */
  role(): string {
    return `data: ${this.#head}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`
  }

  /** token is a frame carrying `text` with no finish reason yet. */
  token(text: string): string {
    return `${this.#textOpen}${JSON.stringify(text)}${this.#close}null${this.#tail(null)}`
  }

  /** last is the final choice frame: the remaining text and the finish and stop reasons. */
  last(text: string, finish: FinishReason, stopReason: string | null): string {
    return `${this.#textOpen}${JSON.stringify(text)}${this.#close}"${finish}"${this.#tail(stopReason)}`
  }

  /** usage is the include_usage frame: no choices, just the totals. */
  usage(u: Usage): string {
    return `data: ${this.#head}[],"usage":${JSON.stringify(u)}}\n\n`
  }

  #tail(stopReason: string | null): string {
    return `,"stop_reason":${stopReason === null ? 'null' : JSON.stringify(stopReason)}}]}\n\n`
  }
}

/** fullResponse is the non-streaming body of a completion or chat completion. */
export function fullResponse(
  h: ResponseHead,
  text: string,
  finish: FinishReason,
  stopReason: string | null,
  usage: Usage,
): string {
  const choice = h.chat
    ? {
        index: 0,
        message: { role: 'assistant', content: text },
        logprobs: null,
        finish_reason: finish,
        stop_reason: stopReason,
      }
    : { index: 0, text, logprobs: null, finish_reason: finish, stop_reason: stopReason }
  return JSON.stringify({
    id: h.id,
    object: h.chat ? 'chat.completion' : 'text_completion',
    created: h.created,
    model: h.model,
    choices: [choice],
    usage,
  })
}

/** modelCard is one /v1/models entry in vLLM's shape (`parent` names a LoRA's base model). */
export function modelCard(
  id: string,
  root: string,
  parent: string | null,
  created: number,
  maxModelLen: number,
) {
  return {
    id,
    object: 'model',
    created,
    owned_by: 'vllm',
    root,
    parent,
    max_model_len: maxModelLen,
    permission: [],
  }
}
