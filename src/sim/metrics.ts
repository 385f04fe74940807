/**
 * @module Per-request metric collection and the run summary. Definitions (vLLM's, so figures
 * compare with `benchmark_serving.py`):
 *   TTFT  first token − arrival           E2E   finish − arrival
 *   TPOT  (finish − first token)/(output − 1), requests with ≥ 2 output tokens only
 *   queue first scheduled − arrival
 * SLO attainment is the share of *all* requests (rejected ones fail) whose TTFT and TPOT are both
 * within the SLO; goodput is the number of such requests per second of makespan.
 * Rejected requests are those no instance took, those an engine cannot hold, and those an
 * admission policy shed from its queue (priority-edf); so requests = completed + rejected once a
 * run drains. Latency and queue figures cover completed requests only: a shed request has no TTFT.
 */
import type { Sequence } from '../engine/sequence.js'
import { meetsSlo } from '../policy/slo.js'
import type { SloTarget } from '../policy/types.js'
import { cdfPoints, GrowableF64, summarize } from '../util/stats.js'
import type { RunDetail, RunSummary } from './result.js'

/** Slo is the latency target (the policies' SloTarget). */
export type Slo = SloTarget

/** timingOf is a finished sequence's latencies, as vLLM's benchmarks define them. */
export function timingOf(s: Sequence) {
  const tpot = s.generated > 1 ? (s.finishedAt - s.firstTokenAt) / (s.generated - 1) : undefined
  return {
    ttft: s.firstTokenAt - s.arrival,
    tpot,
    e2e: s.finishedAt - s.arrival,
    outputTokens: s.generated,
  }
}

/** MetricsCollector records finished requests. */
export class MetricsCollector {
  readonly slo: Slo
  #ttft = new GrowableF64(4096)
  #tpot = new GrowableF64(4096)
  #e2e = new GrowableF64(4096)
  #queue = new GrowableF64(4096)
  #met = 0
  #inputTokens = 0
  #outputTokens = 0
  requests = 0
  rejected = 0
  firstArrival = Number.POSITIVE_INFINITY
  lastEvent = 0

  constructor(slo: Slo) {
    this.slo = slo
  }

  /** arrival notes a request's arrival time. */
  arrival(t: number): void {
    this.requests++
    if (t < this.firstArrival) this.firstArrival = t
    if (t > this.lastEvent) this.lastEvent = t
  }

  /** reject counts a request the fleet refused. */
  reject(): void {
    this.rejected++
  }

  /** finish records a completed request. */
  finish(s: Sequence): void {
    const t = timingOf(s)
    this.#ttft.push(t.ttft)
    this.#e2e.push(t.e2e)
    this.#queue.push(s.scheduledAt - s.arrival)
    if (t.tpot !== undefined) this.#tpot.push(t.tpot)
    if (meetsSlo(t, this.slo)) this.#met++
    this.#inputTokens += s.promptTokens
    this.#outputTokens += s.generated
    if (s.finishedAt > this.lastEvent) this.lastEvent = s.finishedAt
  }

  get completed(): number {
    return this.#e2e.length
  }

  /** build sorts the samples and returns the summary fields and CDFs. */
  build(): {
    fields: Pick<
      RunSummary,
      | 'requests'
      | 'completed'
      | 'rejected'
      | 'ttft_s'
      | 'tpot_s'
      | 'e2e_s'
      | 'queue_s'
      | 'slo'
      | 'goodput_rps'
      | 'throughput_tok_s'
      | 'makespan_s'
    >
    cdf: RunDetail['cdf']
  } {
    const ttft = this.#ttft.view()
    const tpot = this.#tpot.view()
    const e2e = this.#e2e.view()
    const queue = this.#queue.view()
    const makespan = this.requests > 0 ? this.lastEvent - this.firstArrival : 0
    const perSec = (x: number): number => (makespan > 0 ? x / makespan : 0)
    const fields = {
      requests: this.requests,
      completed: this.completed,
      rejected: this.rejected,
      ttft_s: summarize(ttft),
      tpot_s: summarize(tpot),
      e2e_s: summarize(e2e),
      queue_s: summarize(queue),
      slo: {
        ttft_s: this.slo.ttft_s,
        tpot_s: this.slo.tpot_s,
        attainment: this.requests > 0 ? this.#met / this.requests : 0,
      },
      goodput_rps: perSec(this.#met),
      throughput_tok_s: { input: perSec(this.#inputTokens), output: perSec(this.#outputTokens) },
      makespan_s: makespan,
    }
    return {
      fields,
      cdf: { ttft_s: cdfPoints(ttft), tpot_s: cdfPoints(tpot), e2e_s: cdfPoints(e2e) },
    }
  }
}
