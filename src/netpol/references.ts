// Resolves what users write for a connection's two ends (`prod/frontend-x`, `prod/deploy/backend`, `prod/svc/backend`,
// an IP) and its port into the engine's ConnectionQuery, saying how each reference was resolved.

import { parseIPv4 } from '../core/ip.js';
import { resolveResourceType } from '../core/resources.js';
import type { KubeObject, ServicePort } from '../core/types.js';
import { portNameErrors } from '../core/validation/ports.js';
import type { ConnectionQuery, Endpoint, Protocol } from './types.js';

/** The kinds a reference may name, with the aliases kubectl accepts (deploy, sts, ds, rs, po, svc, ...). */
export const REFERENCE_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Service'] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];

/** A parsed reference, before it is looked up in the cluster. */
export type Reference =
  | { kind: 'object'; objectKind: ReferenceKind; namespace: string; name: string }
  | { kind: 'ip'; ip: string };

/** Where a resolved destination went through a Service: the port the client used and what DNAT made of it. */
export interface ServiceHop {
  namespace: string;
  name: string;
  servicePort: ServicePort;
  /** The backend's port after DNAT (the EndpointSlice port, i.e. the targetPort resolved on that pod). */
  targetPort: number;
  headless: boolean;
}

/** One end of a connection, resolved. */
export interface ResolvedEnd {
  /** What the user wrote. */
  text: string;
  endpoint: Endpoint;
  /** The endpoint as printed: `production/backend-6d8fcc97bf-4dvpg` or `203.0.113.9`. */
  display: string;
  /**
   * How the reference became the endpoint, when it was not literally a pod, said after the reference: "= pod x, the
   * first of its 2 pods (...)"; for a Service, "port http 8080/TCP → pod x port 8080 (...)".
   */
  via?: string;
  service?: ServiceHop;
}

export interface ResolvedConnection {
  query: ConnectionQuery;
  from: ResolvedEnd;
  to: ResolvedEnd;
  /** The port the user asked for (a Service port for svc references). */
  requestedPort: number | string;
}

/** Why one field of a connection could not be resolved; the caller places it (`spec.cases[2].to`, `TO`, ...). */
export interface ReferenceIssue {
  field: 'from' | 'to' | 'port' | 'protocol';
  value: unknown;
  detail: string;
}

export type Resolution = { ok: true; connection: ResolvedConnection } | { ok: false; issues: ReferenceIssue[] };

const KIND_HELP = 'use <ns>/<pod>, <pod>, <ns>/<kind>/<name> with kind pod, deploy, sts, ds, rs or svc, or an IPv4 address';

/** Parses a reference; `defaultNamespace` completes a bare `<pod>`. Returns a reason string for malformed text. */
export function parseReference(text: string, defaultNamespace: string): Reference | string {
  if (parseIPv4(text) !== undefined) return { kind: 'ip', ip: text };
  const parts = text.split('/');
  if (parts.some((p) => p === '')) return `not a reference: ${KIND_HELP}`;
  if (parts.length === 1) return { kind: 'object', objectKind: 'Pod', namespace: defaultNamespace, name: text };
  if (parts.length === 2) return { kind: 'object', objectKind: 'Pod', namespace: parts[0], name: parts[1] };
  if (parts.length === 3) {
    const t = resolveResourceType(parts[1]);
    if (!t || !(REFERENCE_KINDS as readonly string[]).includes(t.kind)) return `unknown kind "${parts[1]}": ${KIND_HELP}`;
    return { kind: 'object', objectKind: t.kind as ReferenceKind, namespace: parts[0], name: parts[2] };
  }
  return `too many "/": ${KIND_HELP}`;
}

const byName = (a: KubeObject, b: KubeObject) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);

