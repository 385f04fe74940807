/**
 * @module Run results. `RunSummary` is the `simulate --json` object (DESIGN.md's schema plus
 * extras); `RunDetail` adds the series the HTML report draws. Both are plain data built after a
 * run returns, never from hooks during it.
 */
import type { ScalingSeries, ScalingSummary } from '../scaling/summary.js'
import type { Quantiles } from '../util/stats.js'

/** RunSummary is one policy run, in DESIGN.md's JSON schema (snake_case keys are the contract). */
export interface RunSummary {
  readonly router: string
  /** The run's policies in one label: the router, plus any non-default admission or KV policy. */
  readonly policy: string
  readonly admission: string
  readonly kv: string
  readonly trace: string
  readonly requests: number
  readonly completed: number
  readonly rejected: number
  readonly ttft_s: Quantiles
  readonly tpot_s: Quantiles
  readonly e2e_s: Quantiles
  readonly queue_s: Quantiles
  readonly slo: { readonly ttft_s: number; readonly tpot_s: number; readonly attainment: number }
  /** Completed requests that met both SLOs, per second of simulated span. */
  readonly goodput_rps: number
  readonly throughput_tok_s: { readonly input: number; readonly output: number }
  /** Prompt tokens served from the prefix cache / prompt tokens looked up. */
  readonly prefix_hit_rate: number
  readonly gpu_hours: number
  readonly cost_usd: number
  readonly sim_wall_s: number
  readonly sim_events: number
  // Extras beyond the contract.
  readonly seed: number
  readonly fleet: string
  readonly gpus: number
  /** Simulated seconds from the first arrival to the last completion. */
  readonly makespan_s: number
  readonly preemptions: number
  /**
   * KV tiers beyond the GPU prefix cache: present only when the KV policy pins blocks or keeps a
   * host tier (under plain LRU every hit is a GPU hit: gpu_hit_rate = prefix_hit_rate).
   */
  readonly kv_tiers?: KvTiersSummary
  /** Live migrations (present only for a router that migrates, e.g. llumnix). */
  readonly migrations?: {
    readonly done: number
    readonly aborted: number
    readonly gb: number
    readonly mean_downtime_ms: number
  }
  /** Autoscaling (present only when a scaler runs, i.e. --scaler is not 'none'). */
  readonly scaling?: ScalingSummary
  /** KV moved between instances: P/D handoffs (present only for a prefill/decode fleet). */
  readonly kv_transfer?: {
    readonly count: number
    readonly gb: number
    readonly mean_ms: number
  }
}

/**
 * KvTiersSummary splits prefix hits by tier and reports the host tier and the pins. Rates share
 * prefix_hit_rate's denominator (prompt tokens looked up) and add up to it. GB are 1e9 bytes of KV
 * over whole instances; peaks are each instance's own peak, summed over instances.
 */
export interface KvTiersSummary {
  /** Prompt tokens found in GPU memory / prompt tokens looked up. */
  readonly gpu_hit_rate: number
  /** Prompt tokens found in host memory (and reloaded over PCIe) / prompt tokens looked up. */
  readonly host_hit_rate: number
  readonly host_capacity_gb: number
  readonly host_peak_gb: number
  /** KV written to host memory as the GPU evicted it. */
  readonly offload_gb: number
  /** KV reloaded host → GPU, and the iteration time it added (seconds, summed over instances). */
  readonly reload_gb: number
  readonly reload_s: number
  /** Pins made; taken by the session's next turn; ended by their TTL; ended early for memory. */
  readonly pins: number
  readonly pin_hits: number
  readonly pin_expired: number
  readonly pin_reclaimed: number
  readonly pinned_peak_gb: number
}

/** Timeline is the run sampled on a fixed grid of simulated time, for charts. */
export interface Timeline {
  readonly step_s: number
  /** Start of each bucket, seconds. */
  readonly t: ReadonlyArray<number>
  readonly arrivals_rps: ReadonlyArray<number>
  readonly output_tok_s: ReadonlyArray<number>
  readonly input_tok_s: ReadonlyArray<number>
  /** Requests waiting in engine queues, summed over instances (sampled at bucket end). */
  readonly waiting: ReadonlyArray<number>
  readonly running: ReadonlyArray<number>
  /** Per instance, KV usage 0..1 (sampled at bucket end). Index = instance. */
  readonly kv_usage: ReadonlyArray<ReadonlyArray<number>>
}

/** InstanceInfo describes one simulated instance for reports. */
export interface InstanceInfo {
  readonly name: string
  readonly group: string
  readonly gpu: string
  readonly model: string
  readonly tp: number
}

/** RunDetail is everything the HTML report needs about one run. */
export interface RunDetail {
  readonly summary: RunSummary
  /**
   * Empirical CDFs as values at evenly spaced quantiles q = i/(n−1), i = 0..n−1 (n ≈ 201), over
   * completed requests.
   */
  readonly cdf: {
    readonly ttft_s: ReadonlyArray<number>
    readonly tpot_s: ReadonlyArray<number>
    readonly e2e_s: ReadonlyArray<number>
  }
  readonly timeline: Timeline
  readonly instances: ReadonlyArray<InstanceInfo>
  /** Present for an autoscaled run. */
  readonly scaling?: ScalingSeries
}
