/**
 * @module The life cycle `emulate` and `serve` share: start a server, serve until SIGTERM or
 * SIGINT, then drain. A port that cannot be bound is the user's mistake (exit 2), not a crash.
 */
import { UsageError } from '../util/errors.js'

/** LISTEN_ERRORS are the codes of a listen() the user's flags or config made fail. */
const LISTEN_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'])

/**
 * serveUntilSignal starts a server, waits for a stop signal and returns the signal's name after
 * `drain(server, signal)`. Signals are watched before `start` runs, so a SIGTERM during start-up
 * also drains; once one arrives the handlers are removed, so a second signal takes Node's default
 * action (exit) for an impatient operator. `bindError` words the one-line message for a port
 * that cannot be bound, naming the flag or key.
 */
export async function serveUntilSignal<S>(
  start: () => Promise<S>,
  bindError: (code: string) => string,
  drain: (server: S, signal: NodeJS.Signals) => Promise<void>,
): Promise<void> {
  let stop: (signal: NodeJS.Signals) => void = () => {}
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    stop = (signal) => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      resolve(signal)
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
  const server = await start().catch((err: unknown) => {
    stop('SIGTERM')
    const code = (err as NodeJS.ErrnoException).code
    if (code !== undefined && LISTEN_ERRORS.has(code)) {
      throw new UsageError(bindError(code))
    }
    throw err
  })
  await drain(server, await stopped)
}
