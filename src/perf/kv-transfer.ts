/**
 * @module KV-cache transfer between instances: a P/D handoff (prefill → decode) or a live
 * migration moves a request's KV over a link. Time = setup latency + bytes / bandwidth, with the
 * bytes and the link taken per GPU: tensor-parallel shards move in parallel, each over its own
 * GPU's link (DistServe §4, Splitwise §4.3 model the transfer the same way).
 */
import type { GpuSpec } from '../catalog/gpus.js'
import { type Deployment, kvBytesPerTokenPerGpu } from './deployment.js'

/** KvLinkKind is the path KV takes between two instances. */
export type KvLinkKind = 'nvlink' | 'rdma' | 'pcie'

/** KV_LINK_KINDS lists the link kinds for flags and config validation. */
export const KV_LINK_KINDS: ReadonlyArray<KvLinkKind> = ['nvlink', 'rdma', 'pcie']

/** KvLink is a resolved link: per-GPU bandwidth (bytes/s, one direction) and setup latency (s). */
export interface KvLink {
  readonly kind: KvLinkKind
  readonly bandwidth: number
  readonly latency: number
}

/**
 * RDMA_BYTES_PER_S is one 400 Gb/s NIC per GPU (InfiniBand NDR / ConnectX-7, as in the DGX H100
 * reference design: eight 400 Gb/s ports for eight GPUs), i.e. 50 GB/s per direction.
 */
export const RDMA_BYTES_PER_S = 400e9 / 8

/**
 * DEFAULT_LINK_LATENCY_S is a per-transfer setup cost (descriptor exchange, one round trip,
 * completion). It is an assumption, not a calibrated figure: sub-millisecond on RDMA fabrics;
 * override it with the fleet's `kv_transfer.latency_ms` when you have a measurement.
 */
export const DEFAULT_LINK_LATENCY_S = 0.0005

/**
 * resolveKvLink picks the bandwidth for `kind` on `gpu`: NVLink within a node (the catalog's
 * GPU-to-GPU link; PCIe where the GPU has no NVLink), RDMA across nodes, or PCIe through host
 * memory. `bandwidthGbps` (gigabits/s) and `latencyS` override the defaults.
 */
export function resolveKvLink(
  kind: KvLinkKind,
  gpu: GpuSpec,
  bandwidthGbps?: number,
  latencyS?: number,
): KvLink {
  let bandwidth: number
  if (bandwidthGbps !== undefined) bandwidth = (bandwidthGbps * 1e9) / 8
  else if (kind === 'nvlink') bandwidth = gpu.linkBandwidth
  else if (kind === 'rdma') bandwidth = RDMA_BYTES_PER_S
  else bandwidth = gpu.pcieBandwidth
  return { kind, bandwidth, latency: latencyS ?? DEFAULT_LINK_LATENCY_S }
}

/** kvTransferBytes is the KV one GPU of `d` sends for `tokens` tokens of context. */
export function kvTransferBytes(d: Deployment, tokens: number): number {
  return kvBytesPerTokenPerGpu(d) * tokens
}

/** kvTransferSeconds is how long moving `tokens` tokens of KV of `d` over `link` takes. */
export function kvTransferSeconds(d: Deployment, tokens: number, link: KvLink): number {
  return link.latency + kvTransferBytes(d, tokens) / link.bandwidth
}
