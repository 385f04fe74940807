/**
 * @module Starting and stopping the emulator's server: listen (resolving once it listens, or
 * with the listen error), and a graceful close that refuses new requests, lets the jobs in flight
 * finish (for at most a timeout) and only then stops the engine and cuts the connections.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { JobRunner } from './job-runner.js'

/** Listening is where a started server listens. */
export interface Listening {
  /** Base URL, e.g. http://127.0.0.1:8000 (an IPv6 host in brackets). */
  readonly url: string
  readonly port: number
}

/** listen starts `server` on host:port (0 picks a free port) and resolves once it listens. */
export async function listen(server: Server, port: number, host: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const actual = (server.address() as AddressInfo).port
  const urlHost = host.includes(':') ? `[${host}]` : host
  return { url: `http://${urlHost}:${actual}`, port: actual }
}

/**
 * closeGracefully stops accepting, waits for the runner's jobs in flight (at most `timeoutMs`),
 * then halts the engine and cuts what connections remain (a hung job's stream among them).
 */
export async function closeGracefully(
  server: Server,
  runner: JobRunner,
  timeoutMs: number,
): Promise<void> {
  runner.startDraining()
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  // Idle keep-alive connections would otherwise hold server.close() open until they time out.
  server.closeIdleConnections()
  if (runner.busy) await runner.drained(timeoutMs)
  runner.halt()
  server.closeAllConnections()
  await closed
}
