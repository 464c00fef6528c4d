// A container's process environment as the kubelet and the runtime build it: the image's PATH, HOSTNAME, the
// container's env and envFrom (with $(VAR) expansion and valueFrom), the Service variables the kubelet injects
// (pkg/kubelet/envvars/envvars.go), and HOME.

import type { Container, KubeObject } from '../core/types.js';

/** kubelet envvars.go makeEnvVariableName: upper case, dashes to underscores. */
function envName(s: string): string {
  return s.replace(/-/g, '_').toUpperCase();
}

interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
}

/**
 * The variables for one Service (envvars.go FromServices): `<SVC>_SERVICE_HOST`, `<SVC>_SERVICE_PORT` (the first
 * port), `<SVC>_SERVICE_PORT_<NAME>` per named port, then the Docker-link ones: `<SVC>_PORT` (first port as
 * proto://ip:port) and per port `<SVC>_PORT_<port>_<PROTO>` with `_PROTO`, `_PORT`, `_ADDR`.
 */
export function serviceVariables(svc: KubeObject): [string, string][] {
  const ip = svc.spec?.clusterIP as string;
  const ports = (svc.spec?.ports ?? []) as ServicePort[];
  const prefix = envName(svc.metadata.name);
  const out: [string, string][] = [[`${prefix}_SERVICE_HOST`, ip]];
  if (ports.length === 0) return out;
  out.push([`${prefix}_SERVICE_PORT`, String(ports[0].port)]);
  for (const p of ports) if (p.name) out.push([`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
  ports.forEach((p, i) => {
    const proto = (p.protocol ?? 'TCP').toUpperCase();
    const url = `${proto.toLowerCase()}://${ip}:${p.port}`;
    if (i === 0) out.push([`${prefix}_PORT`, url]);
    const pp = `${prefix}_PORT_${p.port}_${proto}`;
    out.push([pp, url], [`${pp}_PROTO`, proto.toLowerCase()], [`${pp}_PORT`, String(p.port)], [`${pp}_ADDR`, ip]);
  });
  return out;
}

/** v1helper.IsServiceIPSet: a ClusterIP that is neither empty nor None (headless and ExternalName have none). */
function hasClusterIP(svc: KubeObject): boolean {
  const ip = svc.spec?.clusterIP;
  return typeof ip === 'string' && ip !== '' && ip !== 'None';
}

/**
 * The Service variables of a pod (kubelet_pods.go getServiceEnvVarMap): `kubernetes` from the default namespace
 * always, and every Service of the pod's namespace with a ClusterIP when spec.enableServiceLinks is not false (a
 * Service named `kubernetes` in the pod's own namespace then wins). The kubelet collects them in a Go map, so their
 * order varies from container to container; flatnet sorts them by name.
 */
export function serviceEnvironment(pod: KubeObject, objects: readonly KubeObject[]): [string, string][] {
  const ns = pod.metadata.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks !== false;
  const chosen = new Map<string, KubeObject>();
  for (const s of objects) {
    if (s.kind !== 'Service' || !hasClusterIP(s)) continue;
    const name = s.metadata.name;
    if ((s.metadata.namespace ?? 'default') === 'default' && name === 'kubernetes') {
      if (!chosen.has(name)) chosen.set(name, s);
    } else if ((s.metadata.namespace ?? 'default') === ns && links) chosen.set(name, s);
  }
  const vars = new Map<string, string>();
  for (const s of chosen.values()) for (const [k, v] of serviceVariables(s)) vars.set(k, v);
  return [...vars].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** expansion.Expand: `$(VAR)` from the variables so far, `$$` for a literal `$`, unknown references left as written. */
export function expandReferences(value: string, lookup: (name: string) => string | undefined): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : (lookup(name!) ?? m)));
}

