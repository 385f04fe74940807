/**
 * @module Calibrated efficiencies of the latency model, per GPU. The roofline gives the shape;
 * these numbers say how close real engines get to the datasheet peaks, plus the fixed costs a
 * roofline cannot see (scheduler, sampling, kernel launches, NCCL latency).
 *
 * Every value is fitted against the published measurements in test/fidelity/points.json (the
 * source of each point is recorded there); test/fidelity/fidelity.test.ts keeps each point within
 * ±15%. Values no point constrains say so.
 */

/** Calibration holds the efficiencies and overheads of one GPU type. */
export interface Calibration {
  /** Fraction of peak dense FLOP/s large GEMMs reach (linear layers). */
  readonly gemmEff: number
  /** Fraction of peak FLOP/s the prefill attention kernel (FlashAttention) reaches. */
  readonly attnEff: number
  /** Fraction of HBM bandwidth reached when streaming weights and KV. */
  readonly memEff: number
  /**
   * Exponent of the smooth maximum joining compute and memory time of a GEMM,
   * t = (tc^p + tm^p)^(1/p): p → ∞ is the ideal roofline; real kernels near the ridge point are
   * slower than either bound alone.
   */
  readonly overlapP: number
  /** Seconds per iteration: scheduling, input preparation, CUDA-graph launch, sampling launch. */
  readonly stepOverhead: number
  /** Seconds per sequence in the batch (per-request bookkeeping, sampling, detokenisation). */
  readonly seqOverhead: number
  /** Seconds of fixed latency per tensor-parallel all-reduce (NCCL / custom all-reduce). */
  readonly allreduceLatency: number
  /** Fraction of link bandwidth an all-reduce reaches. */
  readonly linkEff: number
  /** Fraction of fp8 peak reached, where the GPU has fp8 tensor cores. */
  readonly fp8GemmEff: number
}

const hopper: Calibration = {
  gemmEff: 0.62,
  attnEff: 0.45,
  memEff: 0.8,
  overlapP: 3,
  stepOverhead: 1.6e-3,
  seqOverhead: 12e-6,
  allreduceLatency: 25e-6,
  linkEff: 0.35,
  fp8GemmEff: 0.65,
}

// H200 runs the same kernels as H100 but reaches a smaller share of its faster HBM3e.
const hopperHbm3e: Calibration = { ...hopper, memEff: 0.72 }

const ampere: Calibration = {
  gemmEff: 0.7,
  attnEff: 0.5,
  memEff: 0.76,
  overlapP: 3,
  stepOverhead: 1.8e-3,
  seqOverhead: 15e-6,
  allreduceLatency: 35e-6,
  linkEff: 0.35,
  fp8GemmEff: 0.7,
}

const ada: Calibration = {
  gemmEff: 0.65,
  attnEff: 0.45,
  memEff: 0.85,
  overlapP: 3,
  stepOverhead: 1.8e-3,
  seqOverhead: 15e-6,
  allreduceLatency: 25e-6, // peer traffic over PCIe, no NVLink: no measured point constrains it
  linkEff: 0.6,
  fp8GemmEff: 0.5,
}

/** calibrations maps GPU id to its calibration. */
export const calibrations: Readonly<Record<string, Calibration>> = {
  'a100-40g': ampere,
  'a100-80g': ampere,
  'h100-80g': hopper,
  'h200-141g': hopperHbm3e,
  'l40s-48g': ada,
}
