/** @module Tests for KV transfer time. */
import { describe, expect, it } from 'vitest'
import { getGpu, getModel } from '../catalog/index.js'
import type { Deployment } from './deployment.js'
import {
  kvTransferBytes,
  kvTransferSeconds,
  RDMA_BYTES_PER_S,
  resolveKvLink,
} from './kv-transfer.js'

const h100 = getGpu('h100-80g')
const d: Deployment = { gpu: h100, model: getModel('llama-3.1-8b'), tp: 1, dtype: 'bf16' }

describe('KV transfer', () => {
  it('moves 128 KiB per token for llama-3.1-8b in bf16 (32 layers × 8 KV heads × 128 × 2 × 2 B)', () => {
    expect(kvTransferBytes(d, 1)).toBe(32 * 8 * 128 * 2 * 2)
    expect(kvTransferBytes(d, 1000)).toBe(1000 * 131072)
  })

  it('takes latency + bytes / bandwidth on each link', () => {
    const rdma = resolveKvLink('rdma', h100, undefined, 0)
    expect(rdma.bandwidth).toBe(RDMA_BYTES_PER_S)
    // 2,000 tokens = 262,144,000 B over 50 GB/s = 5.24288 ms.
    expect(kvTransferSeconds(d, 2000, rdma)).toBeCloseTo(262_144_000 / 50e9, 12)
    const nv = resolveKvLink('nvlink', h100, undefined, 0.001)
    expect(kvTransferSeconds(d, 2000, nv)).toBeCloseTo(0.001 + 262_144_000 / h100.linkBandwidth, 12)
    const pcie = resolveKvLink('pcie', h100)
    expect(pcie.bandwidth).toBe(h100.pcieBandwidth)
  })

  it('splits KV across tensor-parallel shards, each over its own link', () => {
    const tp2: Deployment = { ...d, tp: 2 }
    expect(kvTransferBytes(tp2, 1000)).toBe(kvTransferBytes(d, 1000) / 2)
  })

  it('takes a bandwidth override in Gb/s', () => {
    expect(resolveKvLink('rdma', h100, 200).bandwidth).toBe(25e9)
  })
})
