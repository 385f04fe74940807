/**
 * @module Cold-start time of an instance: provisioning, then loading the weights from storage,
 * then engine initialisation (KV allocation, CUDA-graph capture), then any LoRA adapters it
 * serves.
 */
import type { ModelSpec } from '../catalog/index.js'
import type { Deployment } from './deployment.js'
import { weightBytes } from './deployment.js'

/** ColdStartOptions parameterise where weights come from and what the engine does at start. */
export interface ColdStartOptions {
  /** Storage read bandwidth per GPU, bytes/s (local NVMe ≈ 2–3 GB/s; network volume less). */
  readonly storageBandwidth: number
  /** Seconds of engine initialisation after the weights are in GPU memory. */
  readonly initSeconds: number
  /** Seconds to allocate a node and pull the container image (0 when warm). */
  readonly provisionSeconds: number
  /** LoRA adapters loaded at start (default 0), each of rank `loraRank`. */
  readonly loras?: number
  /** Rank of those adapters (default DEFAULT_LORA_RANK). */
  readonly loraRank?: number
}

/**
 * DEFAULT_COLD_START: 2 GB/s is a single NVMe SSD's sequential read (ServerlessLLM, OSDI'24, measures
 * loaders against this class of device); 20 s of init covers vLLM's profiling run and CUDA-graph
 * capture for ~35 batch sizes; provisioning is left at 0 for an already-allocated node.
 */
export const DEFAULT_COLD_START: ColdStartOptions = {
  storageBandwidth: 2e9,
  initSeconds: 20,
  provisionSeconds: 0,
}

/** DEFAULT_LORA_RANK is vLLM's `--max-lora-rank` default (16). */
export const DEFAULT_LORA_RANK = 16

/** LORA_BYTES_PER_PARAM: adapters ship in bf16/fp16 whatever the base model's precision. */
const LORA_BYTES_PER_PARAM = 2

/** loadSeconds is the time to read one GPU's shard of the weights (shards load in parallel). */
export function loadSeconds(d: Deployment, o: ColdStartOptions = DEFAULT_COLD_START): number {
  const perGpu = weightBytes(d) / d.tp
  const bw = Math.min(o.storageBandwidth, d.gpu.pcieBandwidth)
  return perGpu / bw
}

/**
 * loraBytes is one adapter of rank `rank` on every linear layer of a decoder block (q, k, v, o,
 * gate, up, down: QLoRA's all-linear recipe): each adapted d_in × d_out matrix adds
 * rank × (d_in + d_out) parameters. For llama-3.1-8b at rank 16 that is 41.9 M parameters, 84 MB.
 * A MoE model's experts are counted as one dense MLP.
 */
export function loraBytes(m: ModelSpec, rank = DEFAULT_LORA_RANK): number {
  const kv = m.kvHeads * m.headDim
  const q = m.heads * m.headDim
  const attention = m.hidden + q + 2 * (m.hidden + kv) + (q + m.hidden)
  const mlp = 3 * (m.hidden + m.intermediate)
  return m.layers * rank * (attention + mlp) * LORA_BYTES_PER_PARAM
}

/**
 * loraLoadSeconds reads the start-up adapters from storage. vLLM loads an adapter whole on every
 * GPU and shards it there, so each GPU reads all of it.
 */
export function loraLoadSeconds(d: Deployment, o: ColdStartOptions = DEFAULT_COLD_START): number {
  const n = o.loras ?? 0
  if (n <= 0) return 0
  const bw = Math.min(o.storageBandwidth, d.gpu.pcieBandwidth)
  return (n * loraBytes(d.model, o.loraRank)) / bw
}

/** coldStartSeconds is provisioning + weight load + engine initialisation + adapter loads. */
export function coldStartSeconds(d: Deployment, o: ColdStartOptions = DEFAULT_COLD_START): number {
  return o.provisionSeconds + loadSeconds(d, o) + o.initSeconds + loraLoadSeconds(d, o)
}
