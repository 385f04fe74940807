/**
 * @module Tenants: API keys → tenant, and each tenant's limits (tokens per minute and concurrent
 * requests). Without `tenants` in the config every caller is the one anonymous tenant, with no
 * key needed and no limits. Time is passed in (seconds).
 *
 * Keys are looked up by their SHA-256 digest and confirmed with a constant-time comparison, so
 * the time a lookup takes says nothing about how much of a guessed key was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
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

/** digest is a key's SHA-256 (what the key table is indexed by). */
function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest()
}

/** Tenants resolves keys and applies per-tenant limits. */
export class Tenants {
  /** Tenants by the hex SHA-256 of each key, with the digest to confirm against. */
  #byKey = new Map<string, { readonly digest: Buffer; readonly tenant: Tenant }>()
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
      for (const k of t.api_keys) {
        const d = digest(k)
        this.#byKey.set(d.toString('hex'), { digest: d, tenant })
      }
    }
    this.all = all
  }

  /** resolve maps an Authorization header to a tenant, or throws a 401. */
  resolve(authorization: string | undefined): Tenant {
    if (this.#anonymous) return this.#anonymous
    const m = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (m) {
      const d = digest(m[1]!)
      const entry = this.#byKey.get(d.toString('hex'))
      if (entry && timingSafeEqual(entry.digest, d)) return entry.tenant
    }
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
   * admit takes a concurrency slot and reserves `tokens` from the tenant's bucket. A request that
   * could never fit the bucket, even full, is a 400 (retrying cannot help, and SDKs retry 429s);
   * otherwise it is a 429 when over max_concurrency (retry in 1 s) or short of tokens (retry
   * when the bucket will hold them, e.g. 300 short at 1,000 TPM → 18 s).
   */
  admit(t: Tenant, tokens: number, now: number): void {
    if (t.bucket && tokens > t.bucket.perMinute) {
      throw new ApiError(
        400,
        `This request may use ${tokens} tokens (prompt + max_tokens), more than tenant ` +
          `'${t.name}' may use in a minute (${t.bucket.perMinute}). Lower max_tokens or ` +
          'shorten the prompt.',
        { param: 'max_tokens', code: 'exceeds_tokens_per_minute' },
      )
    }
    if (t.active >= t.maxConcurrency) {
      throw rateLimited(
        `Tenant '${t.name}' has ${t.active} requests in flight, its limit (max_concurrency).`,
        'max_concurrency',
        1,
      )
    }
    const wait = t.bucket?.reserve(tokens, now) ?? 0
    if (wait > 0) {
      throw rateLimited(
        `Rate limit reached for tenant '${t.name}' on tokens per minute: limit ` +
          `${t.bucket!.perMinute}, this request needs ${tokens}. Retry in ${Math.ceil(wait)} s.`,
        'tokens_per_minute',
        wait,
      )
    }
    t.active++
  }

  /**
   * draw takes `tokens` a stream delivers beyond its reservation; false when the bucket does not
   * hold them (the stream is then cut). A tenant without a token limit always may.
   */
  draw(t: Tenant, tokens: number, now: number): boolean {
    return t.bucket === undefined || t.bucket.draw(tokens, now)
  }

  /**
   * release frees the slot and settles the reservation: `reserved - used` comes back when
   * positive, and is taken (into debt if need be) when negative.
   */
  release(t: Tenant, reserved: number, used: number, now: number): void {
    t.active--
    if (t.bucket && used !== reserved) t.bucket.settle(reserved - used, now)
  }

  /**
   * rateHeaders are OpenAI's rate-limit headers for a tenant with a token limit: the limit, what
   * is left, and when the bucket is full again (OpenAI's duration form, e.g. "6m0s", "1.5s").
   */
  rateHeaders(t: Tenant, now: number): Record<string, string> | undefined {
    const b = t.bucket
    if (!b) return undefined
    return {
      'x-ratelimit-limit-tokens': String(b.perMinute),
      'x-ratelimit-remaining-tokens': String(Math.max(0, Math.floor(b.balance(now)))),
      'x-ratelimit-reset-tokens': duration(b.fullIn(now)),
    }
  }
}

/** duration writes seconds as OpenAI's reset headers do: "1m30s", "12s", "0.5s". */
export function duration(s: number): string {
  const r = Math.max(0, Math.round(s * 10) / 10)
  if (r < 60) return `${r}s`
  const whole = Math.round(r)
  const m = Math.floor(whole / 60)
  return `${m}m${whole - m * 60}s`
}
