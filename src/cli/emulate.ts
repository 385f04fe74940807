/**
 * @module `flotilla emulate`: one OpenAI-compatible engine emulator (vLLM-like API and metrics)
 * driven by the simulator's engine in wall time. Runs until SIGTERM or SIGINT, then drains
 * in-flight requests and exits 0.
 */
import { Command } from 'commander'
import { dtypes, gpuIds, modelIds, parseDtype } from '../catalog/index.js'
import { describeEmulator, type EmulatorOptions, startEmulator } from '../emulator/emulator.js'
import { UsageError } from '../util/errors.js'
import { parseNonNegativeInt, parsePositive, parsePositiveInt } from './args.js'
import { serveUntilSignal } from './serve-until-signal.js'

interface EmulateFlags {
  model: string
  gpu: string
  tp: string
  dtype: string
  port: string
  host: string
  timeScale: string
  seed: string
  servedModelName?: string
  maxNumSeqs?: string
  maxNumBatchedTokens?: string
  maxModelLen?: string
  maxLoras: string
  lora: string[]
  failRate?: string
  slowdown?: string
  crashAfter?: string
  hangAfter?: string
}

/** parsePort accepts 0 (any free port) to 65535. */
function parsePort(raw: string): number {
  const p = parseNonNegativeInt('--port', raw)
  if (p > 65535) throw new UsageError(`--port: expected 0..65535, got '${raw}'`)
  return p
}

/** parseFailRate accepts a probability in [0, 1]. */
function parseFailRate(raw: string): number {
  const x = Number(raw)
  if (raw.trim() === '' || !(x >= 0 && x <= 1)) {
    throw new UsageError(`--fail-rate: expected a number in [0, 1], got '${raw}'`)
  }
  return x
}

/** toOptions turns the flags into emulator options, rejecting bad values by flag name. */
function toOptions(f: EmulateFlags): EmulatorOptions {
  const opt = <K extends keyof EmulatorOptions>(
    key: K,
    raw: string | undefined,
    parse: (raw: string) => EmulatorOptions[K],
  ): Partial<EmulatorOptions> => (raw === undefined ? {} : { [key]: parse(raw) })
  return {
    model: f.model,
    gpu: f.gpu,
    tp: parsePositiveInt('--tp', f.tp),
    dtype: parseDtype(f.dtype),
    host: f.host,
    port: parsePort(f.port),
    timeScale: parsePositive('--time-scale', f.timeScale),
    seed: parseNonNegativeInt('--seed', f.seed),
    maxLoras: parsePositiveInt('--max-loras', f.maxLoras),
    // vLLM's --lora-modules takes name=path; the path means nothing here.
    loras: f.lora.map((l) => l.split('=')[0]!),
    ...opt('servedModelName', f.servedModelName, (s) => s),
    ...opt('maxNumSeqs', f.maxNumSeqs, (s) => parsePositiveInt('--max-num-seqs', s)),
    ...opt('maxNumBatchedTokens', f.maxNumBatchedTokens, (s) =>
      parsePositiveInt('--max-num-batched-tokens', s),
    ),
    ...opt('maxModelLen', f.maxModelLen, (s) => parsePositiveInt('--max-model-len', s)),
    ...opt('failRate', f.failRate, parseFailRate),
    ...opt('slowdown', f.slowdown, (s) => parsePositive('--slowdown', s)),
    ...opt('crashAfter', f.crashAfter, (s) => parsePositiveInt('--crash-after', s)),
    ...opt('hangAfter', f.hangAfter, (s) => parsePositiveInt('--hang-after', s)),
  }
}

/** runEmulate serves until a signal; resolves to the exit code. */
async function runEmulate(f: EmulateFlags): Promise<number> {
  const opts = toOptions(f)
  await serveUntilSignal(
    async () => {
      const emulator = await startEmulator(opts)
      process.stderr.write(`${describeEmulator(emulator)}\n`)
      return emulator
    },
    (code) => `--port: cannot listen on ${opts.host}:${opts.port} (${code})`,
    async (emulator, signal) => {
      process.stderr.write(`emulate: ${signal}: draining in-flight requests\n`)
      await emulator.close()
    },
  )
  return 0
}

/** emulateCommand builds the commander command; `done` receives the exit code. */
export function emulateCommand(done: (run: () => Promise<number>) => void): Command {
  return new Command('emulate')
    .description(
      'Run an OpenAI-compatible engine emulator (vLLM API and metrics) whose batching, KV cache ' +
        'and token timing come from the simulator engine, stepped in wall-clock time.',
    )
    .requiredOption('--model <id>', `model (${modelIds.join(', ')})`)
    .requiredOption('--gpu <id>', `GPU (${gpuIds.join(', ')})`)
    .option('--tp <n>', 'tensor-parallel GPUs', '1')
    .option(
      '--dtype <dtype>',
      `weights, activations and KV precision (${dtypes.join(', ')})`,
      'bf16',
    )
    .requiredOption('--port <p>', 'port to listen on (0 = any free port)')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--time-scale <x>', 'engine seconds per wall second (10 = ten times faster)', '1')
    .option('--seed <n>', 'seed for output text and --fail-rate', '1')
    .option('--served-model-name <name>', 'model name clients send (default: --model)')
    .option('--max-num-seqs <n>', 'engine: max sequences per iteration (default 256)')
    .option('--max-num-batched-tokens <n>', 'engine: token budget per iteration (default 8192)')
    .option('--max-model-len <n>', "engine: longest prompt + output (default: the model's)")
    .option('--max-loras <n>', 'most LoRA adapters with requests in the engine at once', '1')
    .option(
      '--lora <name>',
      'register a LoRA adapter clients may name as model (repeatable; name=path accepted)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--fail-rate <p>', 'answer this fraction of completion requests with 500')
    .option('--slowdown <x>', 'multiply every iteration time by x')
    .option('--crash-after <n>', 'exit(1) in the middle of the n-th completion request')
    .option('--hang-after <n>', 'stop producing tokens once the n-th completion request starts')
    .action(function emulateAction(this: Command) {
      const flags = this.opts<EmulateFlags>()
      done(() => runEmulate(flags))
    })
}
