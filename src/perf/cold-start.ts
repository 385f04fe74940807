/**
 * @module Cold-start time of an instance: provisioning, then loading the weights from storage,
 * then engine initialisation (KV allocation, CUDA-graph capture).
 */
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

/** loadSeconds is the time to read one GPU's shard of the weights (shards load in parallel). */
export function loadSeconds(d: Deployment, o: ColdStartOptions = DEFAULT_COLD_START): number {
  const perGpu = weightBytes(d) / d.tp
  const bw = Math.min(o.storageBandwidth, d.gpu.pcieBandwidth)
  return perGpu / bw
}

/** coldStartSeconds is provisioning + weight load + engine initialisation. */
export function coldStartSeconds(d: Deployment, o: ColdStartOptions = DEFAULT_COLD_START): number {
  return o.provisionSeconds + loadSeconds(d, o) + o.initSeconds
}
