/**
 * @module The gateway's per-pool queues, ordered by the config's `admission` policy (the same
 * names the engines take): `fair-share` (the default) is a bounded queue fair across tenants by
 * virtual token counters (VTC: Sheng et al., "Fairness in Serving Large Language Models",
 * OSDI'24), `fcfs` is arrival order, and `priority-edf` is earliest TTFT deadline first (arrival
 * plus the tenant's class target, as policy/admission/priority-edf.ts). The gateway sheds no
 * request for lateness: `queue.max_wait_s` already bounds every wait.
 *
 * VTC: each tenant's counter grows by the tokens it is served divided by its weight; the next
 * request comes from the backlogged tenant with the smallest counter. A tenant that arrives after
 * being idle is lifted to the smallest active counter, so idleness earns no credit to burst with
 * later. The order is policy/admission/vtc-order.ts, the one the engines' fair-share runs; EDF's
 * deadlines are priority-edf's `classTarget`, and both orders sit on the same KeyedQueue.
 */

import { KeyedQueue } from '../policy/admission/keyed-queue.js'
import { classTarget } from '../policy/admission/priority-edf.js'
import type { GatewayAdmissionName } from '../policy/admission/registry.js'
import { VtcOrder } from '../policy/admission/vtc-order.js'

/** QueueMeta is what the orders other than VTC need to know of a waiting request. */
export interface QueueMeta {
  /** When the request reached the gateway (gateway clock, seconds). */
  readonly arrival: number
  /** The tenant's priority class (undefined: the default class). */
  readonly priority: number | undefined
}

/** PoolQueue is a pool's bounded waiting queue. */
export interface PoolQueue<T> {
  readonly capacity: number
  readonly size: number
  /** push enqueues; false when the queue is full (the caller answers 429). */
  push(tenant: string, item: T, weight: number, meta: QueueMeta): boolean
  /** pop removes the next item in the queue's order, or undefined when empty. */
  pop(): { tenant: string; item: T } | undefined
  /** remove drops a specific waiting item (timed out or cancelled); true when found. */
  remove(tenant: string, item: T): boolean
  /** charge adds served tokens to a tenant's account (only fair-share keeps one). */
  charge(tenant: string, tokens: number): void
}

/** createPoolQueue builds a pool's queue for an admission policy the gateway applies. */
export function createPoolQueue<T>(
  admission: GatewayAdmissionName,
  capacity: number,
): PoolQueue<T> {
  switch (admission) {
    case 'fair-share':
      return new FairQueue<T>(capacity)
    case 'fcfs':
      return new OrderedQueue<T>(capacity, () => 0)
    case 'priority-edf':
      return new OrderedQueue<T>(capacity, (m) => m.arrival + classTarget(m.priority))
  }
}

/** OrderedQueue serves items by a key fixed when they join (ties: in push order). */
export class OrderedQueue<T> implements PoolQueue<T> {
  readonly capacity: number
  readonly #key: (meta: QueueMeta) => number
  readonly #q = new KeyedQueue<T>()
  readonly #tenants = new Map<T, string>()

  constructor(capacity: number, key: (meta: QueueMeta) => number) {
    this.capacity = capacity
    this.#key = key
  }

  get size(): number {
    return this.#q.length
  }

  push(tenant: string, item: T, _weight: number, meta: QueueMeta): boolean {
    if (this.#q.length >= this.capacity) return false
    this.#q.push(item, this.#key(meta))
    this.#tenants.set(item, tenant)
    return true
  }

  pop(): { tenant: string; item: T } | undefined {
    const item = this.#q.pop()
    if (item === undefined) return undefined
    const tenant = this.#tenants.get(item)!
    this.#tenants.delete(item)
    return { tenant, item }
  }

  remove(_tenant: string, item: T): boolean {
    if (!this.#q.remove(item)) return false
    this.#tenants.delete(item)
    return true
  }

  charge(): void {}
}

/** FairQueue holds waiting items of several tenants, at most `capacity` in all (VTC order). */
export class FairQueue<T> implements PoolQueue<T> {
  readonly capacity: number
  readonly #order = new VtcOrder<T>()

  constructor(capacity: number) {
    this.capacity = capacity
  }

  get size(): number {
    return this.#order.length
  }

  /** sizeOf counts one tenant's waiting items. */
  sizeOf(tenant: string): number {
    return this.#order.sizeOf(tenant)
  }

  /** counter is a tenant's virtual token counter (tests, metrics). */
  counter(tenant: string): number {
    return this.#order.counter(tenant)
  }

  /** push enqueues; false when the queue is full (the caller answers 429). */
  push(tenant: string, item: T, weight = 1): boolean {
    if (this.#order.length >= this.capacity) return false
    this.#order.push(item, tenant, weight)
    return true
  }

  /**
   * pop removes the head item of the backlogged tenant with the smallest counter (ties: the
   * tenant seen first), or undefined when empty. The caller charges it with `charge`.
   */
  pop(): { tenant: string; item: T } | undefined {
    return this.#order.pop()
  }

  /** remove drops a specific waiting item (timed out or cancelled); true when found. */
  remove(tenant: string, item: T): boolean {
    return this.#order.remove(item, tenant)
  }

  /** charge adds served tokens to a tenant's counter, scaled by its weight. */
  charge(tenant: string, tokens: number): void {
    this.#order.charge(tenant, tokens)
  }
}
