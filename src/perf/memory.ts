/**
 * @module GPU memory budget of an instance, as vLLM sizes it at start-up: the KV cache gets what is
 * left of `gpu_memory_utilization × HBM` after weights, peak activations and runtime overheads.
 */
import type { Deployment } from './deployment.js'
import { kvBytesPerTokenPerGpu, weightBytes } from './deployment.js'

/** MemoryOptions are the engine settings that shape the KV budget. */
export interface MemoryOptions {
  /** vLLM's --gpu-memory-utilization (default 0.9). */
  readonly gpuMemoryUtilization: number
  readonly blockSize: number
  readonly maxNumBatchedTokens: number
  readonly maxNumSeqs: number
}

/**
 * RUNTIME_OVERHEAD_BYTES covers the CUDA context, cuBLAS workspaces and CUDA-graph pools that
 * vLLM's memory profiler sees as non-torch memory (about 1–2 GiB on a Hopper instance; 1.5 GiB).
 */
const RUNTIME_OVERHEAD_BYTES = 1.5 * 1024 ** 3

/** KvBudget is the result of sizing: bytes and blocks of KV cache per GPU. */
export interface KvBudget {
  readonly kvBytesPerGpu: number
  readonly blocks: number
  readonly weightBytesPerGpu: number
  readonly activationBytesPerGpu: number
}

/**
 * kvBudget sizes the KV cache. Peak activations follow vLLM's profiling run of one forward pass at
 * max_num_batched_tokens: hidden states and the MLP's gate/up projections per token, plus fp32
 * logits for max_num_seqs sampled rows.
 */
export function kvBudget(d: Deployment, o: MemoryOptions): KvBudget {
  const m = d.model
  const weightBytesPerGpu = weightBytes(d) / d.tp
  const activationBytesPerGpu =
    o.maxNumBatchedTokens * (4 * m.hidden + (2 * m.intermediate) / d.tp) * 2 +
    o.maxNumSeqs * m.vocab * 4
  const usable = d.gpu.hbmBytes * o.gpuMemoryUtilization
  const kvBytesPerGpu = Math.max(
    0,
    usable - weightBytesPerGpu - activationBytesPerGpu - RUNTIME_OVERHEAD_BYTES,
  )
  const blockBytes = kvBytesPerTokenPerGpu(d) * o.blockSize
  return {
    kvBytesPerGpu,
    blocks: Math.floor(kvBytesPerGpu / blockBytes),
    weightBytesPerGpu,
    activationBytesPerGpu,
  }
}
