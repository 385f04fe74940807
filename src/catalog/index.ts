/**
 * @module Catalog lookups with user-facing errors: an unknown id lists the valid ones.
 */
import { UsageError } from '../util/errors.js'
import { type Dtype, dtypes } from './dtype.js'
import { type GpuSpec, gpus } from './gpus.js'
import { type ModelSpec, models } from './models.js'

export type { Dtype } from './dtype.js'
export { bytesPerElement, dtypes } from './dtype.js'
export type { GpuId, GpuSpec } from './gpus.js'
export { gpus } from './gpus.js'
export type { ModelId, ModelSpec } from './models.js'
export { models } from './models.js'

/** gpuIds lists the GPU ids in catalog order. */
export const gpuIds: ReadonlyArray<string> = Object.keys(gpus)
/** modelIds lists the model ids in catalog order. */
export const modelIds: ReadonlyArray<string> = Object.keys(models)

/** getGpu returns the spec for an id or throws a UsageError naming `where` and the valid ids. */
export function getGpu(id: string, where = '--gpu'): GpuSpec {
  const g = (gpus as Record<string, GpuSpec>)[id]
  if (!g) throw new UsageError(`${where}: unknown GPU '${id}'; valid: ${gpuIds.join(', ')}`)
  return g
}

/** getModel returns the spec for an id or throws a UsageError naming `where` and the valid ids. */
export function getModel(id: string, where = '--model'): ModelSpec {
  const m = (models as Record<string, ModelSpec>)[id]
  if (!m) throw new UsageError(`${where}: unknown model '${id}'; valid: ${modelIds.join(', ')}`)
  return m
}

/** parseDtype validates a precision name. */
export function parseDtype(s: string, where = '--dtype'): Dtype {
  if ((dtypes as ReadonlyArray<string>).includes(s)) return s as Dtype
  throw new UsageError(`${where}: unknown dtype '${s}'; valid: ${dtypes.join(', ')}`)
}
