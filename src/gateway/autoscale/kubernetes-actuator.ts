/**
 * @module The Kubernetes actuator: scales a Deployment the way Knative's KPA does, by writing its
 * scale subresource (a merge patch of `spec.replicas`, through the official client's AppsV1Api),
 * and leaves pods to the ReplicaSet controller. The replicas the gateway routes to are the ready
 * endpoints of the Deployment's Service, listed from its EndpointSlices (DiscoveryV1Api, label
 * `kubernetes.io/service-name`) every `poll_ms`: a new ready endpoint is added, a terminating one
 * drained (no new work), a vanished or unready one removed. The gateway needs RBAC for exactly
 * these calls (deploy/rbac.yaml). Closing stops watching and leaves the Deployment as it is, so a
 * restarting gateway does not take the fleet down with it.
 *
 * The client is imported on first use: it is large, and gateways without a Kubernetes pool
 * should not pay for loading it.
 */
import type { AppsV1Api, ConfigurationOptions, DiscoveryV1Api } from '@kubernetes/client-node'
import type { ScaleAction } from '../../scaling/controller.js'
import { UsageError } from '../../util/errors.js'
import type { Log } from '../../util/log.js'
import type { Clock } from '../clock.js'
import type { Actuator, ReplicaCounts, ReplicaEvents, ReplicaInfo } from './actuator.js'
import type { KubernetesActuatorConfig } from './config.js'

/** KubernetesActuatorDeps are what the actuator needs from the gateway. */
export interface KubernetesActuatorDeps {
  readonly config: KubernetesActuatorConfig
  /** The pool's name, for logs. */
  readonly pool: string
  readonly clock: Clock
  readonly events: ReplicaEvents
  readonly log: Log
}

type EndpointState = 'ready' | 'draining'

/** describe shortens a client error (an ApiException carries the HTTP code and the body). */
function describe(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string }
  if (typeof e.code === 'number') {
    const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? '')
    return `HTTP ${e.code}: ${body.slice(0, 200)}`
  }
  return e.message ?? String(err)
}

/** KubernetesActuator scales one Deployment and routes to its Service's ready endpoints. */
export class KubernetesActuator implements Actuator {
  readonly kind = 'kubernetes'
  readonly #d: KubernetesActuatorDeps
  readonly #service: string
  #apps: AppsV1Api | undefined
  #disc: DiscoveryV1Api | undefined
  #patchOptions: ConfigurationOptions | undefined
  /** The Deployment's spec.replicas as last read or written. */
  #spec: number | undefined
  /** The count the loop wants; a patch in flight re-checks it when it ends. */
  #wanted: number | undefined
  #patching = false
  readonly #endpoints = new Map<string, EndpointState>()
  /** When each pending replica was asked for, oldest first: the cold-start clocks. */
  #asks: number[] = []
  #timer: NodeJS.Timeout | undefined
  #polling = false
  #closed = false

  constructor(d: KubernetesActuatorDeps) {
    this.#d = d
    this.#service = d.config.service ?? d.config.deployment
  }

  counts(): ReplicaCounts {
    let ready = 0
    let draining = 0
    for (const s of this.#endpoints.values()) {
      if (s === 'ready') ready++
      else draining++
    }
    return { ready, pending: Math.max(0, (this.#spec ?? ready) - ready), draining }
  }

  replicas(): ReplicaInfo[] {
    const out: ReplicaInfo[] = [...this.#endpoints].map(([url, s]) => ({
      url,
      state: s,
      askedAt: undefined,
    }))
    for (const askedAt of this.#asks) out.push({ url: undefined, state: 'starting', askedAt })
    return out
  }

  async start(): Promise<void> {
    const d = this.#d
    const k8s = await import('@kubernetes/client-node')
    const kc = new k8s.KubeConfig()
    try {
      if (d.config.kubeconfig) kc.loadFromFile(d.config.kubeconfig)
      else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster()
      else kc.loadFromDefault()
    } catch (err) {
      const where = d.config.kubeconfig ?? '$KUBECONFIG or ~/.kube/config'
      throw new UsageError(
        `autoscale.actuator.kubernetes.kubeconfig: cannot load ${where} (${describe(err)})`,
      )
    }
    this.#apps = kc.makeApiClient(k8s.AppsV1Api)
    this.#disc = kc.makeApiClient(k8s.DiscoveryV1Api)
    // Without it the client sends a JSON Patch (its first listed type); a merge patch of
    // {spec: {replicas}} is what `kubectl scale` amounts to.
    this.#patchOptions = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
    await this.#readScale()
    await this.#poll()
    this.#timer = setInterval(() => {
      this.#poll().catch(() => {})
    }, d.config.poll_ms)
    this.#timer.unref()
  }

