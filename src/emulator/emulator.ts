/**
 * @module The engine emulator: an OpenAI-compatible server whose batching, KV use, prefix hits,
 * queueing and token timing come from the simulator's own `Engine` and latency model, stepped in
 * wall time by `EngineDriver`. Each request becomes one `Sequence`; its output is planned up front
 * (`planGeneration`) and streamed one SSE frame per token from the engine's `onToken`.
 *
 * A client that disconnects has its request aborted in the engine (KV blocks freed at once, as
 * vLLM does) and counted with finished_reason "abort". One choice per request (n = 1). Sampling
 * parameters are accepted and ignored.
 */

import { randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Engine, type EngineListener } from '../engine/engine.js'
import { SeqStatus, Sequence } from '../engine/sequence.js'
import type { SizedInstance } from '../engine/sizing.js'
import { ApiError, badRequest } from '../openai/api-error.js'
import { renderChat } from '../openai/chat-template.js'
import { parseChatRequest, parseCompletionRequest } from '../openai/request-schema.js'
import { stringHash, tokenizePrompt } from '../openai/tokenizer.js'
import { describeDeployment } from '../perf/deployment.js'
import { createIterationModel } from '../perf/iteration.js'
import { createRng } from '../util/rng.js'
import { EngineDriver, systemClock } from './engine-driver.js'
import { type Generation, planGeneration } from './generator.js'
import { LoraGate } from './lora-gate.js'
import { EmulatorMetrics, type LoraState } from './metrics.js'
import { checkOptions, type EmulatorOptions, planInstance } from './options.js'
import {
  fullResponse,
  modelCard,
  type ResponseHead,
  SSE_DONE,
  StreamFrames,
  usageOf,
} from './responses.js'
import { createEmulatorServer, sendError } from './server.js'

/** DEFAULT_COMPLETION_MAX_TOKENS is /v1/completions' default max_tokens (OpenAI's and vLLM's). */
const DEFAULT_COMPLETION_MAX_TOKENS = 16

export type { EmulatorOptions } from './options.js'

/** Emulator is a listening emulator. */
export interface Emulator {
  /** Base URL, e.g. http://127.0.0.1:8000 (the OpenAI base URL is `${url}/v1`). */
  readonly url: string
  readonly port: number
  readonly modelName: string
  /** The instance plan: deployment, engine settings and KV blocks, as the simulator sizes them. */
  readonly plan: SizedInstance
  /** The engine, for inspection (tests, demos); do not step it. */
  readonly engine: Engine
  /**
   * close stops accepting, lets in-flight requests finish (at most `timeoutMs`, default 30 s,
   * after which their connections are cut) and resolves when the server is closed.
   */
  close(opts?: { readonly timeoutMs?: number }): Promise<void>
}

