/**
 * @module Per-tenant limits: a tokens-per-minute bucket and a concurrency cap. Time is passed in
 * (seconds), so the same code is tested by stepping numbers.
 */

/** TokenBucket refills `perMinute` tokens a minute up to a burst of `perMinute`. */
export class TokenBucket {
  readonly perMinute: number
  #tokens: number
  #at: number

  constructor(perMinute: number, now: number) {
    this.perMinute = perMinute
    this.#tokens = perMinute
    this.#at = now
  }

  #refill(now: number): void {
    if (now > this.#at) {
      this.#tokens = Math.min(
        this.perMinute,
        this.#tokens + ((now - this.#at) * this.perMinute) / 60,
      )
      this.#at = now
    }
  }

  /**
   * take consumes `n` tokens if available and returns 0, else returns the seconds until they
   * will be (the Retry-After): e.g. 1,000 TPM with 100 left and n = 300 → 200 short → 12 s.
   * A request larger than the whole bucket can never pass: Infinity.
   */
  take(n: number, now: number): number {
    this.#refill(now)
    if (n > this.perMinute) return Number.POSITIVE_INFINITY
    if (this.#tokens >= n) {
      this.#tokens -= n
      return 0
    }
    return ((n - this.#tokens) * 60) / this.perMinute
  }

  /** refund returns tokens charged for work that did not happen (an estimate that overshot). */
  refund(n: number, now: number): void {
    this.#refill(now)
    this.#tokens = Math.min(this.perMinute, this.#tokens + n)
  }

  /** available is the tokens in the bucket at `now`. */
  available(now: number): number {
    this.#refill(now)
    return this.#tokens
  }
}
