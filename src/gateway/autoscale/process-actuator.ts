/**
 * @module The process actuator: replicas as local child processes (an engine, or `flotilla
 * emulate`). A start spawns the configured command with `--port <p>` appended and polls its
 * health path until it answers 200, so the cold start measured is the real one; only then does
 * the gateway route to it. Each replica also gets FLOTILLA_REPLICA=<index> in its environment
 * (e.g. for a wrapper that sets CUDA_VISIBLE_DEVICES from it). A scale-down drains first: the backend takes no new work, its
 * in-flight requests finish, then SIGTERM (SIGKILL after `stop_timeout_s`). A child that exits
 * on its own is removed and counted; every child is killed when the gateway shuts down, and
 * SIGKILLed if the gateway process exits without closing.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import type { Dispatcher } from 'undici'
import type { ReplicaRecord, ScaleAction } from '../../scaling/controller.js'
import type { Log } from '../../util/log.js'
import type { Clock } from '../clock.js'
import type { ReplicaStop } from '../gateway-metrics.js'
import type { Actuator, ReplicaCounts, ReplicaEvents, ReplicaInfo } from './actuator.js'
import type { ProcessActuatorConfig } from './config.js'

/** POLL_MS is how often a starting replica's health path is tried. */
const POLL_MS = 100
/**
 * BACKOFF_S and MAX_BACKOFF_S space out the starts after replicas that failed to start, as the
 * kubelet's CrashLoopBackOff does (10 s, doubling, at most 5 min): a broken command is retried,
 * not spawned at every tick.
 */
const BACKOFF_S = 10
const MAX_BACKOFF_S = 300
/** STDERR_TAIL is how much of a child's stderr is kept to explain an unexpected exit (chars). */
const STDERR_TAIL = 2000

/** ProcessActuatorDeps are what the actuator needs from the gateway. */
export interface ProcessActuatorDeps {
  readonly config: ProcessActuatorConfig
  /** The pool's name, for logs. */
  readonly pool: string
  readonly clock: Clock
  /** For the health polls (the gateway's connection pool). */
  readonly agent: Dispatcher
  readonly events: ReplicaEvents
  /** Requests the gateway has in flight on a backend (the least loaded are drained first). */
  readonly inFlight: (url: string) => number
  readonly log: Log
}

/** Child is one replica process. */
interface Child {
  /** Replica index: its port is port_base + slot. */
  readonly slot: number
  readonly askedAt: number
  state: ReplicaInfo['state']
  /** Set when someone asked it to stop, and why; unset means an exit is unexpected. */
  stopFor: ReplicaStop | undefined
  /** Reached `ready` (its URL was handed to the gateway). */
  served: boolean
  url: string | undefined
  proc: ChildProcess | undefined
  killTimer: NodeJS.Timeout | undefined
  stderr: string
  exited: boolean
  /** Ends a start delayed by the backoff early (the child was stopped meanwhile). */
  wake: (() => void) | undefined
  readonly done: Promise<void>
  readonly resolveDone: () => void
}

/** freePort asks the OS for a port nobody listens on (it may be taken again before use). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, host, () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => resolve(port))
    })
  })
}

/** ProcessActuator runs one pool's replicas as child processes. */
export class ProcessActuator implements Actuator {
  readonly kind = 'process'
  readonly #d: ProcessActuatorDeps
  readonly #children: Child[] = []
  readonly #killAll = (): void => {
    for (const c of this.#children) c.proc?.kill('SIGKILL')
  }
  #closed = false
  /** Failed starts in a row, and no start before this time (gateway clock). */
  #failures = 0
  #notBefore = 0

  constructor(d: ProcessActuatorDeps) {
    this.#d = d
  }

  counts(): ReplicaCounts {
    let ready = 0
    let pending = 0
    let draining = 0
    for (const c of this.#children) {
      if (c.state === 'ready') ready++
      else if (c.state === 'starting') pending++
      // A cancelled start is gone as far as scaling goes; a drained one is billed until it exits.
      else if (c.state === 'draining' || c.stopFor === 'drained') draining++
    }
    return { ready, pending, draining }
  }

