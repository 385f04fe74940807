/**
 * @module Per-tenant limits: a tokens-per-minute bucket and a concurrency cap. Time is passed in
 * (seconds), so the same code is tested by stepping numbers.
 *
 * The bucket is charged in three moves (docs/gateway-limits.md has the whole story):
 * - `reserve` at admission: the prompt plus the output the request may produce;
 * - `draw` while a stream runs past its reservation: each extra token must be in the bucket,
 *   or the stream is cut (the bucket never goes below zero this way);
 * - `settle` at the end: the unused part of the reservation comes back, and output that only
 *   became known at the end (a non-streamed answer longer than reserved) is taken, even into
 *   debt. A bucket in debt admits nothing until it has refilled past the next request's needs.
 */

/** TokenBucket refills `perMinute` tokens a minute up to a burst of `perMinute`. */
export class TokenBucket {
  readonly perMinute: number
  /** Tokens in the bucket; negative while the tenant is in debt. */
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
   * reserve takes `n` tokens if the bucket holds them and returns 0, else returns the seconds
   * until it will (the Retry-After): e.g. 1,000 TPM with 100 left and n = 300 → 200 short → 12 s;
   * in debt by 500, n = 100 → 600 short → 36 s. A request larger than the whole bucket can
   * never pass: Infinity.
   */
  reserve(n: number, now: number): number {
    this.#refill(now)
    if (n > this.perMinute) return Number.POSITIVE_INFINITY
    if (this.#tokens >= n) {
      this.#tokens -= n
      return 0
    }
    return ((n - this.#tokens) * 60) / this.perMinute
  }

  /** draw takes `n` tokens only if the bucket holds them all; false (and nothing taken) if not. */
  draw(n: number, now: number): boolean {
    this.#refill(now)
    if (this.#tokens < n) return false
    this.#tokens -= n
    return true
  }

  /**
   * settle returns `delta` tokens (a reservation that overshot) when positive, and takes them
   * when negative, into debt if need be (output that was only counted at the end).
   */
  settle(delta: number, now: number): void {
    this.#refill(now)
    this.#tokens = Math.min(this.perMinute, this.#tokens + delta)
  }

  /** balance is the tokens in the bucket at `now` (negative in debt). */
  balance(now: number): number {
    this.#refill(now)
    return this.#tokens
  }

  /** fullIn is the seconds until the bucket is full again. */
  fullIn(now: number): number {
    return ((this.perMinute - this.balance(now)) * 60) / this.perMinute
  }
}
