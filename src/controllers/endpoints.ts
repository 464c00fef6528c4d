// EndpointSlice and Endpoints controllers: which pods back each Service, on which ports, in what condition, as
// staging/src/k8s.io/endpointslice (reconciler.go, utils.go) and pkg/controller/endpoint build them.

import { nameSuffix } from '../core/hash.js';
import { keyOf } from '../core/objects.js';
import type { Container, KubeObject, ServicePort } from '../core/types.js';
import { isPodReady, isPodTerminating } from './pods.js';

/** Endpoints per slice: the controller's default --max-endpoints-per-slice. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
export const SLICE_MANAGED_BY = 'endpointslice-controller.k8s.io';
export const MIRROR_MANAGED_BY = 'endpointslicemirroring-controller.k8s.io';

interface EndpointPort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/**
 * Resolves a Service port's targetPort on one pod (podutil.FindPort): a number is used as is; a name is looked up
 * among the pod's container ports with the same protocol. A pod without that name gets no endpoint port for it.
 */
export function resolveTargetPort(pod: KubeObject, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec.containers as Container[])
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort;
  return undefined;
}

function endpointPorts(svc: KubeObject, pod: KubeObject): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of (svc.spec.ports ?? []) as ServicePort[]) {
    const port = resolveTargetPort(pod, sp);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

/** An index of pods by namespace and label pair, so each Service's selector touches only candidate pods. */
export class PodIndex {
  private readonly byPair = new Map<string, KubeObject[]>();
  private readonly byNamespace = new Map<string, KubeObject[]>();

  constructor(pods: KubeObject[]) {
    for (const pod of pods) {
      const ns = pod.metadata.namespace!;
      push(this.byNamespace, ns, pod);
      for (const [k, v] of Object.entries(pod.metadata.labels ?? {})) push(this.byPair, `${ns}\u0000${k}\u0000${v}`, pod);
    }
  }

  /** Pods in a namespace whose labels contain every pair of the map selector. */
  select(namespace: string, selector: Record<string, string>): KubeObject[] {
    const pairs = Object.entries(selector);
    if (pairs.length === 0) return this.byNamespace.get(namespace) ?? [];
    let best: KubeObject[] | undefined;
    for (const [k, v] of pairs) {
      const list = this.byPair.get(`${namespace}\u0000${k}\u0000${v}`) ?? [];
      if (!best || list.length < best.length) best = list;
    }
    return best!.filter((p) => pairs.every(([k, v]) => p.metadata.labels?.[k] === v));
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function hasSelector(svc: KubeObject): boolean {
  return svc.spec.type !== 'ExternalName' && Object.keys(svc.spec.selector ?? {}).length > 0;
}

function serviceOwnerRef(svc: KubeObject) {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

function sliceLabels(svc: KubeObject, managedBy: string): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  labels['kubernetes.io/service-name'] = svc.metadata.name;
  labels['endpointslice.kubernetes.io/managed-by'] = managedBy;
  if (svc.spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  return labels;
}

function portsKey(ports: EndpointPort[]): string {
  return ports.map((p) => `${p.name}/${p.port}/${p.protocol}/${p.appProtocol ?? ''}`).join(',');
}

function endpointFor(svc: KubeObject, pod: KubeObject): any {
  const serving = isPodReady(pod);
  const terminating = isPodTerminating(pod);
  const ip = pod.status.podIPs[0].ip;
  return {
    addresses: [ip],
    conditions: { ready: !!svc.spec.publishNotReadyAddresses || (serving && !terminating), serving, terminating },
    ...(pod.spec.hostname && pod.spec.subdomain === svc.metadata.name ? { hostname: pod.spec.hostname } : {}),
    nodeName: pod.spec.nodeName,
    targetRef: { kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
  };
}

/** Pods that can back a Service at all: they have an IP and have not finished (ShouldPodBeInEndpoints). */
function candidatePods(index: PodIndex, svc: KubeObject): KubeObject[] {
  return index
    .select(svc.metadata.namespace!, svc.spec.selector)
    .filter((p) => p.status?.podIPs?.length && p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed')
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
}

function newSlice(svc: KubeObject, name: string, ports: EndpointPort[] | undefined, endpoints: any[], managedBy: string): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: svc.metadata.namespace, generateName: `${svc.metadata.name}-`, labels: sliceLabels(svc, managedBy), ownerReferences: [serviceOwnerRef(svc)] },
    addressType: 'IPv4',
    endpoints,
    ports: ports ?? null,
  };
}

/** The EndpointSlices of one selector Service: one group per distinct port set, at most 100 endpoints a slice. */
export function serviceEndpointSlices(svc: KubeObject, index: PodIndex): KubeObject[] {
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: any[] }>();
  for (const pod of candidatePods(index, svc)) {
    const ports = endpointPorts(svc, pod);
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(endpointFor(svc, pod));
  }
  const base = `${svc.metadata.namespace}/${svc.metadata.name}`;
  // A Service with no endpoints still gets one placeholder slice with no ports, as upstream keeps one.
  if (groups.size === 0) return [newSlice(svc, `${svc.metadata.name}-${nameSuffix(`${base}/placeholder`)}`, undefined, [], SLICE_MANAGED_BY)];
  const out: KubeObject[] = [];
  for (const [key, g] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE)
      out.push(newSlice(svc, `${svc.metadata.name}-${nameSuffix(`${base}/${key}/${i / MAX_ENDPOINTS_PER_SLICE}`)}`, g.ports, g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE), SLICE_MANAGED_BY));
  return out;
}

/**
 * The v1 Endpoints of one selector Service. Terminating pods are left out unless the Service publishes not-ready
 * addresses; not-ready pods go to notReadyAddresses; subsets group addresses with identical ports, sorted by IP.
 */
export function serviceEndpoints(svc: KubeObject, index: PodIndex): KubeObject {
  const publish = !!svc.spec.publishNotReadyAddresses;
  const subsets = new Map<string, { ports: EndpointPort[]; addresses: any[]; notReadyAddresses: any[] }>();
  for (const pod of candidatePods(index, svc)) {
    if (isPodTerminating(pod) && !publish) continue;
    const ports = endpointPorts(svc, pod).map((p) => (p.name === '' ? { port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) } : p));
    // pkg/controller/endpoint: a pod joins once per Service port it resolves; only a headless Service without
    // ports lists pods with no port at all.
    const portless = (svc.spec.ports ?? []).length === 0 && svc.spec.clusterIP === 'None';
    if (ports.length === 0 && !portless) continue;
    const key = JSON.stringify(ports);
    let s = subsets.get(key);
    if (!s) subsets.set(key, (s = { ports: ports as EndpointPort[], addresses: [], notReadyAddresses: [] }));
    const addr = {
      ip: pod.status.podIPs[0].ip,
      ...(pod.spec.hostname && pod.spec.subdomain === svc.metadata.name ? { hostname: pod.spec.hostname } : {}),
      nodeName: pod.spec.nodeName,
      targetRef: { kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
    };
    (publish || isPodReady(pod) ? s.addresses : s.notReadyAddresses).push(addr);
  }
  const byIP = (a: any, b: any) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
  const list = [...subsets.values()]
    .filter((s) => s.ports.length > 0 || s.addresses.length + s.notReadyAddresses.length > 0)
    .map((s) => ({
      ...(s.addresses.length ? { addresses: s.addresses.sort(byIP) } : {}),
      ...(s.notReadyAddresses.length ? { notReadyAddresses: s.notReadyAddresses.sort(byIP) } : {}),
      ...(s.ports.length ? { ports: s.ports } : {}),
    }));
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (svc.spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace, ...(Object.keys(labels).length ? { labels } : {}) },
    ...(list.length ? { subsets: list } : {}),
  };
}

