/**
 * @module A growable ring-buffer deque: O(1) push/pop at both ends. The waiting queue needs
 * push-front for preempted requests, which `Array.unshift` would make O(n).
 */

/** Deque is a double-ended queue. */
export class Deque<T> {
  #buf: (T | undefined)[]
  #head = 0
  #size = 0

  constructor(capacity = 16) {
    this.#buf = new Array(Math.max(4, capacity))
  }

  get length(): number {
    return this.#size
  }

  /** at returns the i-th element from the front. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.#size) return undefined
    return this.#buf[(this.#head + i) % this.#buf.length]
  }

  peekFront(): T | undefined {
    return this.#size === 0 ? undefined : this.#buf[this.#head]
  }

  pushBack(x: T): void {
    if (this.#size === this.#buf.length) this.#grow()
    this.#buf[(this.#head + this.#size) % this.#buf.length] = x
    this.#size++
  }

  pushFront(x: T): void {
    if (this.#size === this.#buf.length) this.#grow()
    this.#head = (this.#head - 1 + this.#buf.length) % this.#buf.length
    this.#buf[this.#head] = x
    this.#size++
  }

  popFront(): T | undefined {
    if (this.#size === 0) return undefined
    const x = this.#buf[this.#head]
    this.#buf[this.#head] = undefined
    this.#head = (this.#head + 1) % this.#buf.length
    this.#size--
    return x
  }

  #grow(): void {
    const old = this.#buf
    const next = new Array<T | undefined>(old.length * 2)
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) % old.length]
    this.#buf = next
    this.#head = 0
  }
}
