/**
 * @module GPU catalog: datasheet peak throughput, memory and interconnect of each accelerator.
 * Sources: NVIDIA datasheets (A100 "NVIDIA A100 Tensor Core GPU" datasheet 2021; H100 and H200
 * SXM datasheets 2023/2024; L40S datasheet 2023). FLOP/s are *dense* (no 2:4 sparsity).
 */

/** GpuSpec describes one accelerator. Bandwidths are bytes/s per direction. */
export interface GpuSpec {
  readonly id: string
  readonly name: string
  /** Dense bf16/fp16 tensor-core peak, FLOP/s. */
  readonly bf16Flops: number
  /** Dense fp8 tensor-core peak, FLOP/s; undefined where the chip has no fp8 tensor cores. */
  readonly fp8Flops: number | undefined
  readonly hbmBytes: number
  /** HBM bandwidth, bytes/s. */
  readonly hbmBandwidth: number
  /** GPU-to-GPU link bandwidth per direction, bytes/s (NVLink where present, else PCIe). */
  readonly linkBandwidth: number
  readonly link: 'nvlink' | 'pcie'
  /** Host link (PCIe) bandwidth per direction, bytes/s. */
  readonly pcieBandwidth: number
  /**
   * Reference on-demand list price per GPU-hour in USD (late 2025, single-GPU rates of the large
   * GPU clouds, rounded). Prices vary by provider and contract: set `price_per_gpu_hour` in the
   * fleet file for your own.
   */
  readonly pricePerHour: number
}

const T = 1e12
const G = 1e9
const GiB = 1024 ** 3

/** gpus is the catalog keyed by id (DESIGN.md lists the ids). */
export const gpus = {
  'a100-40g': {
    id: 'a100-40g',
    name: 'NVIDIA A100 SXM4 40GB',
    bf16Flops: 312 * T,
    fp8Flops: undefined,
    hbmBytes: 40 * GiB,
    hbmBandwidth: 1555 * G,
    linkBandwidth: 300 * G, // NVLink3: 600 GB/s bidirectional
    link: 'nvlink',
    pcieBandwidth: 32 * G, // PCIe 4.0 x16
    pricePerHour: 1.29,
  },
  'a100-80g': {
    id: 'a100-80g',
    name: 'NVIDIA A100 SXM4 80GB',
    bf16Flops: 312 * T,
    fp8Flops: undefined,
    hbmBytes: 80 * GiB,
    hbmBandwidth: 2039 * G,
    linkBandwidth: 300 * G,
    link: 'nvlink',
    pcieBandwidth: 32 * G,
    pricePerHour: 1.79,
  },
  'h100-80g': {
    id: 'h100-80g',
    name: 'NVIDIA H100 SXM5 80GB',
    bf16Flops: 989.4 * T,
    fp8Flops: 1978.9 * T,
    hbmBytes: 80 * GiB,
    hbmBandwidth: 3350 * G,
    linkBandwidth: 450 * G, // NVLink4: 900 GB/s bidirectional
    link: 'nvlink',
    pcieBandwidth: 64 * G, // PCIe 5.0 x16
    pricePerHour: 2.99,
  },
  'h200-141g': {
    id: 'h200-141g',
    name: 'NVIDIA H200 SXM 141GB',
    bf16Flops: 989.4 * T,
    fp8Flops: 1978.9 * T,
    hbmBytes: 141 * G, // marketed as 141 GB (decimal)
    hbmBandwidth: 4800 * G,
    linkBandwidth: 450 * G,
    link: 'nvlink',
    pcieBandwidth: 64 * G,
    pricePerHour: 3.79,
  },
  'l40s-48g': {
    id: 'l40s-48g',
    name: 'NVIDIA L40S 48GB',
    bf16Flops: 362.05 * T,
    fp8Flops: 733 * T,
    hbmBytes: 48 * GiB, // GDDR6, not HBM; same role
    hbmBandwidth: 864 * G,
    linkBandwidth: 32 * G, // no NVLink: peer traffic crosses PCIe 4.0
    link: 'pcie',
    pcieBandwidth: 32 * G,
    pricePerHour: 1.19,
  },
} as const satisfies Record<string, GpuSpec>

/** GpuId is a catalog GPU id. */
export type GpuId = keyof typeof gpus
