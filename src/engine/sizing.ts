/**
 * @module One instance sized as vLLM sizes itself at start-up: the deployment checked against
 * the catalog (tensor parallelism must divide the attention heads), the engine settings filled
 * with vLLM's defaults, the KV cache from the memory left after the weights, and max_model_len
 * capped at what that cache holds. The simulator's fleets and the emulator both start here, so
 * an emulated engine has exactly the blocks a simulated one has.
 */
import { type Dtype, getGpu, getModel } from '../catalog/index.js'
import { type Deployment, describeDeployment } from '../perf/deployment.js'
import { kvBudget } from '../perf/memory.js'
import { UsageError } from '../util/errors.js'
import { DEFAULT_ENGINE, type EngineConfig } from './config.js'

/** DeploymentSpec is a deployment as the user names it (catalog ids). */
export interface DeploymentSpec {
  readonly gpu: string
  readonly model: string
  readonly tp: number
  readonly dtype: Dtype
}

/** SizedInstance is one instance's deployment, engine settings and KV blocks. */
export interface SizedInstance {
  readonly deployment: Deployment
  readonly engine: EngineConfig
  readonly numBlocks: number
}

/** resolveDeployment looks the ids up and checks the parallelism; `at` names the input. */
export function resolveDeployment(s: DeploymentSpec, at: string): Deployment {
  const gpu = getGpu(s.gpu, `${at}: gpu`)
  const model = getModel(s.model, `${at}: model`)
  if (![1, 2, 4, 8].includes(s.tp)) throw new UsageError(`${at}: tp must be 1, 2, 4 or 8`)
  if (model.heads % s.tp !== 0) {
    throw new UsageError(`${at}: tp ${s.tp} does not divide ${model.id}'s ${model.heads} heads`)
  }
  return { gpu, model, tp: s.tp, dtype: s.dtype }
}

/**
 * sizeInstance fills the engine settings and sizes the KV cache. vLLM refuses to start when one
 * max-length request cannot fit; max_model_len is capped instead, so a too-long trace row is
 * counted as rejected, not fatal.
 */
export function sizeInstance(
  deployment: Deployment,
  overrides: Partial<EngineConfig> | undefined,
  at: string,
): SizedInstance {
  const engine: EngineConfig = {
    ...DEFAULT_ENGINE,
    ...overrides,
    maxModelLen: overrides?.maxModelLen || deployment.model.maxContext,
  }
  const kv = kvBudget(deployment, engine)
  if (kv.blocks < 1) {
    throw new UsageError(
      `${at}: ${describeDeployment(deployment)} leaves no memory for KV cache ` +
        `(weights ${(kv.weightBytesPerGpu / 1e9).toFixed(1)} GB per GPU); raise tp or use fp8`,
    )
  }
  const capacityTokens = kv.blocks * engine.blockSize
  return {
    deployment,
    engine: { ...engine, maxModelLen: Math.min(engine.maxModelLen, capacityTokens) },
    numBlocks: kv.blocks,
  }
}