  apply(_actions: ReadonlyArray<ScaleAction<number>>, target: number): void {
    if (this.#closed || !this.#apps) return
    if (this.#spec === undefined) {
      // Never write a count before knowing the current one: the decision was made from zero
      // replicas and could scale a running Deployment down. Read it; the next tick decides.
      this.#readScale().catch(() => {})
      return
    }
    this.#wanted = target
    if (!this.#patching && this.#wanted !== this.#spec) {
      this.#patch().catch(() => {})
    }
  }

  close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    return Promise.resolve()
  }

  /** #readScale reads the Deployment's spec.replicas (once it succeeds, it is tracked here). */
  async #readScale(): Promise<void> {
    const d = this.#d
    try {
      const scale = await this.#apps!.readNamespacedDeploymentScale({
        name: d.config.deployment,
        namespace: d.config.namespace,
      })
      this.#spec ??= scale.spec?.replicas ?? 0
    } catch (err) {
      d.log('error', 'cannot read the deployment scale', {
        pool: d.pool,
        deployment: d.config.deployment,
        namespace: d.config.namespace,
        error: describe(err),
      })
    }
  }

  /** #patch writes spec.replicas until it matches what the loop last wanted. */
  async #patch(): Promise<void> {
    const d = this.#d
    this.#patching = true
    try {
      while (!this.#closed && this.#wanted !== undefined && this.#wanted !== this.#spec) {
        const want = this.#wanted
        try {
          await this.#apps!.patchNamespacedDeploymentScale(
            {
              name: d.config.deployment,
              namespace: d.config.namespace,
              body: { spec: { replicas: want } },
            },
            this.#patchOptions,
          )
        } catch (err) {
          d.log('error', 'cannot scale the deployment', {
            pool: d.pool,
            deployment: d.config.deployment,
            namespace: d.config.namespace,
            replicas: want,
            error: describe(err),
          })
          return
        }
        this.#resized(this.#spec ?? 0, want)
      }
    } finally {
      this.#patching = false
    }
  }

  /** #resized starts the cold-start clocks of new replicas, or drops those of cancelled ones. */
  #resized(before: number, after: number): void {
    const now = this.#d.clock.now()
    this.#spec = after
    for (let i = before; i < after; i++) this.#asks.push(now)
    // Kubernetes deletes unready pods first: the newest asks are the ones cancelled.
    const pending = Math.max(0, after - this.counts().ready)
    while (this.#asks.length > pending) {
      this.#asks.pop()
      this.#d.events.gone(undefined, 'cancelled')
    }
  }

  /** #poll lists the Service's EndpointSlices and reports what changed. */
  async #poll(): Promise<void> {
    const d = this.#d
    if (this.#polling || this.#closed || !this.#disc) return
    this.#polling = true
    const seen = new Map<string, EndpointState>()
    try {
      const list = await this.#disc.listNamespacedEndpointSlice({
        namespace: d.config.namespace,
        labelSelector: `kubernetes.io/service-name=${this.#service}`,
      })
      for (const slice of list.items) {
        const port = d.config.port ?? slice.ports?.[0]?.port
        if (port === undefined) continue
        for (const ep of slice.endpoints ?? []) {
          const c = ep.conditions ?? {}
          // An unset `ready` means ready (discovery.k8s.io/v1 EndpointConditions).
          const state: EndpointState | undefined = c.terminating
            ? 'draining'
            : c.ready !== false
              ? 'ready'
              : undefined
          if (!state) continue
          for (const addr of ep.addresses) {
            const host = slice.addressType === 'IPv6' ? `[${addr}]` : addr
            seen.set(`${d.config.scheme}://${host}:${port}`, state)
          }
        }
      }
    } catch (err) {
      d.log('error', 'cannot list endpointslices', {
        pool: d.pool,
        service: this.#service,
        error: describe(err),
      })
      return
    } finally {
      this.#polling = false
    }
    if (this.#closed) return
    for (const [url, prev] of [...this.#endpoints]) {
      const next = seen.get(url)
      if (next === undefined) {
        this.#endpoints.delete(url)
        d.events.gone(url, prev === 'draining' ? 'drained' : 'exited')
      } else if (prev === 'ready' && next === 'draining') {
        this.#endpoints.set(url, 'draining')
        d.events.drain(url).catch(() => {})
      }
    }
    for (const [url, next] of seen) {
      if (next !== 'ready' || this.#endpoints.has(url)) continue
      this.#endpoints.set(url, 'ready')
      // One nobody here asked for (running before the gateway, restarted by Kubernetes) is adopted.
      d.events.ready(url, this.#asks.shift())
    }
  }
}
