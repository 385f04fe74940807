/**
 * @module Llumnix (Sun et al., OSDI'24): dispatch to the instance with the most "freeness" and,
 * in the simulator, live-migrate running requests away from instances about to run out of KV.
 *
 * Freeness is measured as Llumnix's default `remaining_steps` load metric: how many decode steps
 * the instance's batch can take before its free KV runs out, where queued prompt work counts as
 * already used ("virtual usage": a queue makes an instance look loaded so that migration relieves
 * it). Defaults follow Llumnix's arguments (docs/Arguments.md in AlibabaPAI/llumnix):
 * `--migrate-out-threshold 3.0`, `--request-migration-policy SR` (move the shortest running
 * request, the cheapest to copy), `--polling-interval 0.05` (the simulator's rebalance period).
 */
import type { FleetView, InstanceView, MigrationPlan, RoutingPolicy } from '../types.js'
import { isRoutable } from '../types.js'

/** LlumnixOptions tune the migration trigger. */
export interface LlumnixOptions {
  /** Migrate out of an instance whose remaining decode steps fall below this (Llumnix: 3.0). */
  readonly migrateOutThreshold?: number
  /** Migrate only into an instance with at least this many more remaining steps than the source. */
  readonly minGap?: number
}

/** BLOCK_SIZE_FALLBACK is vLLM's default block size, for views without a perf model. */
const BLOCK_SIZE_FALLBACK = 16

/** remainingSteps is an instance's freeness: decode steps left before its KV runs out. */
export function remainingSteps(inst: InstanceView): number {
  const bs = inst.perf?.blockSize ?? BLOCK_SIZE_FALLBACK
  const free = (1 - inst.kvUsage) * inst.kvBlocks * bs - inst.pendingPrefillTokens
  return free / Math.max(1, inst.running + inst.waiting)
}

/** createLlumnix builds the router; its `rebalance` proposes one migration per poll at most. */
export function createLlumnix(opts: LlumnixOptions = {}): RoutingPolicy {
  const threshold = opts.migrateOutThreshold ?? 3
  const minGap = opts.minGap ?? 2 * threshold
  let last = -1
  return {
    name: 'llumnix',
    pick(_req, view) {
      const instances = view.instances
      const n = instances.length
      let best = -1
      let bestFree = Number.NEGATIVE_INFINITY
      for (let j = 1; j <= n; j++) {
        const i = (last + j) % n
        const inst = instances[i]!
        if (!isRoutable(inst)) continue
        const f = remainingSteps(inst)
        if (f > bestFree) {
          best = i
          bestFree = f
        }
      }
      if (best < 0) return undefined
      last = best
      return best
    },
    rebalance(view: FleetView): MigrationPlan | undefined {
      let src = -1
      let srcFree = Number.POSITIVE_INFINITY
      let dst = -1
      let dstFree = Number.NEGATIVE_INFINITY
      for (const inst of view.instances) {
        if (!inst.ready) continue
        const f = remainingSteps(inst)
        // A draining instance is the best source of all: everything on it has to go somewhere.
        if (inst.running > 0 && (inst.draining ? Number.NEGATIVE_INFINITY : f) < srcFree) {
          src = inst.id
          srcFree = inst.draining ? Number.NEGATIVE_INFINITY : f
        }
        if (!inst.draining && f > dstFree) {
          dst = inst.id
          dstFree = f
        }
      }
      if (src < 0 || dst < 0 || src === dst) return undefined
      // Out of an instance about to run out of KV, into one that is not (Llumnix pairs
      // migrate-out candidates with migrate-in ones; in a fleet-wide overload there are none).
      if (srcFree >= threshold || dstFree < threshold || dstFree - srcFree < minGap)
        return undefined
      return { from: src, to: dst }
    },
  }
}
