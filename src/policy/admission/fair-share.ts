/**
 * @module fair-share: fair share across tenants by virtual token counters (VTC: Sheng et al.,
 * "Fairness in Serving Large Language Models", OSDI'24). Each tenant's counter is the service it
 * has had: input tokens × w_in at admission, plus output tokens × w_out as they are generated.
 * The next request comes from the backlogged tenant with the smallest counter (FIFO within a
 * tenant). A tenant that comes back after being idle is lifted to the smallest backlogged counter,
 * so idleness earns no credit to burst with later. The gateway's pool queue (gateway/fair-queue.ts)
 * is the same algorithm over estimated tokens.
 */
import { KeyedQueue } from './keyed-queue.js'
import type { AdmissionPolicy, EngineView, Offer, RequestView } from './types.js'

/** FairShareOptions tune fair-share. */
export interface FairShareOptions {
  /** Cost of an input token (default 1) and of an output token (default 2), VTC's w_p and w_q. */
  readonly inputWeight?: number
  readonly outputWeight?: number
}

interface TenantState {
  readonly queue: KeyedQueue<RequestView>
  /** Service counted outside the running batch (admitted input, finished or preempted output). */
  base: number
}

/** NO_TENANT is the tenant of requests that name none (they share one account). */
const NO_TENANT = ''

/** createFairShare builds a fair-share policy (one per engine). */
export function createFairShare(opts: FairShareOptions = {}): AdmissionPolicy {
  // VTC's evaluation weights an output token as two input tokens (w_p = 1, w_q = 2): decoding
  // holds the GPU longer per token than prefill does.
  const wIn = opts.inputWeight ?? 1
  const wOut = opts.outputWeight ?? 2
  const tenants = new Map<string, TenantState>()
  /** Output generated so far by each tenant's running requests, rebuilt per decision. */
  const live = new Map<string, number>()
  let size = 0
  let offered: TenantState | undefined

  const state = (req: RequestView): TenantState => {
    const name = req.tenant ?? NO_TENANT
    let t = tenants.get(name)
    if (!t) {
      t = { queue: new KeyedQueue(), base: 0 }
      tenants.set(name, t)
    }
    return t
  }
  /** tally charges each running request's output so far to its tenant, as VTC does per token. */
  const tally = (view: EngineView): void => {
    live.clear()
    for (const r of view.running) {
      const name = r.tenant ?? NO_TENANT
      live.set(name, (live.get(name) ?? 0) + r.generated)
    }
  }
  const counter = (name: string, t: TenantState): number => t.base + wOut * (live.get(name) ?? 0)

  return {
    name: 'fair-share',
    queue: {
      get length() {
        return size
      },
      push: function pushFair(req, _now, view) {
        const t = state(req)
        if (t.queue.length === 0) {
          // Re-joining: lift to the least counter among backlogged tenants (no idle credit).
          tally(view)
          let floor = Number.POSITIVE_INFINITY
          for (const [name, other] of tenants) {
            if (other !== t && other.queue.length > 0) floor = Math.min(floor, counter(name, other))
          }
          const mine = counter(req.tenant ?? NO_TENANT, t)
          if (floor !== Number.POSITIVE_INFINITY && mine < floor) t.base += floor - mine
        }
        t.queue.push(req)
        size++
      },
      pushPreempted: (req) => {
        const t = state(req)
        // Its output leaves the running tally, but the service was given: keep it counted.
        t.base += wOut * req.generated
        t.queue.pushFront(req)
        size++
      },
      remove: (req) => {
        const removed = state(req).queue.remove(req)
        if (removed) size--
        return removed
      },
      peek: function peekFair(_now, view): Offer | undefined {
        if (size === 0) return undefined
        tally(view)
        let best: TenantState | undefined
        let bestCounter = 0
        for (const [name, t] of tenants) {
          if (t.queue.length === 0) continue
          const c = counter(name, t)
          if (!best || c < bestCounter) {
            best = t
            bestCounter = c
          }
        }
        offered = best
        return best ? { req: best.queue.peek()!, verdict: 'admit' } : undefined
      },
      pop: (req) => {
        offered!.queue.pop()
        size--
        // Input is charged once; a resumed request's output moves back into the running tally.
        if (req.preemptions === 0) offered!.base += wIn * req.promptTokens
        else offered!.base -= wOut * req.generated
      },
      requests: function* fairRequests() {
        for (const t of tenants.values()) yield* t.queue.values()
      },
    },
    onFinish: (req) => {
      state(req).base += wOut * req.generated
    },
  }
}
