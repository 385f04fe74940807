/**
 * @module deploy/ checked: every manifest parses, the kinds are there, the gateway's ConfigMap
 * holds a config that passes the gateway's own validation and names the vLLM Deployment and
 * Service that exist, the Role grants every verb the Kubernetes actuator uses on every resource
 * it touches and is bound to the gateway's ServiceAccount, and the Prometheus config scrapes
 * both the gateway and vLLM.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { parseGatewayConfig } from '../../src/gateway/config.js'

const DIR = join(import.meta.dirname, '../../deploy')

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML
type Doc = any

const docs: Doc[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => {
      if (d.errors.length > 0) throw new Error(`${f}: ${d.errors[0]!.message}`)
      return { ...d.toJS(), file: f }
    }),
  )

const find = (kind: string, name: string): Doc => {
  const d = docs.find((x) => x.kind === kind && x.metadata?.name === name)
  if (!d) throw new Error(`no ${kind} ${name} in deploy/`)
  return d
}

/**
 * ACTUATOR_CALLS are the API calls src/gateway/autoscale/kubernetes-actuator.ts makes (read and
 * merge-patch the scale subresource, list EndpointSlices), plus `update` (a PUT of the Scale)
 * and `watch`, which the RBAC also grants for clients that scale or follow that way.
 */
const ACTUATOR_CALLS = [
  { group: 'apps', resource: 'deployments/scale', verbs: ['get', 'patch', 'update'] },
  { group: 'apps', resource: 'deployments', verbs: ['get'] },
  { group: 'discovery.k8s.io', resource: 'endpointslices', verbs: ['list', 'watch'] },
]

describe('deploy/ manifests', () => {
  it('parse, each with apiVersion, kind, a name and the flotilla namespace', () => {
    expect(docs.length).toBeGreaterThanOrEqual(9)
    for (const d of docs) {
      expect(d.apiVersion, d.file).toEqual(expect.any(String))
      expect(d.metadata.name, d.file).toEqual(expect.any(String))
      if (d.kind !== 'Namespace') expect(d.metadata.namespace, d.file).toBe('flotilla')
    }
    const kinds = docs.map((d) => d.kind).sort()
    expect(kinds).toEqual([
      'ConfigMap',
      'Deployment',
      'Deployment',
      'Namespace',
      'Role',
      'RoleBinding',
      'Service',
      'Service',
      'ServiceAccount',
    ])
  })

  it('embed a gateway config that validates and names the vLLM Deployment and Service', () => {
    const cm = find('ConfigMap', 'flotilla-gateway')
    const config = parseGatewayConfig(cm.data['gateway.yaml'], 'deploy/gateway.yaml')
    const pool = config.pools[0]!
    expect(config.listen.host).toBe('0.0.0.0')
    const k = pool.autoscale!.actuator.kubernetes!
    expect(k.namespace).toBe('flotilla')
    const vllm = find('Deployment', k.deployment)
    const svc = find('Service', k.service ?? k.deployment)
    const container = vllm.spec.template.spec.containers[0]
    expect(container.image).toMatch(/^vllm\/vllm-openai:/)
    expect(container.resources.limits['nvidia.com/gpu']).toBe(1)
    expect(container.readinessProbe.httpGet.path).toBe(config.health.path)
    expect(container.args).toContain(`--served-model-name=${pool.model}`)
    expect(container.ports[0].containerPort).toBe(k.port)
    expect(svc.spec.selector).toEqual(vllm.spec.selector.matchLabels)
    expect(vllm.spec.replicas).toBe(pool.autoscale!.min)

    const gw = find('Deployment', 'flotilla-gateway')
    const pod = gw.spec.template.spec
    const mount = pod.containers[0].volumeMounts.find((m: Doc) => m.name === 'config')
    expect(pod.volumes.find((v: Doc) => v.name === 'config').configMap.name).toBe(cm.metadata.name)
    expect(pod.containers[0].args).toEqual(['serve', '--config', `${mount.mountPath}/gateway.yaml`])
    expect(pod.containers[0].ports[0].containerPort).toBe(config.listen.port)
  })

  it('grant the gateway ServiceAccount every call the Kubernetes actuator makes', () => {
    const gw = find('Deployment', 'flotilla-gateway')
    const sa = find('ServiceAccount', gw.spec.template.spec.serviceAccountName)
    const binding = docs.find(
      (d) =>
        d.kind === 'RoleBinding' &&
        d.subjects.some((s: Doc) => s.kind === 'ServiceAccount' && s.name === sa.metadata.name),
    )
    const role = find('Role', binding.roleRef.name)
    for (const call of ACTUATOR_CALLS) {
      const granted = role.rules
        .filter((r: Doc) => r.apiGroups.includes(call.group) && r.resources.includes(call.resource))
        .flatMap((r: Doc) => r.verbs)
      expect(granted, `${call.group}/${call.resource}`).toEqual(expect.arrayContaining(call.verbs))
    }
    // Least privilege: nothing beyond those calls.
    const all = role.rules.flatMap((r: Doc) => r.verbs)
    expect(all).not.toContain('*')
    expect(all).not.toContain('delete')
    expect(all).not.toContain('create')
  })

  it('scrape the gateway and the vLLM pods with Prometheus', () => {
    const prom = parse(readFileSync(join(DIR, 'prometheus.yml'), 'utf8'))
    const jobs = prom.scrape_configs.map((j: Doc) => j.job_name)
    expect(jobs).toEqual(['flotilla-gateway', 'vllm'])
    for (const j of prom.scrape_configs) {
      expect(j.kubernetes_sd_configs[0].namespaces.names).toEqual(['flotilla'])
    }
    // Both pod templates carry the annotations the relabelling keeps.
    for (const name of ['flotilla-gateway', 'vllm-llama']) {
      const a = find('Deployment', name).spec.template.metadata.annotations
      expect(a['prometheus.io/scrape']).toBe('true')
      expect(a['prometheus.io/path']).toBe('/metrics')
    }
  })
})
