/**
 * @module Numeric precision of a deployment: `--dtype` sets weights, activations and KV cache.
 */

/** Dtype is the deployment precision. */
export type Dtype = 'bf16' | 'fp8'

/** dtypes lists the valid precisions. */
export const dtypes: ReadonlyArray<Dtype> = ['bf16', 'fp8']

/** bytesPerElement is the storage size of one weight/KV element. */
export function bytesPerElement(dtype: Dtype): number {
  return dtype === 'fp8' ? 1 : 2
}
