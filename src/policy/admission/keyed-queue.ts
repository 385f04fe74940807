/**
 * @module KeyedQueue: the ordered container the admission policies build on, a binary min-heap by
 * (key, push order). With one key for all it is FIFO; with deadlines it is EDF.
 */

interface Entry<T> {
  readonly item: T
  readonly key: number
  readonly tie: number
}

/**
 * KeyedQueue yields the item with the smallest key; equal keys come out in push order.
 * `pushFront` puts an item ahead of every keyed one, the last such push first, as vLLM v1's
 * `prepend_request` does for preempted requests.
 */
export class KeyedQueue<T> {
  #heap: Entry<T>[] = []
  #pushed = 0
  #fronted = 0

  get length(): number {
    return this.#heap.length
  }

  push(item: T, key = 0): void {
    this.#insert({ item, key, tie: ++this.#pushed })
  }

  pushFront(item: T): void {
    this.#insert({ item, key: Number.NEGATIVE_INFINITY, tie: --this.#fronted })
  }

  peek(): T | undefined {
    return this.#heap[0]?.item
  }

  /** peekKey is the smallest key (undefined when empty). */
  peekKey(): number | undefined {
    return this.#heap[0]?.key
  }

  pop(): T | undefined {
    const heap = this.#heap
    const top = heap[0]
    if (!top) return undefined
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      this.#down(0)
    }
    return top.item
  }

  /** remove drops `item` wherever it is (O(n)); false when absent. */
  remove(item: T): boolean {
    const heap = this.#heap
    const i = heap.findIndex((e) => e.item === item)
    if (i < 0) return false
    const last = heap.pop()!
    if (i < heap.length) {
      heap[i] = last
      this.#down(i)
      this.#up(i)
    }
    return true
  }

  *values(): IterableIterator<T> {
    for (const e of this.#heap) yield e.item
  }

  #insert(e: Entry<T>): void {
    this.#heap.push(e)
    this.#up(this.#heap.length - 1)
  }

  #less(a: Entry<T>, b: Entry<T>): boolean {
    return a.key < b.key || (a.key === b.key && a.tie < b.tie)
  }

  #up(i: number): void {
    const heap = this.#heap
    const e = heap[i]!
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = heap[p]!
      if (!this.#less(e, parent)) break
      heap[i] = parent
      i = p
    }
    heap[i] = e
  }

  #down(i: number): void {
    const heap = this.#heap
    const n = heap.length
    const e = heap[i]!
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && this.#less(heap[r]!, heap[l]!) ? r : l
      if (!this.#less(heap[c]!, e)) break
      heap[i] = heap[c]!
      i = c
    }
    heap[i] = e
  }
}
