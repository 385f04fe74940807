/**
 * @module `host-offload`: a CPU-DRAM tier behind each engine's GPU prefix cache, as vLLM's CPU
 * offloading connector (`--kv-offloading-size`), LMCache's local CPU backend, Pensieve (EuroSys'24)
 * and Mooncake's DRAM pool (FAST'25) provide. Blocks the GPU evicts spill to host memory (LRU);
 * a prefix lookup that runs out of GPU hits continues there, and host hits are reloaded over
 * PCIe instead of recomputed. The engine does the accounting (engine/kv-tiers.ts); this policy
 * only sizes the tier.
 */
import type { KvGeometry, KvPolicy } from './types.js'

/**
 * DEFAULT_HOST_GB_PER_GPU is half a GPU's share of its node's DRAM: a DGX H100 or H200 has 2 TB
 * of system memory for 8 GPUs (NVIDIA DGX H100/H200 datasheets), 256 GB a GPU; the other half is
 * left to the OS, the engine process and its pinned staging buffers.
 */
export const DEFAULT_HOST_GB_PER_GPU = 128

/** HostOffloadOptions configure `host-offload`. */
export interface HostOffloadOptions {
  /** Host tier size per instance in GB (1e9 bytes); default DEFAULT_HOST_GB_PER_GPU per GPU. */
  readonly hostGb?: number
}

/** hostTierBlocks converts a host budget into whole blocks of the instance's KV. */
export function hostTierBlocks(g: KvGeometry, opts: HostOffloadOptions = {}): number {
  const gb = opts.hostGb ?? DEFAULT_HOST_GB_PER_GPU * g.gpus
  return Math.floor((gb * 1e9) / g.blockBytes)
}

/** createHostOffload builds a `host-offload` policy. */
export function createHostOffload(opts: HostOffloadOptions = {}): KvPolicy {
  return {
    name: 'host-offload',
    hostBlocks: (g) => hostTierBlocks(g, opts),
  }
}
