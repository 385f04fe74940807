/**
 * @module The engine emulator: an OpenAI-compatible server whose batching, KV use, prefix hits,
 * queueing and token timing come from the simulator's own `Engine` and latency model, stepped in
 * wall time by `EngineDriver`. Each request becomes one `Sequence`; its output is planned up front
 * (`planGeneration`) and streamed one SSE frame per token from the engine's `onToken`.
 *
 * `startEmulator` only wires the parts: the job life cycle (job-runner.ts), the routes that turn
 * requests into jobs (handler.ts), the HTTP layer (server.ts), and listen/close (listen.ts).
 */
import type { Engine } from '../engine/engine.js'
import type { SizedInstance } from '../engine/sizing.js'
import { describeDeployment } from '../perf/deployment.js'
import { systemClock } from './engine-driver.js'
import { EmulatorHandler } from './handler.js'
import { JobRunner } from './job-runner.js'
import { closeGracefully, listen } from './listen.js'
import { checkOptions, type EmulatorOptions, planInstance } from './options.js'
import { createEmulatorServer } from './server.js'

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

/** startEmulator sizes the engine, starts the server and resolves once it listens. */
export async function startEmulator(o: EmulatorOptions): Promise<Emulator> {
  checkOptions(o)
  const plan = planInstance(o)
  const modelName = o.servedModelName ?? o.model
  const runner = new JobRunner(plan, {
    modelName,
    timeScale: o.timeScale ?? 1,
    maxLoras: o.maxLoras ?? 1,
    slowdown: o.slowdown,
    clock: o.clock ?? systemClock,
    crashAfter: o.crashAfter,
    exit: o.exit ?? ((code: number) => process.exit(code)),
  })
  const handler = new EmulatorHandler(runner, {
    modelName,
    loras: new Set(o.loras ?? []),
    seed: o.seed ?? 1,
    blockSize: plan.engine.blockSize,
    maxModelLen: plan.engine.maxModelLen,
    failRate: o.failRate,
    hangAfter: o.hangAfter,
  })
  const server = createEmulatorServer(handler, {
    ...(o.bodyLimit !== undefined ? { bodyLimit: o.bodyLimit } : {}),
    ...(o.log !== undefined ? { log: o.log } : {}),
  })
  const { url, port } = await listen(server, o.port ?? 0, o.host ?? '127.0.0.1')

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    modelName,
    plan,
    engine: runner.engine,
    close(opts = {}) {
      closing ??= closeGracefully(server, runner, opts.timeoutMs ?? 30_000)
      return closing
    },
  }
}

/** describeEmulator is a one-line startup banner. */
export function describeEmulator(e: Emulator): string {
  const p = e.plan
  return (
    `emulating ${describeDeployment(p.deployment)} as '${e.modelName}' on ${e.url} ` +
    `(KV blocks ${p.numBlocks} × ${p.engine.blockSize} tokens, max_model_len ${p.engine.maxModelLen})`
  )
}
