/**
 * @module A KPA whose per-replica concurrency target is tuned online by tabular Q-learning, after
 * Schuler, Jamil & Kühl, "AI-based Resource Allocation: Reinforcement Learning for Adaptive
 * Auto-scaling in Serverless Environments" (CCGrid 2021), who tune Knative's concurrency limit
 * per revision with Q-learning on a throughput/latency reward. Each epoch the learner scores the
 * target it used, updates its table and picks the next target epsilon-greedily; in between, the
 * replica count is the KPA's with that target.
 */
import { createRng, type Rng } from '../../util/rng.js'
import { KpaPool } from './kpa.js'
import type { PoolScaleView, ScaleDecision, Scaler, ScaleView } from './types.js'

/** QLearningOptions tune the learner; the defaults are this module's, named below. */
export interface QLearningOptions {
  /** Seconds per epoch: one reward and one Q update each. */
  readonly epoch?: number
  /** Learning rate. */
  readonly alpha?: number
  /** Discount of the next state's value. */
  readonly gamma?: number
  /** Exploration rate at the start; it decays by `decay` per epoch down to `minEpsilon`. */
  readonly epsilon?: number
  readonly decay?: number
  readonly minEpsilon?: number
  /** Weight of each SLO miss against each SLO-met completion in the reward. */
  readonly miss?: number
  /** Seed of the exploration's random numbers. */
  readonly seed?: number
}

/**
 * QLEARNING_DEFAULTS. 30-s epochs are half Knative's stable window: long enough for a target
 * change to move the replica count, short enough to learn within an hour. Epsilon decays from 1
 * by 3% an epoch (to 0.05 in about 100 epochs, 50 minutes) and keeps 2% exploration so the table
 * can follow a drifting load. The reward counts misses at 0 by default: pure goodput per replica.
 */
export const QLEARNING_DEFAULTS = {
  epoch: 30,
  alpha: 0.3,
  gamma: 0.5,
  epsilon: 1,
  decay: 0.97,
  minEpsilon: 0.02,
  miss: 0,
  seed: 1,
} as const

/**
 * TARGET_FRACTIONS are the actions: the target per replica as a fraction of containerConcurrency
 * (Knative's container-concurrency-target-percentage). The KPA's default, 0.7, is the start.
 */
export const TARGET_FRACTIONS: ReadonlyArray<number> = [0.3, 0.5, 0.7, 0.85, 1]
const START_ACTION = 2

/**
 * Load levels: ⌊log2(1 + arrivals per second)⌋, a level per doubling of the offered load, up to
 * 4096 requests/s. Arrivals, unlike concurrency, do not depend on the target chosen.
 */
const LOAD_LEVELS = 12

/**
 * epochReward is the learner's reward for one epoch: (SLO-met completions − miss × missed
 * completions) per provisioned replica-second (ready, starting and draining replicas, as they
 * are billed). A target too low provisions replicas that add little goodput; one too high packs
 * requests until they miss the SLO, and both lower it.
 */
export function epochReward(
  sloMet: number,
  completions: number,
  replicaSeconds: number,
  miss: number,
): number {
  return (sloMet - miss * (completions - sloMet)) / replicaSeconds
}

/** QPool is one pool's learner: Q-table, epoch accumulators and the KPA it steers. */
class QPool {
  readonly #o: Required<QLearningOptions>
  readonly #rng: Rng
  readonly #kpa = new KpaPool()
  /** Q[(load level × targets + previous target) × targets + target]. */
  readonly #q: Float64Array
  #action = START_ACTION
  /** Row of the state (load level, previous target) the current target was chosen in. */
  #state = START_ACTION * TARGET_FRACTIONS.length
  #epsilon: number
  #epochStart: number | undefined
  #prevNow: number | undefined
  #prevProvisioned = 0
  #met = 0
  #completions = 0
  #arrivals = 0
  #seconds = 0
  #replicaSeconds = 0

  constructor(o: Required<QLearningOptions>, seed: number) {
    this.#o = o
    this.#rng = createRng(seed)
    this.#epsilon = o.epsilon
    const n = TARGET_FRACTIONS.length
    this.#q = new Float64Array(LOAD_LEVELS * n * n)
  }

