/**
 * @module The Kubernetes actuator against a stand-in API server. No cluster can run here, so a
 * small local HTTP server implements just what the official client (@kubernetes/client-node)
 * calls — GET and PATCH of a Deployment's scale subresource and the EndpointSlice list — and
 * plays the ReplicaSet controller: a patched replica count becomes ready endpoints (in-process
 * emulators, one per slice) a moment later, and a lower one marks endpoints terminating, then
 * drops them. The suite checks the exact requests the real client sends (method, path, query,
 * patch content type, body, bearer token from the kubeconfig), that a request held at zero is
 * served once the endpoint appears, that a refused patch (RBAC) is retried, and that the pool
 * idles back to zero replicas.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/emulator/emulator.js'
import { parseGatewayConfig } from '../../src/gateway/config.js'
import { type Gateway, startGateway } from '../../src/gateway/gateway.js'
import { gatewayMetrics, MODEL, startEmulators, sum, until } from './helpers.js'

const NS = 'test-ns'
const DEPLOYMENT = 'vllm'
const SCALE_PATH = `/apis/apps/v1/namespaces/${NS}/deployments/${DEPLOYMENT}/scale`
const SLICES_PATH = `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`

/** Seen is one request the fake API server received. */
interface Seen {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly contentType: string | undefined
  readonly auth: string | undefined
  readonly body: string
}

/** FakeCluster is the stand-in API server and its one Deployment. */
class FakeCluster {
  readonly seen: Seen[] = []
  replicas = 0
  /** Answer the next PATCH with 403, as a missing RBAC rule would. */
  forbidNextPatch = false
  readonly #slices = new Map<number, 'ready' | 'terminating'>()
  readonly #server: Server
  readonly #emulators: ReadonlyArray<Emulator>
  readonly #timers = new Set<NodeJS.Timeout>()

  constructor(emulators: ReadonlyArray<Emulator>) {
    this.#emulators = emulators
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => res.destroy())
    })
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
  }

  close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t)
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }

  patches(): Seen[] {
    return this.seen.filter((s) => s.method === 'PATCH')
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const url = new URL(req.url ?? '/', 'http://fake')
    const s: Seen = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      contentType: req.headers['content-type'],
      auth: req.headers.authorization,
      body: Buffer.concat(chunks).toString('utf8'),
    }
    this.seen.push(s)
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (s.path === SCALE_PATH && (s.method === 'GET' || s.method === 'PATCH')) {
      if (s.method === 'PATCH') {
        if (this.forbidNextPatch) {
          this.forbidNextPatch = false
          json(403, {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'Forbidden',
            code: 403,
            message: `deployments.apps "${DEPLOYMENT}" is forbidden: cannot patch resource "deployments/scale"`,
          })
          return
        }
        this.replicas = (JSON.parse(s.body) as { spec: { replicas: number } }).spec.replicas
        this.#reconcile()
      }
      json(200, {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name: DEPLOYMENT, namespace: NS },
        spec: { replicas: this.replicas },
        status: { replicas: this.#slices.size, selector: 'app=vllm' },
      })
      return
    }
    if (s.path === SLICES_PATH && s.method === 'GET') {
      json(200, {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSliceList',
        metadata: { resourceVersion: '1' },
        items: [...this.#slices].map(([i, state]) => {
          const port = Number(new URL(this.#emulators[i]!.url).port)
          return {
            addressType: 'IPv4',
            metadata: {
              name: `${DEPLOYMENT}-${i}`,
              namespace: NS,
              labels: { 'kubernetes.io/service-name': DEPLOYMENT },
            },
            endpoints: [
              {
                addresses: ['127.0.0.1'],
                conditions: {
                  ready: state === 'ready',
                  serving: true,
                  terminating: state === 'terminating',
                },
              },
            ],
            ports: [{ name: 'http', port, protocol: 'TCP' }],
          }
        }),
      })
      return
    }
    json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 })
  }

  /** #reconcile plays the ReplicaSet controller: pods become ready, or terminate and go. */
  #reconcile(): void {
    const later = (ms: number, f: () => void): void => {
      const t = setTimeout(() => {
        this.#timers.delete(t)
        f()
      }, ms)
      this.#timers.add(t)
    }
    for (let i = 0; i < this.#emulators.length; i++) {
      if (i < this.replicas && !this.#slices.has(i)) {
        later(150, () => {
          if (i < this.replicas) this.#slices.set(i, 'ready')
        })
      } else if (i >= this.replicas && this.#slices.get(i) === 'ready') {
        this.#slices.set(i, 'terminating')
        later(300, () => this.#slices.delete(i))
      }
    }
  }
}

