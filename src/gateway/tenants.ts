/**
 * @module Tenants: API keys → tenant, and each tenant's limits (tokens per minute and concurrent
 * requests). Without `tenants` in the config every caller is the one anonymous tenant, with no
 * key needed and no limits. Time is passed in (seconds).
 */
import { ApiError } from '../openai/api-error.js'
import type { GatewayConfig } from './config.js'
import { rateLimited } from './errors.js'
import { TokenBucket } from './quota.js'

/** Tenant is one tenant's limits and live usage. */
export interface Tenant {
  readonly name: string
  /** Share of the fair queue (virtual-token weight). */
  readonly weight: number
  /** Priority class under `admission: priority-edf` (undefined: the default class). */
  readonly priority: number | undefined
  readonly bucket: TokenBucket | undefined
  readonly maxConcurrency: number
  /** Requests admitted and not yet finished (queued ones included). */
  active: number
}

/** ANONYMOUS is the tenant name used when the config lists no tenants. */
export const ANONYMOUS = 'anonymous'

/** Tenants resolves keys and applies per-tenant limits. */
export class Tenants {
  #byKey = new Map<string, Tenant>()
  #anonymous: Tenant | undefined
  readonly all: ReadonlyArray<Tenant>

  constructor(config: GatewayConfig['tenants'], now: number) {
    if (config === undefined) {
      this.#anonymous = {
        name: ANONYMOUS,
        weight: 1,
        priority: undefined,
        bucket: undefined,
        maxConcurrency: Number.POSITIVE_INFINITY,
        active: 0,
      }
      this.all = [this.#anonymous]
      return
    }
    const all: Tenant[] = []
    for (const t of config) {
      const tenant: Tenant = {
        name: t.name,
        weight: t.weight,
        priority: t.priority,
        bucket:
          t.tokens_per_minute === undefined ? undefined : new TokenBucket(t.tokens_per_minute, now),
        maxConcurrency: t.max_concurrency ?? Number.POSITIVE_INFINITY,
        active: 0,
      }
      all.push(tenant)
      for (const k of t.api_keys) this.#byKey.set(k, tenant)
    }
    this.all = all
  }

  /** resolve maps an Authorization header to a tenant, or throws a 401. */
  resolve(authorization: string | undefined): Tenant {
    if (this.#anonymous) return this.#anonymous
    const m = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    const tenant = m ? this.#byKey.get(m[1]!) : undefined
    if (tenant) return tenant
    // OpenAI's answer to a missing or wrong key: 401, invalid_request_error, invalid_api_key.
    throw new ApiError(
      401,
      m
        ? 'Incorrect API key provided. Check the key in the Authorization header.'
        : "You didn't provide an API key. Send it as 'Authorization: Bearer sk-...'.",
      { code: 'invalid_api_key' },
    )
  }

  /**
   * admit takes a concurrency slot and `tokens` from the tenant's bucket, or throws a 429: over
   * max_concurrency (retry in 1 s), or short of tokens (retry when the bucket will hold them,
   * e.g. 300 short at 1,000 TPM → 18 s).
   */
  admit(t: Tenant, tokens: number, now: number): void {
    if (t.active >= t.maxConcurrency) {
      throw rateLimited(
        `Tenant '${t.name}' has ${t.active} requests in flight, its limit (max_concurrency).`,
        'max_concurrency',
        1,
      )
    }
    if (t.bucket) {
      const wait = t.bucket.take(tokens, now)
      if (wait === Number.POSITIVE_INFINITY) {
        throw rateLimited(
          `Request too large: it may use ${tokens} tokens (prompt + max_tokens), more than ` +
            `tenant '${t.name}' may use in a minute (${t.bucket.perMinute}). Lower max_tokens.`,
          'tokens_per_minute',
          60,
        )
      }
      if (wait > 0) {
        throw rateLimited(
          `Rate limit reached for tenant '${t.name}' on tokens per minute: limit ` +
            `${t.bucket.perMinute}, this request needs ${tokens}. Retry in ${Math.ceil(wait)} s.`,
          'tokens_per_minute',
          wait,
        )
      }
    }
    t.active++
  }

  /** release frees the slot and refunds tokens charged but not used. */
  release(t: Tenant, refund: number, now: number): void {
    t.active--
    if (t.bucket && refund > 0) t.bucket.refund(refund, now)
  }
}
