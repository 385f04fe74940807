/**
 * @module The actuator seam: what the autoscaling loop drives to start and stop one pool's
 * replicas, and the events it hears back (a replica ready at a URL, one leaving, one gone). The
 * loop decides and counts; an actuator only acts, the way Knative's autoscaler hands a desired
 * scale to the Deployment's scale subresource and leaves the pods to the ReplicaSet controller.
 */
import type { ReplicaRecord, ReplicaState, ScaleAction } from '../../scaling/controller.js'
import type { ReplicaStop } from '../gateway-metrics.js'

/** ReplicaCounts are a pool's actuated replicas by state. */
export interface ReplicaCounts {
  /** Serving: the gateway routes to them. */
  readonly ready: number
  /** Asked for, not serving yet. */
  readonly pending: number
  /** Finishing their requests before they stop (no new work). */
  readonly draining: number
}

/** ReplicaInfo describes one replica (snapshots, the demo, tests). */
export interface ReplicaInfo {
  /** Where it serves (undefined until known: a process before its port is chosen). */
  readonly url: string | undefined
  /** The controller's states, and `stopping`: told to stop, not exited yet. */
  readonly state: ReplicaState | 'stopping'
  /** The local process, for the process actuator. */
  readonly pid?: number
  /** When it was asked for, on the gateway clock (undefined: found already running). */
  readonly askedAt: number | undefined
}

/** ReplicaEvents are how an actuator tells the loop what its replicas did. */
export interface ReplicaEvents {
  /**
   * ready: a replica serves at `url`; route to it. `askedAt` is when it was asked for (its cold
   * start is measured from there), undefined for one that was running before the gateway.
   */
  ready(url: string, askedAt: number | undefined): void
  /**
   * drain: a serving replica is leaving; stop sending it new work. Resolves when the gateway has
   * no request in flight on it.
   */
  drain(url: string): Promise<void>
  /** gone: a replica stopped (after `ready`, or before it ever was: url undefined). */
  gone(url: string | undefined, why: ReplicaStop): void
}

/** Actuator starts and stops one pool's replicas. */
export interface Actuator {
  /** 'process' or 'kubernetes', for logs. */
  readonly kind: string
  counts(): ReplicaCounts
  /**
   * records lists the replicas by an id of the actuator's, for the controller to choose which to
   * cancel or drain; undefined where the platform chooses (Kubernetes).
   */
  records?(): ReadonlyArray<ReplicaRecord<number>>
  /**
   * apply carries out the controller's actions: starts, and cancels and drains of the replicas
   * it named (scaling/controller.ts). An actuator whose platform reconciles by itself
   * (Kubernetes) just sets the replica count to `target`. Never throws: failures are logged and
   * the next tick tries again.
   */
  apply(actions: ReadonlyArray<ScaleAction<number>>, target: number): void
  /** replicas lists every replica not yet gone. */
  replicas(): ReplicaInfo[]
  /** start begins watching (and adopts replicas already running); resolves once it has looked. */
  start(): Promise<void>
  /** close stops every replica it started (or stops watching) and resolves when done. */
  close(): Promise<void>
}
