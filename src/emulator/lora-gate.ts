/**
 * @module LoRA admission: at most `maxLoras` distinct adapters have requests in the engine at
 * once (vLLM's --max-loras bounds the adapters in one batch). A request for another adapter is
 * held, counted as waiting, until an adapter's last request finishes; requests for the base model
 * or an adapter already in are never held. Adapter load and switch costs are not modelled.
 */

/** LoraGate decides when a request for an adapter may enter the engine. */
export class LoraGate<T> {
  readonly maxLoras: number
  /** Requests in the engine per adapter. */
  #active = new Map<string, number>()
  #held: Array<{ adapter: string; item: T }> = []

  constructor(maxLoras: number) {
    this.maxLoras = maxLoras
  }

  /** held is the number of requests waiting for an adapter slot. */
  get held(): number {
    return this.#held.length
  }

  /** enter returns true when `item` may go to the engine now, else holds it. */
  enter(adapter: string | undefined, item: T): boolean {
    if (adapter === undefined) return true
    const n = this.#active.get(adapter)
    if (n !== undefined || this.#active.size < this.maxLoras) {
      this.#active.set(adapter, (n ?? 0) + 1)
      return true
    }
    this.#held.push({ adapter, item })
    return false
  }

  /** remove drops a held request (its client went away); true when it was held. */
  remove(item: T): boolean {
    const i = this.#held.findIndex((h) => h.item === item)
    if (i < 0) return false
    this.#held.splice(i, 1)
    return true
  }

  /** leave records a finished request and returns the held ones that may now go, in order. */
  leave(adapter: string | undefined): T[] {
    if (adapter === undefined) return []
    const n = (this.#active.get(adapter) ?? 1) - 1
    if (n > 0) {
      this.#active.set(adapter, n)
      return []
    }
    this.#active.delete(adapter)
    const out: T[] = []
    const keep: Array<{ adapter: string; item: T }> = []
    for (const h of this.#held) {
      const m = this.#active.get(h.adapter)
      if (m !== undefined || this.#active.size < this.maxLoras) {
        this.#active.set(h.adapter, (m ?? 0) + 1)
        out.push(h.item)
      } else {
        keep.push(h)
      }
    }
    this.#held = keep
    return out
  }
}
