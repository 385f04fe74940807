/**
 * @module The body-analysis worker thread's entry: it receives the adapter salts as `workerData`,
 * then bodies one message at a time, and answers each with the analysis (its block hashes
 * transferred, not copied) or the client error.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { analyzeBody, toWire } from './body-analysis.js'
import type { BodyJob, BodyReply } from './body-workers.js'

const port = parentPort
if (port === null) throw new Error('body worker: started outside a worker thread')
const salts = new Map(workerData as ReadonlyArray<readonly [string, number]>)

port.on('message', function onBody(job: BodyJob): void {
  let reply: BodyReply
  try {
    const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength)
    reply = { id: job.id, ok: analyzeBody(body, job.chat, salts) }
  } catch (err) {
    reply = { id: job.id, error: toWire(err) }
  }
  const transfer = reply.ok ? [reply.ok.blockHashes.buffer as ArrayBuffer] : []
  port.postMessage(reply, transfer)
})
