/**
 * @module Running sweep jobs on the worker pool behind a progress bar on stderr: the part the
 * load sweep and the scaling study share.
 */
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import { createProgress } from '../report/progress.js'
import type { SweepSetup } from '../sweep/grid.js'
import { type PoolJob, runPool } from '../sweep/pool.js'

/** PoolRun configures one pool run from the CLI. */
export interface PoolRun<J extends PoolJob> {
  /** The progress bar's label ("sweep", "scaling study"). */
  readonly label: string
  readonly jobs: ReadonlyArray<J>
  readonly setup: SweepSetup
  /** --workers when given; default: the available cores. Never more than the jobs. */
  readonly workersWanted: number | undefined
  readonly quiet: boolean | undefined
  /** Names a job in an error message (default: the pool's own wording for load-sweep jobs). */
  readonly describe?: (job: J) => string
}

/** runPoolWithProgress runs the jobs and returns their results in job order and the workers used. */
export async function runPoolWithProgress<J extends PoolJob, R>(
  run: PoolRun<J>,
): Promise<{ results: R[]; workers: number }> {
  const workers = Math.min(run.workersWanted ?? availableParallelism(), run.jobs.length)
  const progress = createProgress({
    label: run.label,
    total: run.jobs.length,
    stream: process.stderr,
    enabled: Boolean(process.stderr.isTTY) && !run.quiet,
    clock: () => performance.now(),
    delayMs: 0,
  })
  progress.update(0)
  try {
    const results = await runPool<J, R>(
      run.jobs,
      {
        workers,
        setup: run.setup,
        onDone: (done) => progress.update(done, `${workers} worker${workers === 1 ? '' : 's'}`),
      },
      ...(run.describe ? [run.describe] : []),
    )
    return { results, workers }
  } finally {
    progress.finish()
  }
}
