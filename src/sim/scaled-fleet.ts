/**
 * @module The shape of an autoscaled fleet: its pools (one mixed group, or one prefill and one
 * decode group scaled together), each pool's bounds, target and cold start resolved from its
 * group's `autoscale:` block with Knative's defaults, and `max` instance slots per pool that
 * replicas start in and stop from.
 */
import { coldStartSeconds, DEFAULT_COLD_START } from '../perf/cold-start.js'
import type { ScaleRole } from '../policy/scaler/types.js'
import { UsageError } from '../util/errors.js'
import type { InstancePlan } from './fleet.js'

/**
 * DEFAULT_ACTIVATOR_CAPACITY is the requests Knative's activator queues for a revision before it
 * answers 503 (pkg/activator/net/throttler.go, `breakerQueueDepth = 10000`).
 */
export const DEFAULT_ACTIVATOR_CAPACITY = 10_000

/** DEFAULT_INITIAL is Knative's initial-scale (config-autoscaler `initial-scale: 1`). */
const DEFAULT_INITIAL = 1

/** PoolPlan is one autoscaled pool: bounds, target, cold start and where its slots are. */
export interface PoolPlan {
  /** The group's name. */
  readonly name: string
  readonly role: ScaleRole
  /** Index of the pool's first slot in `ScaledFleet.slots`; its slots are contiguous. */
  readonly first: number
  readonly min: number
  /** Replicas the pool may have at once (starting, ready or draining): its slot count. */
  readonly max: number
  /** Replicas already serving when the trace starts. */
  readonly initial: number
  readonly containerConcurrency: number
  /** Seconds from asking for a replica to its taking requests. */
  readonly coldStartSeconds: number
  /** Requests held while the pool has no ready replica. */
  readonly activatorCapacity: number
  /** GPUs per replica and their price, for billing. */
  readonly gpus: number
  readonly pricePerGpuHour: number
}

/** ScaledFleet is the pools (prefill before decode) and the instance slots, pool by pool. */
export interface ScaledFleet {
  readonly pools: ReadonlyArray<PoolPlan>
  readonly slots: ReadonlyArray<InstancePlan>
}

/**
 * planScaledFleet turns planned groups into pools of slots. Each group's first plan is the
 * template of all its replicas; `max` defaults to the group's instance count, as --max-replicas
 * defaults to --instances.
 */
export function planScaledFleet(plans: ReadonlyArray<InstancePlan>): ScaledFleet {
  const groups = new Map<string, InstancePlan[]>()
  for (const p of plans) {
    const g = groups.get(p.group)
    if (g) g.push(p)
    else groups.set(p.group, [p])
  }
  const list = [...groups.values()]
  const roles = list.map((g) => g[0]!.role).sort()
  const mixed = list.length === 1 && roles[0] === 'mixed'
  const pd = list.length === 2 && roles[0] === 'decode' && roles[1] === 'prefill'
  if (!mixed && !pd) {
    throw new UsageError(
      '--scaler: autoscaling needs a one-group fleet or one prefill and one decode group',
    )
  }
  // Prefill first: arrivals enter there, and scalers read pools in this order.
  if (pd && list[0]![0]!.role === 'decode') list.reverse()
  const pools: PoolPlan[] = []
  const slots: InstancePlan[] = []
  for (const group of list) {
    const t = group[0]!
    const a = t.autoscale ?? {}
    const max = a.max ?? group.length
    const min = Math.min(a.min ?? 0, max)
    const cold = {
      ...DEFAULT_COLD_START,
      ...(a.provisionSeconds !== undefined ? { provisionSeconds: a.provisionSeconds } : {}),
      ...(a.storageGbps !== undefined ? { storageBandwidth: a.storageGbps * 1e9 } : {}),
      ...(a.loras !== undefined ? { loras: a.loras } : {}),
    }
    pools.push({
      name: t.group,
      role: t.role,
      first: slots.length,
      min,
      max,
      initial: Math.max(min, Math.min(max, a.initial ?? DEFAULT_INITIAL)),
      // An engine saturates at max_num_seqs running requests; beyond it they queue.
      containerConcurrency: a.containerConcurrency ?? t.engine.maxNumSeqs,
      coldStartSeconds: coldStartSeconds(t.deployment, cold),
      activatorCapacity: a.activatorCapacity ?? DEFAULT_ACTIVATOR_CAPACITY,
      gpus: t.deployment.tp,
      pricePerGpuHour: t.pricePerGpuHour,
    })
    for (let i = 0; i < max; i++) slots.push({ ...t, name: `${t.group}-${i}` })
  }
  return { pools, slots }
}
