// The cluster zone as a Backend: Services, EndpointSlices, Pods and Namespaces reduced to small views indexed by
// lowercase name, answering as CoreDNS's kubernetes plugin does (kubernetes.go, parse.go, reverse.go, ns.go).

import type { DnsPodRecordMode } from '../core/cluster-config.js';
import type { KubeObject } from '../core/types.js';
import { Backend, BackendLookup, BackendRequest, BackendService, hostType, NAME_ERROR } from './backend.js';
import { addressFromReverse, canonicalIP, dashedIP, isReverse, labelsBelow, normalizeIP } from './names.js';

/** The schema version `dns-version.<zone>` TXT announces (Kubernetes DNS specification). */
export const DNS_SCHEMA_VERSION = '1.1.0';
const DNS_VERSION_TTL = 28800;

interface PortView {
  name: string;
  protocol: string;
  /** -1 when the object has no ports: CoreDNS's sentinel, which answers A but makes no SRV record. */
  port: number;
}

/** A ready endpoint address and the label it is known by under its Service. */
interface AddressView {
  ip: string;
  label: string;
}

/** One EndpointSlice's ready addresses with the slice's ports (an Endpoints subset in CoreDNS's object view). */
interface SubsetView {
  ports: PortView[];
  addresses: AddressView[];
}

/** A Service as DNS sees it (CoreDNS object/service.go), with the ready endpoints of its slices. */
interface ServiceView {
  name: string;
  namespace: string;
  externalName?: string;
  headless: boolean;
  clusterIPs: string[];
  ports: PortView[];
  subsets: SubsetView[];
}

/** The parsed labels below the zone (parse.go recordRequest). */
interface RecordRequest {
  podOrSvc: string;
  namespace: string;
  service: string;
  endpoint: string;
  port: string;
  protocol: string;
}

export interface ClusterZoneOptions {
  /** The cluster domain, lowercase, without the trailing dot. */
  clusterDomain: string;
  ttl: number;
  podRecords: DnsPodRecordMode;
  /** The cluster DNS Service's address, for NS glue when no kube-system/kube-dns Service exists. */
  dnsServiceIP: string;
}

const SENTINEL_PORTS: PortView[] = [{ name: '', protocol: '', port: -1 }];
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

function portViews(ports: any[] | null | undefined): PortView[] {
  if (!ports || ports.length === 0) return SENTINEL_PORTS;
  return ports.map((p) => ({ name: String(p.name ?? '').toLowerCase(), protocol: String(p.protocol ?? '').toLowerCase(), port: typeof p.port === 'number' ? p.port : -1 }));
}

/** object/service.go: a Service reduced to what DNS needs; no ports stands for CoreDNS's port -1 sentinel. */
function toView(o: KubeObject, slices: KubeObject[]): ServiceView {
  const spec = o.spec ?? {};
  const ips: unknown[] = spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP];
  return {
    name: o.metadata.name.toLowerCase(),
    namespace: o.metadata.namespace!.toLowerCase(),
    headless: spec.clusterIP === 'None',
    clusterIPs: ips.filter((ip): ip is string => typeof ip === 'string' && ip !== '' && ip !== 'None').map(normalizeIP),
    ports: portViews(spec.ports),
    subsets: slices.map(toSubset),
    ...(spec.type === 'ExternalName' ? { externalName: String(spec.externalName ?? '') } : {}),
  };
}

/** kubernetes.go endpointHostname: the endpoint's hostname, else its dashed IP. */
function endpointLabel(ep: any, ip: string): string {
  return ep.hostname ? String(ep.hostname).toLowerCase() : dashedIP(ip);
}

/** object/endpoint.go: a slice's ready endpoints (a missing `ready` counts as ready) with the slice's ports. */
function toSubset(o: KubeObject): SubsetView {
  const addresses: AddressView[] = [];
  for (const ep of (o.endpoints ?? []) as any[]) {
    if (ep.conditions?.ready === false) continue;
    for (const raw of (ep.addresses ?? []) as string[]) {
      const ip = normalizeIP(raw);
      addresses.push({ ip, label: endpointLabel(ep, ip) });
    }
  }
  return { ports: portViews(o.ports), addresses };
}

