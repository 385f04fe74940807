/**
 * @module The sweep's worker-thread entry: it receives the shared setup as `workerData`, then
 * jobs one message at a time, and answers each with the run's summary or its error.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { UsageError } from '../util/errors.js'
import type { SweepJob, SweepSetup } from './grid.js'
import type { WorkerReply } from './pool.js'
import { runJob } from './run-job.js'
import { runScalingJob, type ScalingJob } from './scaling-study.js'

const port = parentPort
if (port === null) throw new Error('sweep worker: started outside a worker thread')
const setup = workerData as SweepSetup

port.on('message', function onJob(job: SweepJob | ScalingJob): void {
  const run: Promise<unknown> = isScalingJob(job) ? runScalingJob(setup, job) : runJob(setup, job)
  run.then(
    (summary) => port.postMessage({ index: job.index, summary } satisfies WorkerReply<unknown>),
    (err: unknown) => {
      // Errors do not survive structured cloning with their class, so the kind travels as a flag.
      const error =
        err instanceof UsageError
          ? { message: err.message, usage: true, code: err.code }
          : {
              message: err instanceof Error ? (err.stack ?? err.message) : String(err),
              usage: false,
            }
      port.postMessage({ index: job.index, error } satisfies WorkerReply)
    },
  )
})

function isScalingJob(job: SweepJob | ScalingJob): job is ScalingJob {
  return 'kind' in job && job.kind === 'scaling'
}