  replicas(): ReplicaInfo[] {
    return this.#children.map((c) => ({
      url: c.url,
      state: c.state,
      askedAt: c.askedAt,
      ...(c.proc?.pid !== undefined ? { pid: c.proc.pid } : {}),
    }))
  }

  start(): Promise<void> {
    // Children must not outlive a gateway that exits without closing (an uncaught error).
    process.once('exit', this.#killAll)
    return Promise.resolve()
  }

  /** records are the live children by slot, with the requests the gateway has on each. */
  records(): ReadonlyArray<ReplicaRecord<number>> {
    const out: ReplicaRecord<number>[] = []
    for (const c of this.#children) {
      if (c.state === 'stopping') continue
      out.push({ id: c.slot, state: c.state, askedAt: c.askedAt, outstanding: this.#load(c) })
    }
    return out
  }

  apply(actions: ReadonlyArray<ScaleAction<number>>): void {
    if (this.#closed) return
    for (const a of actions) {
      if (a.kind === 'start') {
        this.#startOne()
        continue
      }
      const c = this.#children.find((x) => x.slot === a.replica)
      if (a.kind === 'cancel' && c?.state === 'starting') this.#stop(c, 'cancelled')
      if (a.kind === 'drain' && c?.state === 'ready') this.#drain(c)
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const c of this.#children) {
      if (c.state !== 'stopping') this.#stop(c, c.served ? 'drained' : 'cancelled')
    }
    await Promise.all(this.#children.map((c) => c.done))
    process.off('exit', this.#killAll)
  }

  #load(c: Child): number {
    return c.url === undefined ? 0 : this.#d.inFlight(c.url)
  }

  #startOne(): void {
    const used = new Set(this.#children.map((c) => c.slot))
    let slot = 0
    while (used.has(slot)) slot++
    let resolveDone = (): void => {}
    const done = new Promise<void>((r) => {
      resolveDone = r
    })
    const c: Child = {
      slot,
      askedAt: this.#d.clock.now(),
      state: 'starting',
      stopFor: undefined,
      served: false,
      url: undefined,
      proc: undefined,
      killTimer: undefined,
      stderr: '',
      exited: false,
      wake: undefined,
      done,
      resolveDone,
    }
    this.#children.push(c)
    this.#launch(c).catch((err: unknown) => {
      this.#d.log('error', 'replica failed to start', {
        pool: this.#d.pool,
        replica: slot,
        error: String(err),
      })
      this.#exited(c, 'failed_start')
    })
  }

  async #launch(c: Child): Promise<void> {
    const cfg = this.#d.config
    const wait = this.#notBefore - this.#d.clock.now()
    if (wait > 0) {
      // Counted as pending meanwhile, so the scaler does not order it again.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait * 1000)
        c.wake = () => {
          clearTimeout(t)
          resolve()
        }
      })
      c.wake = undefined
    }
    const port = cfg.port_base > 0 ? cfg.port_base + c.slot : await freePort(cfg.host)
    if (c.state === 'stopping') {
      this.#exited(c, c.stopFor ?? 'cancelled')
      return
    }
    if (port > 65535) throw new Error(`no port left above port_base ${cfg.port_base}`)
    const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host
    c.url = `http://${host}:${port}`
    const [cmd, ...args] = cfg.command
    const proc = spawn(cmd!, [...args, '--port', String(port)], {
      cwd: cfg.cwd,
      // The replica's index, for a wrapper that pins each replica to its own GPU.
      env: { ...process.env, FLOTILLA_REPLICA: String(c.slot) },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    c.proc = proc
    proc.stderr?.setEncoding('utf8')
    proc.stderr?.on('data', (s: string) => {
      c.stderr = (c.stderr + s).slice(-STDERR_TAIL)
    })
    proc.once('error', (err) => {
      this.#d.log('error', 'cannot run the replica command', {
        pool: this.#d.pool,
        replica: c.slot,
        command: cmd,
        error: err.message,
      })
      this.#exited(c, c.stopFor ?? 'failed_start')
    })
    proc.once('exit', (code, signal) => {
      if (c.stopFor === undefined) {
        const tail = c.stderr.trim().split('\n').slice(-3).join(' | ')
        this.#d.log('warn', 'replica exited unexpectedly', {
          pool: this.#d.pool,
          replica: c.slot,
          backend: c.url,
          exit: signal ?? `code ${code}`,
          stderr: tail || undefined,
        })
      }
      this.#exited(c, c.stopFor ?? (c.served ? 'exited' : 'failed_start'))
    })
    await this.#awaitHealthy(c)
  }

  /** #awaitHealthy polls the health path until 200, the child exits, or it is stopped. */
  async #awaitHealthy(c: Child): Promise<void> {
    const d = this.#d
    const url = new URL(c.url!)
    const deadline = c.askedAt + d.config.ready_timeout_s
    while (c.state === 'starting' && !c.exited) {
      if (d.clock.now() > deadline) {
        d.log('warn', 'replica not healthy in time; stopping it', {
          pool: d.pool,
          replica: c.slot,
          backend: c.url,
          ready_timeout_s: d.config.ready_timeout_s,
        })
        this.#stop(c, 'failed_start')
        return
      }
      let ok = false
      try {
        const res = await d.agent.request({
          origin: url.origin,
          path: d.config.health_path,
          method: 'GET',
          signal: AbortSignal.timeout(1000),
        })
        await res.body.dump()
        ok = res.statusCode >= 200 && res.statusCode < 300
      } catch {
        ok = false
      }
      if (ok && c.state === 'starting' && !c.exited) {
        c.state = 'ready'
        c.served = true
        this.#failures = 0
        d.events.ready(c.url!, c.askedAt)
        return
      }
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  }

  /** #drain takes a ready replica out of routing, waits for its requests, then stops it. */
  #drain(c: Child): void {
    c.state = 'draining'
    const stop = (): void => {
      if (c.state === 'draining') this.#stop(c, 'drained')
    }
    this.#d.events.drain(c.url!).then(stop, stop)
  }

  /** #stop sends SIGTERM, and SIGKILL when the child outlives stop_timeout_s. */
  #stop(c: Child, why: ReplicaStop): void {
    if (c.exited) return
    c.stopFor ??= why
    c.state = 'stopping'
    const proc = c.proc
    if (!proc) {
      // Not spawned yet (backing off, or choosing its port): #launch sees the state and gives up.
      c.wake?.()
      return
    }
    proc.kill('SIGTERM')
    c.killTimer = setTimeout(() => proc.kill('SIGKILL'), this.#d.config.stop_timeout_s * 1000)
  }

  /** #exited forgets a child that exited (or never ran) and reports it gone, once. */
  #exited(c: Child, why: ReplicaStop): void {
    if (c.exited) return
    c.exited = true
    clearTimeout(c.killTimer)
    if (why === 'failed_start') {
      this.#failures++
      const backoff = Math.min(MAX_BACKOFF_S, BACKOFF_S * 2 ** (this.#failures - 1))
      this.#notBefore = this.#d.clock.now() + backoff
      this.#d.log('warn', 'backing off replica starts', { pool: this.#d.pool, backoff_s: backoff })
    }
    const i = this.#children.indexOf(c)
    if (i >= 0) this.#children.splice(i, 1)
    this.#d.events.gone(c.served ? c.url : undefined, why)
    c.resolveDone()
  }
}