function parseRequest(labels: string[]): RecordRequest | typeof NAME_ERROR {
  const r: RecordRequest = { podOrSvc: '', namespace: '', service: '', endpoint: '', port: '', protocol: '' };
  // `<zone>`, `svc.<zone>` and `pod.<zone>` exist and hold nothing: NODATA.
  if (labels.length === 0 || (labels.length === 1 && (labels[0] === 'svc' || labels[0] === 'pod'))) return r;
  let last = labels.length - 1;
  r.podOrSvc = labels[last];
  if (r.podOrSvc !== 'svc' && r.podOrSvc !== 'pod') return NAME_ERROR;
  if (--last < 0) return r;
  r.namespace = labels[last];
  if (--last < 0) return r;
  r.service = labels[last];
  if (--last < 0) return r;
  if (last === 0) r.endpoint = labels[0];
  else if (last === 1) {
    r.protocol = labels[1].replace(/^_/, '');
    r.port = labels[0].replace(/^_/, '');
  } else return NAME_ERROR; // too many labels
  return r;
}

/** A Service and its EndpointSlices as stored at build time; the view is made on first use and kept. */
interface ServiceEntry {
  service?: KubeObject;
  slices: KubeObject[];
  view?: ServiceView;
}

/**
 * The cluster zone backend. Building it only files each object under its lowercase key (`<service>.<namespace>`), so
 * a rebuild after every model change stays cheap at 10k+ Services; a Service's view is made when first asked for,
 * and the reverse and pod-IP indexes when the first PTR or verified pod query needs them.
 */
export class ClusterZone implements Backend {
  readonly zone: string;
  private readonly entries = new Map<string, ServiceEntry>();
  private readonly namespaces = new Set<string>();
  private readonly pods: KubeObject[] = [];
  private reverseIndex?: { clusterIPs: Map<string, string>; endpoints: Map<string, string[]> };
  private podIndex?: Map<string, string[]>;
  private readonly nameservers: { name: string; ip: string }[] = [];

  constructor(objects: Iterable<KubeObject>, private readonly opts: ClusterZoneOptions) {
    this.zone = `${opts.clusterDomain}.`;
    for (const o of objects) {
      if (o.kind === 'Namespace') this.namespaces.add(o.metadata.name.toLowerCase());
      else if (o.kind === 'Service') this.entry(`${o.metadata.name}.${o.metadata.namespace}`.toLowerCase()).service = o;
      else if (o.kind === 'EndpointSlice') {
        const service = o.metadata.labels?.[SERVICE_NAME_LABEL];
        if (service && o.addressType !== 'FQDN') this.entry(`${service}.${o.metadata.namespace}`.toLowerCase()).slices.push(o);
      } else if (o.kind === 'Pod') this.pods.push(o);
    }
    // ns.go nsAddrs: the Services in front of CoreDNS's own pods; flatnet's CoreDNS pods sit behind kube-dns.
    const kubeDns = this.view('kube-dns.kube-system');
    if (kubeDns && !kubeDns.headless && kubeDns.clusterIPs.length > 0) for (const ip of kubeDns.clusterIPs) this.nameservers.push({ name: 'kube-dns.kube-system.svc.', ip });
    else this.nameservers.push({ name: 'ns.dns.', ip: opts.dnsServiceIP });
  }