/** Job is one completion request in flight. */
interface Job {
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

/** newId is a vLLM-style random request id suffix (32 hex digits). */
function newId(): string {
  return randomBytes(16).toString('hex')
}

/** startEmulator sizes the engine, starts the server and resolves once it listens. */
export async function startEmulator(o: EmulatorOptions): Promise<Emulator> {
  checkOptions(o)
  const plan = planInstance(o)
  const modelName = o.servedModelName ?? o.model
  const loras = new Set(o.loras ?? [])
  const timeScale = o.timeScale ?? 1
  const seed = o.seed ?? 1
  const exit = o.exit ?? ((code: number) => process.exit(code))
  const failRng = createRng(seed ^ 0x0fa11)
  const startedAt = Math.floor(Date.now() / 1000)
  const blockSize = plan.engine.blockSize
  const maxModelLen = plan.engine.maxModelLen

  const jobs = new Set<Job>()
  const gate = new LoraGate<Job>(o.maxLoras ?? 1)
  let admitted = 0
  let crashed = false
  let nextSeqId = 0
  let draining = false
  let onDrained: (() => void) | undefined

  const listener: EngineListener = {
    onToken(seq, now) {
      const job = seq.tag as Job
      const k = seq.generated
      if (k === 1) metrics.firstToken((now - seq.arrival) / timeScale, seq.promptTokens)
      else metrics.tokenGap((now - job.last) / timeScale)
      job.last = now
      if (job.index === o.crashAfter && k >= crashPoint(seq.outputTokens) && !crashed) {
        crashed = true
        exit(1)
        return
      }
      if (k === seq.outputTokens || !job.frames || job.gone) return // the last frame: onFinish
      const end = job.gen.ends[k - 1]!
      let out = k === 1 && job.head.chat ? job.frames.role() : ''
      if (end > job.sent) out += job.frames.token(job.gen.text.slice(job.sent, end))
      job.sent = end
      if (out !== '') job.res.write(out)
    },
    onFinish(seq, now) {
      const job = seq.tag as Job
      job.done = true
      jobs.delete(job)
      const g = job.gen
      metrics.finished(
        job.gone ? 'abort' : g.finishReason,
        (now - seq.arrival) / timeScale,
        (seq.scheduledAt - seq.arrival) / timeScale,
      )
      if (!job.gone) {
        const usage = usageOf(seq.promptTokens, seq.outputTokens)
        if (job.frames) {
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
      for (const next of gate.leave(job.adapter)) submit(next)
      if (draining && jobs.size === 0) onDrained?.()
    },
  }

  const engine = new Engine(
    plan.engine,
    createIterationModel(plan.deployment),
    plan.numBlocks,
    listener,
  )
  const driver = new EngineDriver(engine, {
    timeScale,
    ...(o.slowdown !== undefined ? { slowdown: o.slowdown } : {}),
    clock: o.clock ?? systemClock,
  })
  const metrics = new EmulatorMetrics({
    modelName,
    engine,
    gpuMemoryUtilization: plan.engine.gpuMemoryUtilization,
    cacheDtype: plan.deployment.dtype === 'fp8' ? 'fp8' : 'auto',
    maxLoras: gate.maxLoras,
    heldWaiting: () => gate.held,
    loraState: (): LoraState => {
      const running = new Set<string>()
      const waiting = new Set<string>()
      for (const j of jobs) {
        if (j.adapter === undefined) continue
        if (j.seq.status === SeqStatus.Running) running.add(j.adapter)
        else waiting.add(j.adapter)
      }
      return { running: [...running], waiting: [...waiting] }
    },
  })

  /**
   * abortJob withdraws a job whose client disconnected: out of the engine (freeing its KV blocks
   * at once, as vLLM aborts a request) or out of the LoRA gate's hold, and counted as an abort.
   */
  function abortJob(job: Job): void {
    const seq = job.seq
    if (engine.abort(seq)) {
      for (const next of gate.leave(job.adapter)) submit(next)
    } else if (!gate.remove(job)) {
      return // not admitted yet: the handler has not submitted it
    }
    job.done = true
    jobs.delete(job)
    const now = driver.arrivalTime()
    const queued = seq.scheduledAt >= 0 ? seq.scheduledAt : now
    metrics.finished('abort', (now - seq.arrival) / timeScale, (queued - seq.arrival) / timeScale)
    if (draining && jobs.size === 0) onDrained?.()
  }

  /** submit hands a job to the engine; false (and a 400 sent) if the engine refuses it. */
  function submit(job: Job): boolean {
    const reason = driver.submit(job.seq)
    if (reason === undefined) return true
    // planFleet caps max_model_len at the KV capacity, so the length check catches this first.
    job.done = true
    jobs.delete(job)
    for (const next of gate.leave(job.adapter)) submit(next)
    sendError(job.res, badRequest(`the request cannot fit this engine (${reason})`))
    return false
  }

  /** resolveModel maps the request's `model` to the base model (undefined) or an adapter. */
  function resolveModel(model: string): string | undefined {
    if (model === modelName) return undefined
    if (loras.has(model)) return model
    throw new ApiError(404, `The model \`${model}\` does not exist.`, {
      param: 'model',
      code: 'model_not_found',
    })
  }

  function completion(body: unknown, chat: boolean, res: ServerResponse) {
    const r = chat ? parseChatRequest(body) : parseCompletionRequest(body)
    const adapter = resolveModel(r.model)
    if (o.failRate !== undefined && failRng() < o.failRate) {
      throw new ApiError(500, 'injected failure (--fail-rate)', { code: 'injected_failure' })
    }
    const prompt = r.messages ? renderChat(r.messages) : r.prompt!
    const tp = tokenizePrompt(prompt, blockSize, adapter === undefined ? 0 : stringHash(adapter))
    // vLLM's defaults: 16 for completions; the rest of the context window for chat.
    const maxTokens =
      r.maxTokens ?? (chat ? maxModelLen - tp.tokens : DEFAULT_COMPLETION_MAX_TOKENS)
    if (tp.tokens + maxTokens > maxModelLen || maxTokens < 1) {
      const asked = Math.max(maxTokens, 0)
      throw badRequest(
        `This model's maximum context length is ${maxModelLen} tokens. However, you requested ` +
          `${tp.tokens + asked} tokens (${tp.tokens} in the messages, ${asked} in the ` +
          'completion). Please reduce the length of the messages or completion.',
        r.maxTokens === undefined ? (chat ? 'messages' : 'prompt') : 'max_tokens',
        'context_length_exceeded',
      )
    }
    const gen = planGeneration({
      seed,
      promptHash: tp.promptHash,
      requestSeed: r.seed,
      maxTokens,
      ignoreEos: r.ignoreEos,
      stop: r.stop,
      includeStopStr: r.includeStopStr,
      chat,
    })

    const seq = new Sequence({
      id: nextSeqId++,
      arrival: driver.arrivalTime(),
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
      index: ++admitted,
      sent: 0,
      last: -1,
      done: false,
      gone: false,
    }
    seq.tag = job
    jobs.add(job)
    res.on('close', () => {
      if (job.done) return
      job.gone = true
      abortJob(job)
    })
    // Submitting only plans an iteration (tokens come from a later timer), so the headers still
    // go out before any token, and a rejected request can still get its error status.
    if (gate.enter(adapter, job) && !submit(job)) return
    if (job.frames) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      })
      res.flushHeaders()
    }
    if (job.index === o.hangAfter) driver.halt()
  }

  const server = createEmulatorServer(
    {
      completion,
      models: () => ({
        object: 'list',
        data: [
          modelCard(modelName, modelName, null, startedAt, maxModelLen),
          ...[...loras].map((name) => modelCard(name, name, modelName, startedAt, maxModelLen)),
        ],
      }),
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
      draining: () => draining,
    },
    {
      ...(o.bodyLimit !== undefined ? { bodyLimit: o.bodyLimit } : {}),
      ...(o.log !== undefined ? { log: o.log } : {}),
    },
  )

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const host = o.host ?? '127.0.0.1'
  const urlHost = host.includes(':') ? `[${host}]` : host

  let closing: Promise<void> | undefined
  return {
    url: `http://${urlHost}:${port}`,
    port,
    modelName,
    plan,
    engine,
    close(opts = {}) {
      closing ??= (async () => {
        draining = true
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeIdleConnections()
        if (jobs.size > 0) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, opts.timeoutMs ?? 30_000)
            onDrained = () => {
              clearTimeout(t)
              resolve()
            }
          })
        }
        driver.halt()
        server.closeAllConnections()
        await closed
      })()
      return closing
    },
  }
}

/** crashPoint is the token at which --crash-after exits: halfway, after at least one token. */
function crashPoint(outputTokens: number): number {
  return Math.min(outputTokens, Math.max(2, Math.ceil(outputTokens / 2)))
}

/** describeEmulator is a one-line startup banner. */
export function describeEmulator(e: Emulator): string {
  const p = e.plan
  return (
    `emulating ${describeDeployment(p.deployment)} as '${e.modelName}' on ${e.url} ` +
    `(KV blocks ${p.numBlocks} × ${p.engine.blockSize} tokens, max_model_len ${p.engine.maxModelLen})`
  )
}
