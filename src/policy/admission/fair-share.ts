/**
 * @module fair-share: fair share across tenants by virtual token counters (VTC: Sheng et al.,
 * "Fairness in Serving Large Language Models", OSDI'24). Each tenant's counter is the service it
 * has had: input tokens × w_in at admission, plus output tokens × w_out as they are generated.
 * The next request comes from the backlogged tenant with the smallest counter (FIFO within a
 * tenant). A tenant that comes back after being idle is lifted to the smallest backlogged counter,
 * so idleness earns no credit to burst with later. The order itself is vtc-order.ts, which the
 * gateway's pool queue (gateway/fair-queue.ts) uses too, over estimated tokens.
 */
import type { AdmissionPolicy, EngineView, Offer, RequestView } from './types.js'
import { VtcOrder } from './vtc-order.js'

/** FairShareOptions tune fair-share. */
export interface FairShareOptions {
  /** Cost of an input token (default 1) and of an output token (default 2), VTC's w_p and w_q. */
  readonly inputWeight?: number
  readonly outputWeight?: number
}

/** NO_TENANT is the tenant of requests that name none (they share one account). */
const NO_TENANT = ''

/** createFairShare builds a fair-share policy (one per engine). */
export function createFairShare(opts: FairShareOptions = {}): AdmissionPolicy {
  // VTC's evaluation weights an output token as two input tokens (w_p = 1, w_q = 2): decoding
  // holds the GPU longer per token than prefill does.
  const wIn = opts.inputWeight ?? 1
  const wOut = opts.outputWeight ?? 2
  /** Output generated so far by each tenant's running requests, rebuilt per decision. */
  const live = new Map<string, number>()
  // Service counted outside the running batch is charged to the order (admitted input, finished
  // or preempted output); the running batch's output is live, tallied per decision.
  const order = new VtcOrder<RequestView>((tenant) => wOut * (live.get(tenant) ?? 0))
  const tenantOf = (req: RequestView): string => req.tenant ?? NO_TENANT

  /** tally charges each running request's output so far to its tenant, as VTC does per token. */
  const tally = (view: EngineView): void => {
    live.clear()
    for (const r of view.running) {
      const name = tenantOf(r)
      live.set(name, (live.get(name) ?? 0) + r.generated)
    }
  }

  return {
    name: 'fair-share',
    queue: {
      get length() {
        return order.length
      },
      push: function pushFair(req, _now, view) {
        // Re-joining is judged on counters with the running output: tally it first.
        if (order.sizeOf(tenantOf(req)) === 0) tally(view)
        order.push(req, tenantOf(req))
      },
      pushPreempted: (req) => {
        // Its output leaves the running tally, but the service was given: keep it counted.
        order.charge(tenantOf(req), wOut * req.generated)
        order.pushFront(req, tenantOf(req))
      },
      remove: (req) => order.remove(req, tenantOf(req)),
      peek: function peekFair(_now, view): Offer | undefined {
        if (order.length === 0) return undefined
        tally(view)
        const next = order.peek()
        return next ? { req: next.item, verdict: 'admit' } : undefined
      },
      pop: (req) => {
        order.pop()
        // Input is charged once; a resumed request's output moves back into the running tally.
        if (req.preemptions === 0) order.charge(tenantOf(req), wIn * req.promptTokens)
        else order.charge(tenantOf(req), -wOut * req.generated)
      },
      requests: () => order.values(),
    },
    onFinish: (req) => {
      order.charge(tenantOf(req), wOut * req.generated)
    },
  }
}