  private entry(key: string): ServiceEntry {
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = { slices: [] }));
    return e;
  }

  /** The Service `<name>.<namespace>` (lowercase) as DNS sees it, with its slices' ready endpoints. */
  private view(key: string): ServiceView | undefined {
    const e = this.entries.get(key);
    if (!e?.service) return undefined;
    if (!e.view) e.view = toView(e.service, e.slices);
    return e.view;
  }

  /** reverse.go's two indexes: ClusterIP → the first Service holding it; endpoint IP → its name under each Service. */
  private reverseNames(): NonNullable<ClusterZone['reverseIndex']> {
    if (this.reverseIndex) return this.reverseIndex;
    const clusterIPs = new Map<string, string>();
    const endpoints = new Map<string, string[]>();
    for (const [key, e] of this.entries) {
      const spec = e.service?.spec;
      if (spec && spec.type !== 'ExternalName')
        for (const ip of (spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP]) as unknown[])
          if (typeof ip === 'string' && ip !== '' && ip !== 'None') {
            const c = normalizeIP(ip);
            if (!clusterIPs.has(c)) clusterIPs.set(c, `${key}.svc`);
          }
      // Endpoints count even when their Service is gone: CoreDNS indexes slices on their own.
      for (const slice of e.slices)
        for (const ep of (slice.endpoints ?? []) as any[]) {
          if (ep.conditions?.ready === false) continue;
          for (const raw of (ep.addresses ?? []) as string[]) {
            const ip = normalizeIP(raw);
            push(endpoints, ip, `${endpointLabel(ep, ip)}.${key}.svc`);
          }
        }
    }
    return (this.reverseIndex = { clusterIPs, endpoints });
  }

  /** Pod IP → namespaces of pods with that IP, terminating pods left out (object/pod.go), for `pods verified`. */
  private podNamespaces(): Map<string, string[]> {
    if (this.podIndex) return this.podIndex;
    const m = new Map<string, string[]>();
    for (const p of this.pods) if (p.status?.podIP && !p.metadata.deletionTimestamp) push(m, normalizeIP(p.status.podIP), p.metadata.namespace!);
    return (this.podIndex = m);
  }

  owns(name: string): boolean {
    return name === this.zone || name.endsWith(`.${this.zone}`);
  }

  services(req: BackendRequest): BackendLookup {
    const labels = labelsBelow(req.name, req.zone.toLowerCase());
    if (req.type === 'TXT') {
      if (labels.length === 1 && labels[0] === 'dns-version') return [{ what: 'TXT', host: '', text: DNS_SCHEMA_VERSION, port: -1, ttl: DNS_VERSION_TTL, target: req.qname }];
      // Any other TXT: NODATA when the name has records of another type, else NXDOMAIN — even for names such as
      // `svc.<zone>` that answer NODATA to other types (kubernetes.go Services, TypeTXT).
      const found = this.records(req, labels);
      return found !== NAME_ERROR && found.length > 0 ? [] : NAME_ERROR;
    }
    if (req.type === 'NS') return this.nameserverServices(req.zone);
    if (req.name === `ns.dns.${req.zone.toLowerCase()}`)
      return this.nameserverServices(req.zone).filter((s) => s.what === req.type).map((s) => ({ ...s, target: req.qname }));
    const found = this.records(req, labels);
    // SRV records are never made for ExternalName Services.
    return req.type === 'SRV' && found !== NAME_ERROR ? found.filter((s) => s.what !== 'CNAME') : found;
  }

  private nameserverServices(zone: string): BackendService[] {
    return this.nameservers.map((n) => ({ what: hostType(n.ip) as 'A' | 'AAAA', host: n.ip, port: -1, ttl: this.opts.ttl, target: `${n.name}${zone}` }));
  }

  /** kubernetes.go Records: parse the labels, then look up a pod or a Service. */
  private records(req: BackendRequest, labels: string[]): BackendLookup {
    const r = parseRequest(labels);
    if (r === NAME_ERROR) return NAME_ERROR;
    if (r.podOrSvc === '') return [];
    if (isReverse(req.name) || !this.namespaces.has(r.namespace)) return NAME_ERROR;
    // `<ns>.svc.<zone>` and `<ns>.pod.<zone>` of an existing namespace: NODATA.
    if (r.service === '') return r.podOrSvc === 'pod' && this.opts.podRecords === 'disabled' ? NAME_ERROR : [];
    return r.podOrSvc === 'pod' ? this.findPods(r, req) : this.findServices(r, req);
  }

  /**
   * kubernetes.go findPods: `a-b-c-d.<ns>.pod.<zone>` (exactly three '-' and no '--' reads as IPv4, anything else as
   * IPv6 with '-' → ':'). insecure mode answers any address; verified mode only a pod's. Labels left of the pod
   * label are ignored, as upstream does.
   */
  private findPods(r: RecordRequest, req: BackendRequest): BackendLookup {
    if (this.opts.podRecords === 'disabled') return NAME_ERROR;
    const label = r.service;
    const text = (label.match(/-/g) ?? []).length === 3 && !label.includes('--') ? label.replaceAll('-', '.') : label.replaceAll('-', ':');
    const ip = canonicalIP(text);
    if (ip === undefined) return NAME_ERROR;
    if (this.opts.podRecords === 'verified' && !(this.podNamespaces().get(ip) ?? []).includes(r.namespace)) return NAME_ERROR;
    return [{ what: hostType(ip) as 'A' | 'AAAA', host: ip, port: -1, ttl: this.opts.ttl, target: req.qname }];
  }

  /** kubernetes.go findServices: ExternalName → CNAME; headless or endpoint names → endpoints; else ClusterIPs. */
  private findServices(r: RecordRequest, req: BackendRequest): BackendLookup {
    const svc = this.view(`${r.service}.${r.namespace}`);
    if (!svc) return NAME_ERROR;
    const ttl = this.opts.ttl;
    const base = `${svc.name}.${svc.namespace}.svc.${req.zone}`;
    const portMatches = (p: PortView) => (r.port === '' || r.port === p.name) && (r.protocol === '' || r.protocol === p.protocol);
    if (svc.externalName !== undefined) {
      // No endpoints or port labels below an ExternalName; an externalName that is an IP address answers nothing,
      // so the name does not exist (the trap reported in kubernetes-sigs/kind#1152).
      if (r.endpoint !== '' || r.port !== '' || r.protocol !== '' || hostType(svc.externalName) !== 'CNAME') return NAME_ERROR;
      return [{ what: 'CNAME', host: svc.externalName.endsWith('.') ? svc.externalName : `${svc.externalName}.`, port: -1, ttl, target: base }];
    }
    const out: BackendService[] = [];
    if (svc.headless || r.endpoint !== '') {
      for (const subset of svc.subsets)
        for (const a of subset.addresses) {
          if (r.endpoint !== '' && r.endpoint !== a.label) continue;
          for (const p of subset.ports)
            if (portMatches(p)) out.push({ what: hostType(a.ip) as 'A' | 'AAAA', host: a.ip, port: p.port, ttl, target: `${a.label}.${base}` });
        }
      return out.length > 0 ? out : NAME_ERROR;
    }
    let matched = false;
    for (const p of svc.ports) {
      if (!portMatches(p)) continue;
      matched = true;
      for (const ip of svc.clusterIPs) out.push({ what: hostType(ip) as 'A' | 'AAAA', host: ip, port: p.port, ttl, target: base });
    }
    return matched ? out : NAME_ERROR;
  }

  /** reverse.go: a Service's ClusterIP first; otherwise every ready endpoint with that IP, under the primary zone. */
  reverse(req: BackendRequest): BackendLookup {
    const ip = addressFromReverse(req.name);
    if (ip === undefined) {
      const found = this.records(req, labelsBelow(req.name, req.zone.toLowerCase()));
      return found === NAME_ERROR ? NAME_ERROR : [];
    }
    const index = this.reverseNames();
    const svc = index.clusterIPs.get(ip);
    const names = svc ? [svc] : (index.endpoints.get(ip) ?? []);
    if (names.length === 0) return NAME_ERROR;
    return names.map((n) => ({ what: 'CNAME', host: `${n}.${this.zone}`, port: -1, ttl: this.opts.ttl, target: req.qname }));
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}