function controllerOf(o: KubeObject): { kind: string; name: string } | undefined {
  const refs = o.metadata.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

/** The cluster objects references are resolved against, indexed once. */
export class ReferenceIndex {
  private readonly objects = new Map<string, KubeObject>();
  private readonly pods: KubeObject[] = [];
  private readonly slices = new Map<string, KubeObject[]>();
  private readonly namespaces = new Set<string>();

  constructor(objects: readonly KubeObject[]) {
    for (const o of objects) {
      this.objects.set(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
      if (o.kind === 'Namespace') this.namespaces.add(o.metadata.name);
      if (o.kind === 'Pod') this.pods.push(o);
      if (o.kind === 'EndpointSlice') {
        const key = `${o.metadata.namespace}/${o.metadata.labels?.['kubernetes.io/service-name'] ?? ''}`;
        const l = this.slices.get(key);
        if (l) l.push(o);
        else this.slices.set(key, [o]);
      }
    }
    this.pods.sort(byName);
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(`${kind}/${namespace ?? ''}/${name}`);
  }

  /**
   * The workload a pod belongs to, following controller ownerReferences (Pod → ReplicaSet → Deployment, Pod →
   * StatefulSet/DaemonSet); the pod itself when it has no owner.
   */
  workloadOf(pod: KubeObject): { kind: string; name: string } {
    let cur = { kind: pod.kind, name: pod.metadata.name };
    let owner = controllerOf(pod);
    for (let depth = 0; owner && depth < 4; depth++) {
      cur = { kind: owner.kind, name: owner.name };
      const next = this.get(owner.kind, pod.metadata.namespace, owner.name);
      owner = next ? controllerOf(next) : undefined;
    }
    return cur;
  }

  /** Pods of a workload, sorted by name: those whose owner chain reaches it. */
  podsOf(kind: string, namespace: string, name: string): KubeObject[] {
    return this.pods.filter((p) => {
      if (p.metadata.namespace !== namespace) return false;
      let o: KubeObject | undefined = p;
      for (let depth = 0; o && depth < 4; depth++) {
        const ref = controllerOf(o);
        if (!ref) return false;
        if (ref.kind === kind && ref.name === name) return true;
        o = this.get(ref.kind, namespace, ref.name);
      }
      return false;
    });
  }

  hasNamespace(ns: string): boolean {
    return this.namespaces.has(ns);
  }

  /** The pod (not hostNetwork) that has this IP, if any. */
  podWithIP(ip: string): KubeObject | undefined {
    return this.pods.find((p) => !p.spec?.hostNetwork && (p.status?.podIPs ?? []).some((x: { ip: string }) => x.ip === ip));
  }

  serviceWithClusterIP(ip: string): KubeObject | undefined {
    for (const o of this.objects.values()) if (o.kind === 'Service' && (o.spec?.clusterIPs ?? [o.spec?.clusterIP]).includes(ip)) return o;
    return undefined;
  }

  slicesOf(namespace: string, service: string): KubeObject[] {
    return this.slices.get(`${namespace}/${service}`) ?? [];
  }
}

type EndResult = { ok: true; end: ResolvedEnd } | { ok: false; detail: string };

const podEnd = (text: string, pod: KubeObject, via?: string): ResolvedEnd => ({
  text,
  endpoint: { kind: 'pod', namespace: pod.metadata.namespace!, name: pod.metadata.name },
  display: `${pod.metadata.namespace}/${pod.metadata.name}`,
  via,
});

function notFound(index: ReferenceIndex, kind: string, ns: string, name: string, text: string): string {
  if (!index.hasNamespace(ns)) {
    const hint = kind.toLowerCase() === 'pod' && resolveResourceType(ns) ? `; to name a ${resolveResourceType(ns)!.kind} write <ns>/${text}` : '';
    return `no namespace "${ns}"${hint}`;
  }
  return `no ${kind} "${name}" in namespace "${ns}"`;
}

/** Resolves a pod or workload reference to one pod (a workload's first pod by name: replicas share labels). */
function resolvePodOrWorkload(index: ReferenceIndex, ref: Extract<Reference, { kind: 'object' }>, text: string): EndResult {
  const { objectKind: kind, namespace: ns, name } = ref;
  if (kind === 'Pod') {
    const pod = index.get('Pod', ns, name);
    return pod ? { ok: true, end: podEnd(text, pod) } : { ok: false, detail: notFound(index, 'pod', ns, name, text) };
  }
  if (!index.get(kind, ns, name)) return { ok: false, detail: notFound(index, kind, ns, name, text) };
  const pods = index.podsOf(kind, ns, name);
  if (pods.length === 0) return { ok: false, detail: `${kind} ${ns}/${name} has no pods` };
  const which = pods.length === 1 ? 'its only pod' : `the first of its ${pods.length} pods by name (they share labels, so they share the verdict)`;
  return { ok: true, end: podEnd(text, pods[0], `pod ${ns}/${pods[0].metadata.name}, ${which}`) };
}

function resolveSource(index: ReferenceIndex, text: string, defaultNamespace: string): EndResult {
  const ref = parseReference(text, defaultNamespace);
  if (typeof ref === 'string') return { ok: false, detail: ref };
  if (ref.kind === 'ip') {
    const pod = index.podWithIP(ref.ip);
    if (pod) return { ok: true, end: podEnd(text, pod, `pod ${pod.metadata.namespace}/${pod.metadata.name} (its IP)`) };
    if (index.serviceWithClusterIP(ref.ip)) return { ok: false, detail: "a Service's ClusterIP is never a packet's source; name a pod or workload behind it" };
    return { ok: true, end: ipEnd(text, ref.ip) };
  }
  if (ref.objectKind === 'Service') return { ok: false, detail: 'a Service cannot be a source: name a pod or workload (<ns>/deploy/<name>)' };
  return resolvePodOrWorkload(index, ref, text);
}

/** An address outside the pod network; the engine notes when it is a node's (node traffic). */
function ipEnd(text: string, ip: string): ResolvedEnd {
  return { text, endpoint: { kind: 'ip', ip }, display: ip };
}

/** How a destination port is written: a number, or a name resolved on the destination. */
type PortResult = { ok: true; port: number | string; end: ResolvedEnd } | { ok: false; field: 'to' | 'port'; detail: string };

function describePorts(ports: { name?: string; port: number; protocol?: string }[]): string {
  return ports.length === 0 ? 'none' : ports.map((p) => `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol ?? 'TCP'}`).join(', ');
}

/** Checks a port against the destination pod's container ports: a name must be declared there, with the protocol. */
function checkPodPort(pod: KubeObject, port: number | string, protocol: Protocol): string | undefined {
  if (typeof port === 'number') return undefined;
  const declared = (pod.spec?.containers ?? []).flatMap((c: any) => (c.ports ?? []).map((p: any) => ({ name: p.name, port: p.containerPort, protocol: p.protocol ?? 'TCP' })));
  const named = declared.filter((p: { name?: string }) => p.name === port);
  if (named.some((p: { protocol: string }) => p.protocol === protocol)) return undefined;
  if (named.length > 0) return `pod ${pod.metadata.namespace}/${pod.metadata.name} declares port "${port}" as ${describePorts(named.map((p: { port: number; protocol: string }) => ({ port: p.port, protocol: p.protocol })))}, not ${protocol}: set the protocol`;
  return `pod ${pod.metadata.namespace}/${pod.metadata.name} declares no container port named "${port}" (it declares: ${describePorts(declared)})`;
}

/** A Service destination: the Service port (by number or name, with the protocol), then one ready backend. */
function resolveThroughService(index: ReferenceIndex, ns: string, name: string, text: string, port: number | string, protocol: Protocol): PortResult {
  const svc = index.get('Service', ns, name);
  if (!svc) return { ok: false, field: 'to', detail: notFound(index, 'Service', ns, name, text) };
  if (svc.spec?.type === 'ExternalName') return { ok: false, field: 'to', detail: `Service ${ns}/${name} is type ExternalName (an alias for ${svc.spec.externalName}): it has no endpoints in the cluster` };
  const ports: ServicePort[] = svc.spec?.ports ?? [];
  const sp = ports.find((p) => (typeof port === 'number' ? p.port === port : p.name === port) && (p.protocol ?? 'TCP') === protocol);
  if (!sp) return { ok: false, field: 'port', detail: `Service ${ns}/${name} has no port ${port}/${protocol} (it has: ${describePorts(ports)})` };
  const backends: { pod?: KubeObject; ip: string; port: number }[] = [];
  let notReady = 0;
  for (const slice of index.slicesOf(ns, name)) {
    const slicePort = (slice.ports ?? []).find((p: any) => (p.name ?? '') === (sp.name ?? '') && (p.protocol ?? 'TCP') === protocol);
    if (!slicePort || typeof slicePort.port !== 'number') continue;
    for (const e of slice.endpoints ?? []) {
      if (e.conditions?.ready === false) {
        notReady++;
        continue;
      }
      const ref = e.targetRef?.kind === 'Pod' ? index.get('Pod', e.targetRef.namespace ?? ns, e.targetRef.name) : undefined;
      const pod = ref ?? index.podWithIP(e.addresses?.[0]);
      backends.push({ pod, ip: e.addresses?.[0], port: slicePort.port });
    }
  }
  if (backends.length === 0) {
    const why = notReady > 0 ? `${notReady} endpoint(s), none ready` : svc.spec?.selector ? 'its selector matches no running pod' : 'it has no selector and no Endpoints were given';
    return { ok: false, field: 'to', detail: `Service ${ns}/${name} has no ready endpoints for port ${sp.name ?? sp.port}: ${why}` };
  }
  backends.sort((a, b) => {
    const x = a.pod?.metadata.name ?? a.ip;
    const y = b.pod?.metadata.name ?? b.ip;
    return x < y ? -1 : x > y ? 1 : 0; // code-unit order, like every other listing: no locale dependence
  });
  const b = backends[0];
  const headless = svc.spec?.clusterIP === 'None';
  const hop: ServiceHop = { namespace: ns, name, servicePort: sp, targetPort: b.port, headless };
  const pick = backends.length === 1 ? 'its only ready endpoint' : `the first of ${backends.length} ready endpoints`;
  const via = `port ${sp.name ? `${sp.name} ` : ''}${sp.port}/${protocol} → ${b.pod ? `pod ${b.pod.metadata.namespace}/${b.pod.metadata.name}` : b.ip} port ${b.port}, ${pick}`;
  const end: ResolvedEnd = b.pod ? { ...podEnd(text, b.pod, via), service: hop } : { text, endpoint: { kind: 'ip', ip: b.ip }, display: b.ip, via, service: hop };
  return { ok: true, port: b.port, end };
}

function resolveDestination(index: ReferenceIndex, text: string, defaultNamespace: string, port: number | string, protocol: Protocol): PortResult {
  const ref = parseReference(text, defaultNamespace);
  if (typeof ref === 'string') return { ok: false, field: 'to', detail: ref };
  if (ref.kind === 'ip') {
    const pod = index.podWithIP(ref.ip);
    const svc = pod ? undefined : index.serviceWithClusterIP(ref.ip);
    if (svc) return resolveThroughService(index, svc.metadata.namespace!, svc.metadata.name, text, port, protocol);
    if (!pod) {
      if (typeof port === 'string') return { ok: false, field: 'port', detail: `a port name needs a pod to resolve it, and ${ref.ip} is no pod's IP` };
      return { ok: true, port, end: ipEnd(text, ref.ip) };
    }
    const bad = checkPodPort(pod, port, protocol);
    if (bad) return { ok: false, field: 'port', detail: bad };
    return { ok: true, port, end: podEnd(text, pod, `pod ${pod.metadata.namespace}/${pod.metadata.name} (its IP)`) };
  }
  if (ref.objectKind === 'Service') return resolveThroughService(index, ref.namespace, ref.name, text, port, protocol);
  const r = resolvePodOrWorkload(index, ref, text);
  if (!r.ok) return { ok: false, field: 'to', detail: r.detail };
  const pod = index.get('Pod', (r.end.endpoint as { namespace: string }).namespace, (r.end.endpoint as { name: string }).name)!;
  const bad = checkPodPort(pod, port, protocol);
  if (bad) return { ok: false, field: 'port', detail: bad };
  return { ok: true, port, end: r.end };
}

/** Checks a port as written (a number 1–65535 or an IANA service name); returns the reason when it is not one. */
export function portProblem(port: number | string): string | undefined {
  if (typeof port === 'number') return Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : 'must be between 1 and 65535, inclusive';
  const errs = portNameErrors(port);
  return errs.length > 0 ? `not a port number, and not a port name: ${errs.join(', ')}` : undefined;
}

/** Reads a port from text: digits are a number, anything else a port name. */
export function parsePort(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

/**
 * Resolves a connection as a user writes it. Every issue is returned at once, each tied to the field it is about.
 * Policy applies after a Service's DNAT (networkpolicy.md §9), so a svc destination becomes a ready backend pod
 * and the query's port is its targetPort.
 */
export function resolveConnection(
  index: ReferenceIndex,
  c: { from: string; to: string; port: number | string; protocol: Protocol },
  defaultNamespace: string,
): Resolution {
  const issues: ReferenceIssue[] = [];
  const portBad = portProblem(c.port);
  if (portBad) issues.push({ field: 'port', value: c.port, detail: portBad });
  const from = resolveSource(index, c.from, defaultNamespace);
  if (!from.ok) issues.push({ field: 'from', value: c.from, detail: from.detail });
  if (portBad) {
    const to = parseReference(c.to, defaultNamespace);
    if (typeof to === 'string') issues.push({ field: 'to', value: c.to, detail: to });
    return { ok: false, issues };
  }
  const to = resolveDestination(index, c.to, defaultNamespace, c.port, c.protocol);
  if (!to.ok) issues.push({ field: to.field, value: to.field === 'to' ? c.to : c.port, detail: to.detail });
  if (!from.ok || !to.ok) return { ok: false, issues };
  return {
    ok: true,
    connection: {
      query: { from: from.end.endpoint, to: to.end.endpoint, port: to.port, protocol: c.protocol },
      from: from.end,
      to: to.end,
      requestedPort: c.port,
    },
  };
}
