/**
 * @module One completion request in flight (`Job`) and how its answer is written: the SSE
 * headers, one frame per token as the engine samples it, and at the finish either the last frame
 * (with usage and `[DONE]`) or the whole JSON body of a non-streamed request.
 */
import type { ServerResponse } from 'node:http'
import type { Sequence } from '../engine/sequence.js'
import type { Generation } from './generator.js'
import {
  fullResponse,
  type ResponseHead,
  SSE_DONE,
  type StreamFrames,
  usageOf,
} from './responses.js'

/** Job is one completion request in flight. */
export interface Job {
  readonly seq: Sequence
  readonly head: ResponseHead
  readonly frames: StreamFrames | undefined
  readonly res: ServerResponse
  readonly gen: Generation
  readonly includeUsage: boolean
  readonly adapter: string | undefined
  /** 1-based index among admitted completion requests (for the fault flags). */
  readonly index: number
  /** Chars of gen.text already streamed. */
  sent: number
  /** Engine time of the last token. */
  last: number
  done: boolean
  /** The client went away before the end. */
  gone: boolean
}

/** openStream sends a streamed response's headers at once, before its first token. */
export function openStream(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  })
  res.flushHeaders()
}

/**
 * streamToken writes the frame of the k-th sampled token (not the last one: `answer` writes
 * that, with the finish reason). A token with no visible text (a stop string has begun) writes
 * no frame; the chat stream's role frame goes out with the first token.
 */
export function streamToken(job: Job, frames: StreamFrames, k: number): void {
  const end = job.gen.ends[k - 1]!
  let out = k === 1 && job.head.chat ? frames.role() : ''
  if (end > job.sent) out += frames.token(job.gen.text.slice(job.sent, end))
  job.sent = end
  if (out !== '') job.res.write(out)
}

/** answer ends a finished job's response: the stream's last frames, or the whole JSON body. */
export function answer(job: Job): void {
  const { seq, gen: g } = job
  const usage = usageOf(seq.promptTokens, seq.outputTokens)
  if (job.frames) {
    // A one-token chat stream never saw streamToken, so its role frame goes out here.
    let out = seq.outputTokens === 1 && job.head.chat ? job.frames.role() : ''
    out += job.frames.last(g.text.slice(job.sent), g.finishReason, g.stopReason)
    if (job.includeUsage) out += job.frames.usage(usage)
    job.res.end(out + SSE_DONE)
  } else {
    const body = fullResponse(job.head, g.text, g.finishReason, g.stopReason, usage)
    job.res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    })
    job.res.end(body)
  }
}
