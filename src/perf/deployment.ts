/**
 * @module A deployment: one model on one instance of `tp` GPUs at one precision. The unit the
 * performance model and the engine size themselves by.
 */
import type { Dtype, GpuSpec, ModelSpec } from '../catalog/index.js'
import { bytesPerElement } from '../catalog/index.js'

/** Deployment is a model served on `tp` identical GPUs with tensor parallelism. */
export interface Deployment {
  readonly gpu: GpuSpec
  readonly model: ModelSpec
  readonly tp: number
  readonly dtype: Dtype
}

/** embeddingParams is the vocabulary embedding (and the untied LM head for Llama-3-style models). */
export function embeddingParams(m: ModelSpec): number {
  return m.vocab * m.hidden
}

/** expertParams is the parameter count of all routed experts (0 for dense models). */
export function expertParams(m: ModelSpec): number {
  return m.moe ? m.layers * m.moe.experts * 3 * m.hidden * m.intermediate : 0
}

/** weightBytes is the bytes of all weights of the model at the deployment's precision. */
export function weightBytes(d: Deployment): number {
  return d.model.params * bytesPerElement(d.dtype)
}

/**
 * kvBytesPerToken is the KV-cache bytes one token occupies on *one GPU* of the instance: K and V
 * per layer per KV head. With tp > kvHeads the KV heads are replicated (vLLM does this), so each
 * GPU keeps at least one head.
 */
export function kvBytesPerTokenPerGpu(d: Deployment): number {
  const headsPerGpu = Math.max(1, d.model.kvHeads / d.tp)
  return 2 * d.model.layers * headsPerGpu * d.model.headDim * bytesPerElement(d.dtype)
}

/** describeDeployment is a short label like "llama-3.1-8b@h100-80g×1 bf16". */
export function describeDeployment(d: Deployment): string {
  return `${d.model.id}@${d.gpu.id}×${d.tp} ${d.dtype}`
}
