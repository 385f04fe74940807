/**
 * @module A bounded queue that is fair across tenants by virtual token counters (VTC: Sheng et
 * al., "Fairness in Serving Large Language Models", OSDI'24). Each tenant's counter grows by the
 * tokens it is served divided by its weight; the next request comes from the backlogged tenant
 * with the smallest counter. A tenant that arrives after being idle is lifted to the smallest
 * active counter, so idleness earns no credit to burst with later.
 */

interface TenantQueue<T> {
  readonly items: T[]
  head: number
  counter: number
  weight: number
}

/** FairQueue holds waiting items of several tenants, at most `capacity` in all. */
export class FairQueue<T> {
  readonly capacity: number
  #tenants = new Map<string, TenantQueue<T>>()
  #size = 0

  constructor(capacity: number) {
    this.capacity = capacity
  }

  get size(): number {
    return this.#size
  }

  /** sizeOf counts one tenant's waiting items. */
  sizeOf(tenant: string): number {
    const q = this.#tenants.get(tenant)
    return q ? q.items.length - q.head : 0
  }

  /** counter is a tenant's virtual token counter (tests, metrics). */
  counter(tenant: string): number {
    return this.#tenants.get(tenant)?.counter ?? 0
  }

  /** push enqueues; false when the queue is full (the caller answers 429). */
  push(tenant: string, item: T, weight = 1): boolean {
    if (this.#size >= this.capacity) return false
    let q = this.#tenants.get(tenant)
    if (!q) {
      q = { items: [], head: 0, counter: 0, weight }
      this.#tenants.set(tenant, q)
    }
    q.weight = weight
    if (q.items.length - q.head === 0) {
      // Re-joining: no credit for the idle time.
      const floor = this.#minActiveCounter()
      if (floor !== undefined && q.counter < floor) q.counter = floor
    }
    q.items.push(item)
    this.#size++
    return true
  }

  /**
   * pop removes the head item of the backlogged tenant with the smallest counter (ties: the
   * tenant seen first), or undefined when empty. The caller charges it with `charge`.
   */
  pop(): { tenant: string; item: T } | undefined {
    let best: [string, TenantQueue<T>] | undefined
    for (const entry of this.#tenants) {
      const q = entry[1]
      if (q.items.length - q.head === 0) continue
      if (!best || q.counter < best[1].counter) best = entry
    }
    if (!best) return undefined
    const q = best[1]
    const item = q.items[q.head]!
    q.items[q.head] = undefined as unknown as T
    q.head++
    if (q.head === q.items.length) {
      q.items.length = 0
      q.head = 0
    }
    this.#size--
    return { tenant: best[0], item }
  }

  /** remove drops a specific waiting item (timed out or cancelled); true when found. */
  remove(tenant: string, item: T): boolean {
    const q = this.#tenants.get(tenant)
    if (!q) return false
    const i = q.items.indexOf(item, q.head)
    if (i < 0) return false
    q.items.splice(i, 1)
    this.#size--
    return true
  }

  /** charge adds served tokens to a tenant's counter, scaled by its weight. */
  charge(tenant: string, tokens: number): void {
    const q = this.#tenants.get(tenant)
    if (q) q.counter += tokens / q.weight
  }

  #minActiveCounter(): number | undefined {
    let min: number | undefined
    for (const q of this.#tenants.values()) {
      if (q.items.length - q.head === 0) continue
      if (min === undefined || q.counter < min) min = q.counter
    }
    return min
  }
}
