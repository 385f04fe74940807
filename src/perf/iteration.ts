/**
 * @module Latency of one engine iteration: a roofline over the batch's FLOPs and bytes, per
 * tensor-parallel GPU, plus all-reduce and fixed overheads.
 *
 * Per iteration with T = prefill tokens + decode sequences:
 *   linear   2·P_active·T FLOPs vs the weight bytes (MoE: only the experts the batch touches)
 *   attention 4·layers·heads·headDim·(query·key pairs) FLOPs vs KV bytes read
 *   all-reduce 2 per layer of T·hidden activations, ring algorithm over the GPU link
 *   overheads a fixed cost per step and per sequence
 * Everything except overheads is divided across the `tp` GPUs.
 */

import { bytesPerElement } from '../catalog/index.js'
import type { BatchShape } from './batch.js'
import { type Calibration, calibrations } from './calibration.js'
import type { Deployment } from './deployment.js'
import { embeddingParams, expertParams, kvBytesPerTokenPerGpu } from './deployment.js'

/** IterationModel times engine iterations of one deployment. */
export interface IterationModel {
  readonly deployment: Deployment
  readonly calibration: Calibration
  /** iterationTime returns the seconds one iteration over `b` takes. Zero for an empty batch. */
  iterationTime(b: BatchShape): number
}

/** createIterationModel precomputes the per-deployment constants; iterationTime is then O(1). */
export function createIterationModel(d: Deployment, cal?: Calibration): IterationModel {
  const c = cal ?? calibrations[d.gpu.id]
  if (!c) throw new Error(`no calibration for GPU ${d.gpu.id}`)
  const m = d.model
  const tp = d.tp
  const bpe = bytesPerElement(d.dtype)

  // fp8 runs GEMMs on fp8 tensor cores where the chip has them; A100 has none, so fp8 there is
  // weight-only (W8A16, as vLLM's Marlin kernels do): half the bytes, bf16 FLOP rate.
  const fp8Native = d.dtype === 'fp8' && d.gpu.fp8Flops !== undefined
  const gemmFlops = (fp8Native ? d.gpu.fp8Flops! * c.fp8GemmEff : d.gpu.bf16Flops * c.gemmEff) * tp
  const attnFlops = d.gpu.bf16Flops * c.attnEff * tp
  const memBw = d.gpu.hbmBandwidth * c.memEff * tp

  const emb = embeddingParams(m)
  // Linear FLOPs per token: active params minus the input embedding lookup (the LM head is a
  // GEMM but only for sampled positions: counted per sequence below).
  const linearParamsPerToken = m.activeParams - 2 * emb
  const lmHeadFlopsPerSeq = 2 * emb
  const experts = expertParams(m)
  const denseWeightBytes = (m.params - experts - emb) * bpe // input embedding rows are not streamed
  const expertLayerBytes = m.moe ? (experts * bpe) / m.layers : 0
  const attnFlopsPerPair = 4 * m.layers * m.heads * m.headDim
  const kvBytesPerToken = kvBytesPerTokenPerGpu(d) * tp // whole instance
  const p = c.overlapP
  const allreduces = 2 * m.layers
  const ringFactor = tp > 1 ? (2 * (tp - 1)) / tp : 0
  const linkBw = d.gpu.linkBandwidth * c.linkEff
  const actBytes = 2 // all-reduce in bf16 even for fp8 GEMMs

  function smoothMax(a: number, b: number): number {
    if (a === 0) return b
    if (b === 0) return a
    // p = 3 is the calibrated value; cbrt avoids two general pow calls on the hot path.
    if (p === 3) return Math.cbrt(a * a * a + b * b * b)
    return (a ** p + b ** p) ** (1 / p)
  }

  return {
    deployment: d,
    calibration: c,
    iterationTime: function iterationTime(b: BatchShape): number {
      const tokens = b.prefillTokens + b.decodeSeqs
      if (tokens === 0) return 0
      const seqs = b.prefillSeqs + b.decodeSeqs

      // Linear layers. MoE: each layer's router sends each token to topK of E experts, so the
      // batch touches E·(1 − (1 − k/E)^T) experts in expectation; only those weights stream in.
      let weightBytes = denseWeightBytes
      if (m.moe) {
        const touched = m.moe.experts * (1 - (1 - m.moe.topK / m.moe.experts) ** tokens)
        weightBytes += (expertLayerBytes * m.layers * touched) / m.moe.experts
      }
      const linFlops = 2 * linearParamsPerToken * tokens + lmHeadFlopsPerSeq * seqs
      const tLinear = smoothMax(linFlops / gemmFlops, weightBytes / memBw)

      // Attention: prefill is compute-bound (FlashAttention), decode is KV-bandwidth-bound.
      const tPrefillAttn = smoothMax(
        (attnFlopsPerPair * b.prefillAttn) / attnFlops,
        (kvBytesPerToken * b.prefillKvRead) / memBw,
      )
      const tDecodeAttn = smoothMax(
        (attnFlopsPerPair * b.decodeCtx) / attnFlops,
        (kvBytesPerToken * b.decodeCtx) / memBw,
      )

      let tComm = 0
      if (tp > 1) {
        const bytes = tokens * m.hidden * actBytes
        tComm = allreduces * (c.allreduceLatency + (ringFactor * bytes) / linkBw)
      }
      return tLinear + tPrefillAttn + tDecodeAttn + tComm + c.stepOverhead + c.seqOverhead * seqs
    },
  }
}