function fieldValue(pod: KubeObject, path: string): string | undefined {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (pod.metadata[m[1] as 'labels' | 'annotations'] as Record<string, string> | undefined)?.[m[2]];
  const fields: Record<string, unknown> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace ?? 'default',
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName ?? 'default',
    'status.hostIP': pod.status?.hostIP,
    'status.hostIPs': (pod.status?.hostIPs ?? []).map((x: { ip: string }) => x.ip).join(','),
    'status.podIP': pod.status?.podIP,
    'status.podIPs': (pod.status?.podIPs ?? []).map((x: { ip: string }) => x.ip).join(','),
  };
  const v = fields[path];
  return v === undefined ? undefined : String(v);
}

function keyOf(objects: readonly KubeObject[], kind: 'ConfigMap' | 'Secret', ns: string, name: string, key?: string): string | Record<string, string> | undefined {
  const o = objects.find((x) => x.kind === kind && (x.metadata.namespace ?? 'default') === ns && x.metadata.name === name);
  if (!o) return undefined;
  const data: Record<string, string> = { ...(o.data ?? {}) };
  if (kind === 'Secret') {
    for (const k of Object.keys(data)) data[k] = Buffer.from(String(data[k]), 'base64').toString('utf8');
    Object.assign(data, o.stringData ?? {});
  }
  return key === undefined ? data : data[key];
}

/** What one env entry resolves to; undefined when its source is missing (the kubelet would not start the container) or unsupported. */
function envEntryValue(pod: KubeObject, objects: readonly KubeObject[], e: any, lookup: (n: string) => string | undefined): string | undefined {
  if (e.valueFrom === undefined) return expandReferences(String(e.value ?? ''), lookup);
  const ns = pod.metadata.namespace ?? 'default';
  const vf = e.valueFrom;
  if (vf.fieldRef?.fieldPath) return fieldValue(pod, vf.fieldRef.fieldPath);
  if (vf.configMapKeyRef) return keyOf(objects, 'ConfigMap', ns, vf.configMapKeyRef.name, vf.configMapKeyRef.key) as string | undefined;
  if (vf.secretKeyRef) return keyOf(objects, 'Secret', ns, vf.secretKeyRef.name, vf.secretKeyRef.key) as string | undefined;
  return undefined;
}

/**
 * The environment `env` prints in `container`: the image's PATH, HOSTNAME (containerd sets it to the pod's hostname),
 * envFrom then env in declaration order ($(VAR) expanded against earlier ones and the Service variables), the Service
 * variables not already set, and HOME=/root (runc's default for root).
 */
export function containerEnvironment(pod: KubeObject, container: Container, objects: readonly KubeObject[], image: { path: string }, hostname: string): [string, string][] {
  const services = serviceEnvironment(pod, objects);
  const serviceMap = new Map(services);
  const own = new Map<string, string>();
  const lookup = (n: string) => own.get(n) ?? serviceMap.get(n);
  const ns = pod.metadata.namespace ?? 'default';
  for (const src of (container.envFrom ?? []) as any[]) {
    const ref = src.configMapRef ?? src.secretRef;
    const data = ref ? keyOf(objects, src.configMapRef ? 'ConfigMap' : 'Secret', ns, ref.name) : undefined;
    if (data && typeof data === 'object') for (const [k, v] of Object.entries(data)) own.set(`${src.prefix ?? ''}${k}`, v);
  }
  for (const e of (container.env ?? []) as any[]) {
    const v = envEntryValue(pod, objects, e, lookup);
    if (v !== undefined) own.set(e.name, v);
  }
  // containerd's replaceOrAppendEnvValues: a container variable named like an earlier one takes its place.
  const out: [string, string][] = [['PATH', own.get('PATH') ?? image.path], ['HOSTNAME', own.get('HOSTNAME') ?? hostname]];
  for (const [k, v] of own) if (k !== 'PATH' && k !== 'HOSTNAME') out.push([k, v]);
  for (const [k, v] of services) if (!own.has(k)) out.push([k, v]);
  if (!own.has('HOME')) out.push(['HOME', '/root']);
  return out;
}