let emus: Emulator[]
let cluster: FakeCluster
let gw: Gateway
const logs: string[] = []

beforeAll(async () => {
  emus = await startEmulators(2)
  cluster = new FakeCluster(emus)
  await cluster.listen()
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-kube-'))
  const kubeconfig = join(dir, 'config')
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: fake, cluster: { server: '${cluster.url}', insecure-skip-tls-verify: true } }]
users: [{ name: gateway, user: { token: test-token } }]
contexts: [{ name: fake, context: { cluster: fake, user: gateway, namespace: ${NS} } }]
current-context: fake
`,
  )
  const yaml = `listen: { host: 127.0.0.1, port: 0 }
pools:
  - model: ${MODEL}
    autoscale:
      scaler: kpa:window=2:grace=0:tick=0.5
      max: 2
      container_concurrency: 4
      hold: { max_requests: 10, timeout_s: 10 }
      actuator:
        kubernetes:
          namespace: ${NS}
          deployment: ${DEPLOYMENT}
          poll_ms: 50
          kubeconfig: '${kubeconfig}'
`
  gw = await startGateway(parseGatewayConfig(yaml, 'kube.yaml'), {
    port: 0,
    log: (line) => logs.push(line),
  })
})
afterAll(async () => {
  await gw?.close({ timeoutMs: 1000 })
  await cluster?.close()
  await Promise.all((emus ?? []).map((e) => e.close({ timeoutMs: 100 })))
})

describe('the kubernetes actuator', () => {
  it('reads the scale and lists the Service’s EndpointSlices as the official client sends them', () => {
    const first = cluster.seen[0]!
    expect(first).toMatchObject({ method: 'GET', path: SCALE_PATH, auth: 'Bearer test-token' })
    const list = cluster.seen.find((s) => s.path === SLICES_PATH)!
    expect(list.method).toBe('GET')
    expect(list.query.get('labelSelector')).toBe(`kubernetes.io/service-name=${DEPLOYMENT}`)
    expect(list.auth).toBe('Bearer test-token')
    expect(gw.autoscaling()[0]).toMatchObject({ actuator: 'kubernetes', ready: 0, pending: 0 })
  })

  it('scales from zero by merge-patching spec.replicas, retrying a refused patch, and serves the held request', async () => {
    cluster.forbidNextPatch = true
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-none', maxRetries: 0 })
    const r = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Held until a pod is ready' }],
      max_tokens: 8,
      ignore_eos: true,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming)
    expect(r.usage!.completion_tokens).toBe(8)

    const patches = cluster.patches()
    expect(patches.length).toBeGreaterThanOrEqual(2) // the 403, then the retry
    for (const p of patches) {
      expect(p.path).toBe(SCALE_PATH)
      expect(p.contentType).toBe('application/merge-patch+json')
      expect(JSON.parse(p.body)).toEqual({ spec: { replicas: 1 } })
      expect(p.auth).toBe('Bearer test-token')
    }
    expect(
      logs.some((l) => /cannot scale the deployment .*replicas=1 error="HTTP 403/.test(l)),
    ).toBe(true)
    expect(gw.backends().map((b) => b.url)).toEqual([
      `http://127.0.0.1:${new URL(emus[0]!.url).port}`,
    ])
    const s = gw.autoscaling()[0]!
    expect(s.summary.held).toBe(1)
    const m = await gatewayMetrics(gw)
    expect(sum(m, 'flotilla_autoscaler_cold_start_seconds_count')).toBe(1)
  })

  it('idles back to zero: patches 0, drains the terminating endpoint, removes it when it goes', async () => {
    await until(() => cluster.replicas === 0 && gw.backends().length === 0, 10_000)
    const last = cluster.patches().at(-1)!
    expect(JSON.parse(last.body)).toEqual({ spec: { replicas: 0 } })
    expect(last.contentType).toBe('application/merge-patch+json')
    expect(gw.autoscaling()[0]).toMatchObject({ ready: 0, pending: 0, draining: 0, desired: 0 })
    const m = await gatewayMetrics(gw)
    expect(sum(m, 'flotilla_autoscaler_replica_stops_total', { reason: 'drained' })).toBe(1)
    expect(sum(m, 'flotilla_autoscaler_replica_stops_total', { reason: 'exited' })).toBe(0)
  })
})
