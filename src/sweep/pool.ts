/**
 * @module A fixed pool of worker threads running sweep jobs: each worker holds one run at a time
 * and takes the next job when it answers, so memory stays at one run per worker. Results land
 * at their grid index, which keeps the output independent of the number of workers.
 */
import { Worker } from 'node:worker_threads'
import type { RunSummary } from '../sim/result.js'
import { UsageError } from '../util/errors.js'
import type { SweepJob, SweepSetup } from './grid.js'

/** WorkerReply is a worker's answer to one job: a load-sweep summary or a scaling-study result. */
export type WorkerReply<R = RunSummary> =
  | { readonly index: number; readonly summary: R; readonly error?: undefined }
  | {
      readonly index: number
      readonly summary?: undefined
      readonly error: { readonly message: string; readonly usage: boolean; readonly code?: string }
    }

/** PoolJob is what the pool needs of a job: its grid index, and words for an error message. */
export interface PoolJob {
  readonly index: number
  readonly trace: string
  readonly seed: number
}

/** PoolOptions configure `runPool`. */
export interface PoolOptions {
  readonly workers: number
  readonly setup: SweepSetup
  /** Called after each finished run with the count so far. */
  readonly onDone?: (done: number, total: number) => void
  /** The worker entry; default: the compiled `worker.js` beside this module. */
  readonly entry?: URL
}

/**
 * runPool runs every job on `workers` threads and resolves to the summaries in job order. The
 * first failure terminates the pool; a UsageError raised in a worker (a malformed trace row) is
 * rethrown as one, so the CLI still exits 2.
 */
export function runPool<J extends PoolJob = SweepJob, R = RunSummary>(
  jobs: ReadonlyArray<J>,
  opts: PoolOptions,
  describe: (job: J) => string = describeJob,
): Promise<R[]> {
  const total = jobs.length
  if (total === 0) return Promise.resolve([])
  const entry = opts.entry ?? new URL('./worker.js', import.meta.url)
  const count = Math.max(1, Math.min(opts.workers, total))
  const results: Array<R | undefined> = new Array(total)
  let next = 0
  let done = 0
  let settled = false
  const workers: Worker[] = []

  return new Promise<R[]>((resolve, reject) => {
    const stop = (): void => {
      settled = true
      for (const w of workers) void w.terminate()
    }
    const fail = (err: Error): void => {
      if (settled) return
      stop()
      reject(err)
    }
    const feed = (w: Worker): void => {
      const job = jobs[next++]
      if (job !== undefined) w.postMessage(job)
    }
    for (let i = 0; i < count; i++) {
      const w = new Worker(entry, { workerData: opts.setup })
      workers.push(w)
      w.on('message', function onReply(reply: WorkerReply<R>): void {
        if (settled) return
        if (reply.error !== undefined) {
          const job = jobs[reply.index]
          const what = job ? describe(job) : ''
          fail(
            reply.error.usage
              ? new UsageError(reply.error.message, reply.error.code)
              : new Error(`sweep run ${what} failed: ${reply.error.message}`),
          )
          return
        }
        results[reply.index] = reply.summary
        done++
        opts.onDone?.(done, total)
        if (done === total) {
          stop()
          resolve(results as R[])
        } else {
          feed(w)
        }
      })
      w.on('error', (err) => fail(err))
      w.on('exit', (code) => {
        if (!settled) fail(new Error(`sweep worker exited early (code ${code})`))
      })
      feed(w)
    }
  })
}

/** describeJob names a load-sweep job in an error message. */
function describeJob(job: PoolJob): string {
  const j = job as Partial<SweepJob> & PoolJob
  return `${j.trace} ${j.policy ?? ''} ×${j.rateScale ?? 1} seed ${j.seed}`
}
