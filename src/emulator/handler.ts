/**
 * @module The emulator's routes behind the HTTP layer: /v1/models, /metrics, and the completion
 * endpoints, where a request is parsed, checked against the context window, planned
 * (`planGeneration`) and handed to the `JobRunner` as a job. One choice per request (n = 1);
 * sampling parameters are accepted and ignored.
 */
import { randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { Sequence } from '../engine/sequence.js'
import { ApiError, badRequest } from '../openai/api-error.js'
import { renderChat } from '../openai/chat-template.js'
import {
  type GenerateRequest,
  parseChatRequest,
  parseCompletionRequest,
} from '../openai/request-schema.js'
import type { MetricsText } from '../openai/routes.js'
import { stringHash, type TokenizedPrompt, tokenizePrompt } from '../openai/tokenizer.js'
import { createRng } from '../util/rng.js'
import { type Generation, planGeneration } from './generator.js'
import { type Job, openStream } from './job.js'
import type { JobRunner } from './job-runner.js'
import { modelCard, type ResponseHead, StreamFrames } from './responses.js'
import type { EmulatorRoutes } from './server.js'

/** DEFAULT_COMPLETION_MAX_TOKENS is /v1/completions' default max_tokens (OpenAI's and vLLM's). */
const DEFAULT_COMPLETION_MAX_TOKENS = 16

/** HandlerOptions are the emulator settings the routes need, defaults resolved. */
export interface HandlerOptions {
  readonly modelName: string
  /** LoRA adapter names a request's `model` may name. */
  readonly loras: ReadonlySet<string>
  /** Seeds output text and --fail-rate draws. */
  readonly seed: number
  readonly blockSize: number
  readonly maxModelLen: number
  /** Fraction of completion requests answered with 500 (--fail-rate). */
  readonly failRate: number | undefined
  /** Stop producing tokens once the N-th completion request starts (--hang-after). */
  readonly hangAfter: number | undefined
}

/** newId is a vLLM-style random request id suffix (32 hex digits). */
function newId(): string {
  return randomBytes(16).toString('hex')
}

/** EmulatorHandler serves the emulator's routes; completions become jobs for the runner. */
export class EmulatorHandler implements EmulatorRoutes {
  readonly #o: HandlerOptions
  readonly #runner: JobRunner
  readonly #failRng: () => number
  readonly #startedAt = Math.floor(Date.now() / 1000)
  /** Completion requests admitted so far (the fault flags count them). */
  #admitted = 0
  #nextSeqId = 0

  constructor(runner: JobRunner, o: HandlerOptions) {
    this.#runner = runner
    this.#o = o
    this.#failRng = createRng(o.seed ^ 0x0fa11)
  }

  /** completion serves one completion request: parse, check, plan, and admit it as a job. */
  completion(body: unknown, chat: boolean, res: ServerResponse): void {
    const r = chat ? parseChatRequest(body) : parseCompletionRequest(body)
    const adapter = this.#resolveModel(r.model)
    if (this.#o.failRate !== undefined && this.#failRng() < this.#o.failRate) {
      throw new ApiError(500, 'injected failure (--fail-rate)', { code: 'injected_failure' })
    }
    const prompt = r.messages ? renderChat(r.messages) : r.prompt!
    const salt = adapter === undefined ? 0 : stringHash(adapter)
    const tp = tokenizePrompt(prompt, this.#o.blockSize, salt)
    const gen = planGeneration({
      seed: this.#o.seed,
      promptHash: tp.promptHash,
      requestSeed: r.seed,
      maxTokens: this.#maxTokens(r, chat, tp.tokens),
      ignoreEos: r.ignoreEos,
      stop: r.stop,
      includeStopStr: r.includeStopStr,
      chat,
    })
    const job = this.#newJob(r, chat, res, tp, gen, adapter)
    // Submitting only plans an iteration (tokens come from a later timer), so the headers still
    // go out before any token, and a rejected request can still get its error status.
    if (!this.#runner.admit(job)) return
    if (job.frames) openStream(res)
    if (job.index === this.#o.hangAfter) this.#runner.halt()
  }

  /** models is the GET /v1/models body: the base model, then its adapters. */
  models(): unknown {
    const { modelName, maxModelLen } = this.#o
    const at = this.#startedAt
    return {
      object: 'list',
      data: [
        modelCard(modelName, modelName, null, at, maxModelLen),
        ...[...this.#o.loras].map((name) => modelCard(name, name, modelName, at, maxModelLen)),
      ],
    }
  }

  /** metrics is the GET /metrics exposition. */
  async metrics(): Promise<MetricsText> {
    const m = this.#runner.metrics
    return { contentType: m.contentType, body: await m.render() }
  }

  /** draining says close() has begun. */
  draining(): boolean {
    return this.#runner.draining
  }

  /** resolveModel maps the request's `model` to the base model (undefined) or an adapter. */
  #resolveModel(model: string): string | undefined {
    if (model === this.#o.modelName) return undefined
    if (this.#o.loras.has(model)) return model
    throw new ApiError(404, `The model \`${model}\` does not exist.`, {
      param: 'model',
      code: 'model_not_found',
    })
  }

  /**
   * maxTokens is the request's output budget, vLLM's defaults when unset (16 for completions,
   * the rest of the context window for chat); a 400 if prompt and output overflow the window.
   */
  #maxTokens(r: GenerateRequest, chat: boolean, promptTokens: number): number {
    const maxModelLen = this.#o.maxModelLen
    const maxTokens =
      r.maxTokens ?? (chat ? maxModelLen - promptTokens : DEFAULT_COMPLETION_MAX_TOKENS)
    if (promptTokens + maxTokens > maxModelLen || maxTokens < 1) {
      const asked = Math.max(maxTokens, 0)
      throw badRequest(
        `This model's maximum context length is ${maxModelLen} tokens. However, you requested ` +
          `${promptTokens + asked} tokens (${promptTokens} in the messages, ${asked} in the ` +
          'completion). Please reduce the length of the messages or completion.',
        r.maxTokens === undefined ? (chat ? 'messages' : 'prompt') : 'max_tokens',
        'context_length_exceeded',
      )
    }
    return maxTokens
  }

  /** newJob builds the job (its sequence stamped with the arrival time) for a planned request. */
  #newJob(
    r: GenerateRequest,
    chat: boolean,
    res: ServerResponse,
    tp: TokenizedPrompt,
    gen: Generation,
    adapter: string | undefined,
  ): Job {
    const seq = new Sequence({
      id: this.#nextSeqId++,
      arrival: this.#runner.arrivalTime(),
      promptTokens: tp.tokens,
      outputTokens: gen.tokens,
      blockHashes: tp.blockHashes,
    })
    const head: ResponseHead = {
      id: `${chat ? 'chatcmpl' : 'cmpl'}-${newId()}`,
      chat,
      created: Math.floor(Date.now() / 1000),
      model: r.model,
    }
    const job: Job = {
      seq,
      head,
      frames: r.stream ? new StreamFrames(head) : undefined,
      res,
      gen,
      includeUsage: r.includeUsage,
      adapter,
      index: ++this.#admitted,
      sent: 0,
      last: -1,
      done: false,
      gone: false,
    }
    seq.tag = job
    return job
  }
}
