/**
 * @module The life cycle `emulate` and `serve` share: start a server, serve until SIGTERM or
 * SIGINT, then drain. An address that cannot be bound is the user's mistake (exit 2), not a crash.
 */
import { UsageError } from '../util/errors.js'

/**
 * LISTEN_ERRORS are the codes of a listen() the user's flags or config made fail: the port is
 * taken or privileged, the address is not this machine's or not bindable (an IPv6 link-local
 * address without a zone, IPv6 on a host without it), or the host name does not resolve.
 */
const LISTEN_ERRORS: ReadonlyMap<string, string> = new Map([
  ['EADDRINUSE', 'another process is listening on that port'],
  ['EACCES', 'no permission: ports below 1024 need privileges'],
  ['EPERM', 'not permitted'],
  ['EADDRNOTAVAIL', 'not an address of this machine'],
  ['EINVAL', 'not an address one can listen on; an IPv6 link-local address needs its %zone'],
  ['EAFNOSUPPORT', 'this machine has no such address family (IPv6 off?)'],
  ['ENOTFOUND', 'the host name does not resolve'],
  ['EAI_AGAIN', 'the host name could not be resolved now (DNS)'],
  ['EAI_FAIL', 'the host name does not resolve'],
])

/**
 * LISTEN_SYSCALLS are where those errors come from: the bind itself, or the lookup of the host
 * name that precedes it. An EACCES from spawning a replica during start-up, say, is not a port
 * the user cannot bind.
 */
const LISTEN_SYSCALLS = new Set(['listen', 'bind', 'getaddrinfo'])

/** isListenError says whether `err` is a listen() failing because of the address asked for. */
function isListenError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  const e = err as NodeJS.ErrnoException | undefined
  return (
    e?.code !== undefined &&
    LISTEN_ERRORS.has(e.code) &&
    (e.syscall === undefined || LISTEN_SYSCALLS.has(e.syscall))
  )
}

/**
 * serveUntilSignal starts a server, waits for a stop signal and returns the signal's name after
 * `drain(server, signal)`. Signals are watched before `start` runs, so a SIGTERM during start-up
 * also drains; once one arrives the handlers are removed, so a second signal takes Node's default
 * action (exit) for an impatient operator. `bindError` words the one-line message, given the
 * code and its meaning (`EADDRINUSE: another process is listening on that port`), for a port
 * that cannot be bound or a host that cannot be resolved, naming the flag or key.
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
    if (isListenError(err)) {
      throw new UsageError(bindError(`${err.code}: ${LISTEN_ERRORS.get(err.code)}`))
    }
    throw err
  })
  await drain(server, await stopped)
}