  /** target is the fraction of containerConcurrency in use. */
  get target(): number {
    return TARGET_FRACTIONS[this.#action]!
  }

  decide(pool: PoolScaleView, now: number): { desired: number; panic: boolean } {
    for (const s of pool.samples) {
      this.#met += s.sloMet
      this.#completions += s.completions
      this.#arrivals += s.arrivals
      this.#seconds++
    }
    if (this.#prevNow !== undefined) {
      this.#replicaSeconds += this.#prevProvisioned * (now - this.#prevNow)
    }
    this.#prevNow = now
    this.#prevProvisioned = pool.ready + pool.pending + pool.draining
    this.#epochStart ??= now
    if (now - this.#epochStart >= this.#o.epoch - 1e-9) {
      this.#endEpoch()
      this.#epochStart = now
    }
    const tv = Math.max(0.01, this.target * Math.max(1, pool.containerConcurrency))
    const step = this.#kpa.decide(pool, now, tv)
    return { desired: step.desired, panic: step.panic }
  }

  /** #endEpoch scores the epoch, updates Q and picks the next target. */
  #endEpoch(): void {
    const n = TARGET_FRACTIONS.length
    const rate = this.#seconds > 0 ? this.#arrivals / this.#seconds : 0
    const load = Math.min(LOAD_LEVELS - 1, Math.floor(Math.log2(1 + rate)))
    // An epoch with nothing provisioned and nothing done says nothing about the target.
    if (this.#replicaSeconds > 0 && (this.#completions > 0 || this.#arrivals > 0)) {
      const r = epochReward(this.#met, this.#completions, this.#replicaSeconds, this.#o.miss)
      // The next state is this epoch's load with the target just used.
      const next = (load * n + this.#action) * n
      let best = Number.NEGATIVE_INFINITY
      for (let a = 0; a < n; a++) best = Math.max(best, this.#q[next + a]!)
      const i = this.#state + this.#action
      this.#q[i]! += this.#o.alpha * (r + this.#o.gamma * best - this.#q[i]!)
      this.#state = next
      this.#action = this.#choose(next)
      this.#epsilon = Math.max(this.#o.minEpsilon, this.#epsilon * this.#o.decay)
    }
    this.#met = 0
    this.#completions = 0
    this.#arrivals = 0
    this.#seconds = 0
    this.#replicaSeconds = 0
  }

  /** #choose is epsilon-greedy over the state's row; ties keep the current target. */
  #choose(row: number): number {
    const n = TARGET_FRACTIONS.length
    if (this.#rng() < this.#epsilon) return Math.floor(this.#rng() * n)
    let best = this.#action
    for (let a = 0; a < n; a++) if (this.#q[row + a]! > this.#q[row + best]!) best = a
    return best
  }
}

/** QLearningScaler is the scaler with its learned targets exposed for reports and tests. */
export interface QLearningScaler extends Scaler {
  /** The target fraction of containerConcurrency each pool uses now, by pool name. */
  targets(): ReadonlyMap<string, number>
}

/**
 * createQLearning returns the KPA with a learned target: every 30 s it rewards the target in use
 * with SLO-met completions per replica-second, updates a Q-table over (load level, target) and
 * moves to the next target epsilon-greedily (seeded, so runs repeat).
 */
export function createQLearning(opts: QLearningOptions = {}): QLearningScaler {
  const o: Required<QLearningOptions> = { ...QLEARNING_DEFAULTS, ...opts }
  const pools = new Map<string, QPool>()
  return {
    name: 'q-learning',
    tickSeconds: 2,
    decide: function decideQLearning(view: ScaleView): ScaleDecision {
      let panic = false
      const desired = view.pools.map((pool) => {
        let q = pools.get(pool.name)
        if (!q) {
          // Pools explore independently: each its own stream from the seed.
          q = new QPool(o, o.seed + pools.size * 7919)
          pools.set(pool.name, q)
        }
        const d = q.decide(pool, view.now)
        panic ||= d.panic
        return d.desired
      })
      return { desired, panic }
    },
    targets: () => new Map([...pools].map(([name, q]) => [name, q.target])),
  }
}
