/**
 * @module The sweep grid: traces × policies × load levels × seeds, flattened into jobs that carry
 * only plain data, so a worker thread can rebuild everything a run needs from its message.
 */
import type { PolicyChoice } from '../policy/choice.js'
import type { FleetSpec } from '../sim/fleet.js'
import type { FunctionSimOptions } from '../sim/functions/simulate.js'
import type { Slo } from '../sim/metrics.js'

/** SweepJob is one simulation run, as structured-cloneable data. */
export interface SweepJob {
  /** Position in the grid; results are ordered by it, never by completion. */
  readonly index: number
  /** The trace as the user named it (path, bundled name or synthetic spec). */
  readonly trace: string
  readonly choice: PolicyChoice
  /** The choice's label, unique within a sweep. */
  readonly policy: string
  readonly rateScale: number
  readonly seed: number
  readonly requests: number
}

/** SweepSetup is what every run shares; it goes to each worker once, at start-up. */
export interface SweepSetup {
  readonly fleet: FleetSpec
  /** Where the fleet came from, for errors (the file, or the shorthand flags). */
  readonly fleetWhere: string
  readonly slo: Slo
  /** A scaling study's shared options (see scaling-study.ts); absent for a load sweep. */
  readonly study?: StudySetup
}

/**
 * StudySetup is what the study's runs share beyond the fleet: function-simulator options for a
 * function trace (absent for an LLM trace) and the base policies of an LLM fleet.
 */
export interface StudySetup {
  readonly functions?: Omit<FunctionSimOptions, 'seed' | 'scaler' | 'onProgress'>
  readonly choice: PolicyChoice
}

/** GridAxes are the sweep's dimensions, each already validated. */
export interface GridAxes {
  readonly traces: ReadonlyArray<string>
  readonly policies: ReadonlyArray<{ readonly label: string; readonly choice: PolicyChoice }>
  /** Ascending. */
  readonly rateScales: ReadonlyArray<number>
  readonly seeds: ReadonlyArray<number>
  readonly requests: number
}

/**
 * buildGrid lists the jobs trace-major, then policy, load level and seed, so the runs of one
 * trace finish close together and index order is the order the results are reported in.
 */
export function buildGrid(axes: GridAxes): SweepJob[] {
  const jobs: SweepJob[] = []
  for (const trace of axes.traces) {
    for (const { label, choice } of axes.policies) {
      for (const rateScale of axes.rateScales) {
        for (const seed of axes.seeds) {
          jobs.push({
            index: jobs.length,
            trace,
            choice,
            policy: label,
            rateScale,
            seed,
            requests: axes.requests,
          })
        }
      }
    }
  }
  return jobs
}
