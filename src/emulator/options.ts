/**
 * @module Emulator options: what `flotilla emulate`'s flags set, their checks (a UsageError names
 * the flag), and the engine sizing, which is the simulator's own (engine/sizing.ts), so an
 * emulated instance has exactly the KV blocks and max_model_len a simulated one has.
 */
import { type Dtype, getGpu, getModel } from '../catalog/index.js'
import { resolveDeployment, type SizedInstance, sizeInstance } from '../engine/sizing.js'
import { UsageError } from '../util/errors.js'
import type { DriverClock } from './engine-driver.js'

/** EmulatorOptions configure one emulated engine. */
export interface EmulatorOptions {
  /** Catalog model id (also the served model name unless servedModelName is given). */
  readonly model: string
  /** Catalog GPU id. */
  readonly gpu: string
  readonly tp?: number
  readonly dtype?: Dtype
  readonly servedModelName?: string
  readonly host?: string
  /** 0 (the default) picks a free port. */
  readonly port?: number
  /** Engine seconds per wall second (default 1). */
  readonly timeScale?: number
  /** Seeds output text and --fail-rate draws (default 1). */
  readonly seed?: number
  readonly maxNumSeqs?: number
  readonly maxNumBatchedTokens?: number
  readonly maxModelLen?: number
  /** LoRA adapter names (`model` may name one). */
  readonly loras?: ReadonlyArray<string>
  /** Most adapters with requests in the engine at once (vLLM's default: 1). */
  readonly maxLoras?: number
  /** Fraction of completion requests answered with 500. */
  readonly failRate?: number
  /** Multiplies every iteration's duration. */
  readonly slowdown?: number
  /** Exit in the middle of the N-th completion request. */
  readonly crashAfter?: number
  /** Stop producing tokens once the N-th completion request starts. */
  readonly hangAfter?: number
  readonly bodyLimit?: number
  readonly clock?: DriverClock
  /** Called by --crash-after (default: process.exit). */
  readonly exit?: (code: number) => void
  /** Receives one line per unexpected server error (default: stderr). */
  readonly log?: (line: string) => void
}

/** checkOptions rejects impossible settings with a UsageError naming the flag. */
export function checkOptions(o: EmulatorOptions): void {
  const positive = (flag: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
      throw new UsageError(`${flag}: expected a positive number, got ${v}`)
    }
  }
  getGpu(o.gpu, '--gpu')
  getModel(o.model, '--model')
  positive('--time-scale', o.timeScale)
  positive('--slowdown', o.slowdown)
  if (o.failRate !== undefined && !(o.failRate >= 0 && o.failRate <= 1)) {
    throw new UsageError(`--fail-rate: expected a number in [0, 1], got ${o.failRate}`)
  }
  const tp = o.tp ?? 1
  if (![1, 2, 4, 8].includes(tp)) throw new UsageError(`--tp: expected 1, 2, 4 or 8, got ${tp}`)
  for (const name of o.loras ?? []) {
    if (name === '' || name === (o.servedModelName ?? o.model)) {
      throw new UsageError(`--lora: adapter name '${name}' is empty or the base model's name`)
    }
  }
}

/** planInstance sizes the engine exactly as the simulator sizes one instance. */
export function planInstance(o: EmulatorOptions): SizedInstance {
  const engine = {
    ...(o.maxNumSeqs !== undefined ? { maxNumSeqs: o.maxNumSeqs } : {}),
    ...(o.maxNumBatchedTokens !== undefined ? { maxNumBatchedTokens: o.maxNumBatchedTokens } : {}),
    ...(o.maxModelLen !== undefined ? { maxModelLen: o.maxModelLen } : {}),
  }
  const at = '--gpu/--model/--tp'
  const spec = { gpu: o.gpu, model: o.model, tp: o.tp ?? 1, dtype: o.dtype ?? 'bf16' } as const
  return sizeInstance(resolveDeployment(spec, at), engine, at)
}