/** Mirrors a user's Endpoints of a selector-less Service into an EndpointSlice (endpointslicemirroring controller). */
export function mirrorEndpoints(svc: KubeObject, ep: KubeObject): KubeObject[] {
  const out: KubeObject[] = [];
  ((ep.subsets ?? []) as any[]).forEach((subset, i) => {
    const ports: EndpointPort[] = (subset.ports ?? []).map((p: any) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const endpoints = [
      ...(subset.addresses ?? []).map((a: any) => ({ addresses: [a.ip], conditions: { ready: true }, ...(a.hostname ? { hostname: a.hostname } : {}), ...(a.nodeName ? { nodeName: a.nodeName } : {}), ...(a.targetRef ? { targetRef: a.targetRef } : {}) })),
      ...(subset.notReadyAddresses ?? []).map((a: any) => ({ addresses: [a.ip], conditions: { ready: false }, ...(a.hostname ? { hostname: a.hostname } : {}), ...(a.nodeName ? { nodeName: a.nodeName } : {}), ...(a.targetRef ? { targetRef: a.targetRef } : {}) })),
    ];
    out.push(newSlice(svc, `${svc.metadata.name}-${nameSuffix(`${keyOf(ep)}/mirror/${i}`)}`, ports, endpoints, MIRROR_MANAGED_BY));
  });
  return out;
}

/** The apiserver-managed endpoints of `default/kubernetes`: the control plane's address on 6443. */
export function kubernetesEndpoints(svc: KubeObject, apiserverIP: string): KubeObject[] {
  const ports = [{ name: 'https', port: 6443, protocol: 'TCP' }];
  const slice: KubeObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [apiserverIP], conditions: { ready: true } }],
    ports,
  };
  const ep: KubeObject = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: apiserverIP }], ports }],
  };
  return [slice, ep];
}

export { hasSelector };
