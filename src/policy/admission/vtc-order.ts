/**
 * @module The virtual token counter order (VTC: Sheng et al., "Fairness in Serving Large Language
 * Models", OSDI'24), written once for the engine's fair-share admission and the gateway's pool
 * queue. Each tenant has a FIFO of waiting items and a counter of the service it has had, divided
 * by its weight; the next item comes from the backlogged tenant with the smallest counter (ties:
 * the tenant seen first). A tenant that joins the backlog after being idle is lifted to the
 * smallest backlogged counter, so idleness earns no credit to burst with later. What counts as
 * service, and when it is charged, is the caller's: the engine charges tokens as they are
 * computed, the gateway its estimate at dispatch, settled at the end.
 *
 * Worked example: a (weight 1) has been served 5,000 tokens and b (weight 2) 4,000, both
 * backlogged: a's counter is 5,000, b's 4,000 / 2 = 2,000, so b's head goes next.
 */
import { KeyedQueue } from './keyed-queue.js'

interface TenantState<T> {
  readonly queue: KeyedQueue<T>
  /** Service charged so far, already divided by the weight. */
  counter: number
  weight: number
}

/**
 * VtcOrder orders items of several tenants by virtual token counters. `live(tenant)` adds service
 * being given right now that is not charged yet (the engine's running requests' output, tallied
 * per decision); it defaults to none.
 */
export class VtcOrder<T> {
  readonly #tenants = new Map<string, TenantState<T>>()
  readonly #live: (tenant: string) => number
  #size = 0

  constructor(live: (tenant: string) => number = () => 0) {
    this.#live = live
  }

  /** length counts the waiting items of every tenant. */
  get length(): number {
    return this.#size
  }

  /** counter is a tenant's virtual counter now, live service included. */
  counter(tenant: string): number {
    const t = this.#tenants.get(tenant)
    return t === undefined ? 0 : t.counter + this.#live(tenant)
  }

  /** sizeOf counts one tenant's waiting items. */
  sizeOf(tenant: string): number {
    return this.#tenants.get(tenant)?.queue.length ?? 0
  }

  /** push adds an item at the back of its tenant's FIFO, lifting an idle tenant (module doc). */
  push(item: T, tenant: string, weight = 1): void {
    const t = this.#state(tenant)
    t.weight = weight
    if (t.queue.length === 0) {
      let floor = Number.POSITIVE_INFINITY
      for (const [name, other] of this.#tenants) {
        if (other !== t && other.queue.length > 0) floor = Math.min(floor, this.counter(name))
      }
      const mine = this.counter(tenant)
      if (floor !== Number.POSITIVE_INFINITY && mine < floor) t.counter += floor - mine
    }
    t.queue.push(item)
    this.#size++
  }

  /** pushFront puts an item back at the head of its tenant's FIFO (no lift: it was waiting). */
  pushFront(item: T, tenant: string): void {
    this.#state(tenant).queue.pushFront(item)
    this.#size++
  }

  /** remove drops a waiting item; false when it is not there. */
  remove(item: T, tenant: string): boolean {
    const removed = this.#tenants.get(tenant)?.queue.remove(item) ?? false
    if (removed) this.#size--
    return removed
  }

  /** peek is the next item in the order, with its tenant, or undefined when none waits. */
  peek(): { readonly tenant: string; readonly item: T } | undefined {
    let best: string | undefined
    let bestCounter = 0
    for (const [name, t] of this.#tenants) {
      if (t.queue.length === 0) continue
      const c = t.counter + this.#live(name)
      if (best === undefined || c < bestCounter) {
        best = name
        bestCounter = c
      }
    }
    return best === undefined
      ? undefined
      : { tenant: best, item: this.#tenants.get(best)!.queue.peek()! }
  }

  /** pop removes and returns the next item, with its tenant (undefined when none waits). */
  pop(): { readonly tenant: string; readonly item: T } | undefined {
    const next = this.peek()
    if (next === undefined) return undefined
    this.#tenants.get(next.tenant)!.queue.pop()
    this.#size--
    return next
  }

  /** charge adds service to a tenant's counter, divided by its weight (negative: take back). */
  charge(tenant: string, tokens: number): void {
    const t = this.#state(tenant)
    t.counter += tokens / t.weight
  }

  /** values lists every waiting item, in no particular order. */
  *values(): IterableIterator<T> {
    for (const t of this.#tenants.values()) yield* t.queue.values()
  }

  #state(tenant: string): TenantState<T> {
    let t = this.#tenants.get(tenant)
    if (t === undefined) {
      t = { queue: new KeyedQueue(), counter: 0, weight: 1 }
      this.#tenants.set(tenant, t)
    }
    return t
  }
}
