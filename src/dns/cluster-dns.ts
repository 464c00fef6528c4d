// The cluster's DNS service as a whole, like kubeadm's Corefile: the kubernetes plugin for the cluster zone and the
// reverse zones (falling through for unknown addresses), then externalNames, then an optional upstream.

import type { ClusterConfig } from '../core/cluster-config.js';
import { formatIPv4 } from '../core/ip.js';
import type { KubeObject } from '../core/types.js';
import type { BackendRequest } from './backend.js';
import { serveFromBackend, SoaSettings } from './backend-lookup.js';
import { ClusterZone } from './cluster-zone.js';
import { ExternalNames } from './external-names.js';
import { fqdn } from './names.js';
import type { Answer, ClusterDns, Question } from './types.js';
import { servfail, udpUpstream, Upstream } from './upstream.js';

export interface ClusterDnsOptions {
  /**
   * The SOA serial. Default: the newest creationTimestamp among the Namespaces, Services, EndpointSlices and Pods, in
   * Unix seconds (CoreDNS uses the time of the last change it saw; this keeps answers reproducible).
   */
  serial?: number;
  /**
   * Where other names go. Default: a UDP forwarder to `config.dns.upstream` when one is configured, else none (such
   * names are NXDOMAIN). `null` turns forwarding off whatever the config says.
   */
  upstream?: Upstream | null;
}

/** Depth of nested lookups (CNAME targets asked through the whole server) before giving up with SERVFAIL. */
const MAX_LOOKUP_DEPTH = 8;

interface ServedZone {
  name: string;
  /** kubeadm's `fallthrough in-addr.arpa ip6.arpa`: NXDOMAIN here goes on to the next plugins. */
  fallthrough: boolean;
}

function newestCreation(objects: KubeObject[]): number {
  // RFC 3339 timestamps in UTC ("2026-11-23T10:00:00Z") sort as strings: compare them, parse the newest once.
  let newest = '';
  for (const o of objects) {
    if (o.kind !== 'Service' && o.kind !== 'EndpointSlice' && o.kind !== 'Pod' && o.kind !== 'Namespace') continue;
    const t = o.metadata.creationTimestamp;
    if (typeof t === 'string' && t > newest) newest = t;
  }
  const ms = newest ? Date.parse(newest) : NaN;
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** The cluster DNS engine: pure except for the optional upstream. Build a new one whenever the model changes. */
export class ClusterDnsEngine implements ClusterDns {
  readonly clusterZone: ClusterZone;
  readonly externalNames: ExternalNames;
  readonly upstream: Upstream | undefined;
  readonly soa: SoaSettings;
  /** The addresses that reach this server: kube-dns's ClusterIPs and the configured dnsServiceIP. */
  readonly serverIPs: ReadonlySet<string>;
  /** What resolvers outside the cluster answer (a node's resolver, used by dnsPolicy Default pods): no cluster zone. */
  readonly outside: ClusterDns;
  private readonly zones: ServedZone[];

  constructor(objects: KubeObject[], config: ClusterConfig, opts: ClusterDnsOptions = {}) {
    const dnsServiceIP = formatIPv4(config.dnsServiceIP);
    this.clusterZone = new ClusterZone(objects, { clusterDomain: config.clusterDomain, ttl: config.dns.ttl, podRecords: config.dns.podRecords, dnsServiceIP });
    this.externalNames = new ExternalNames(config.dns.externalNames, config.dns.ttl);
    const up = config.dns.upstream;
    this.upstream = opts.upstream === null ? undefined : (opts.upstream ?? (up ? udpUpstream(up.ip, up.port) : undefined));
    this.soa = { serial: opts.serial ?? newestCreation(objects), ttl: config.dns.ttl };
    const kubeDns = objects.find((o) => o.kind === 'Service' && o.metadata.namespace === 'kube-system' && o.metadata.name === 'kube-dns');
    this.serverIPs = new Set([dnsServiceIP, ...((kubeDns?.spec?.clusterIPs ?? []) as string[])]);
    this.zones = [
      { name: this.clusterZone.zone, fallthrough: false },
      { name: 'in-addr.arpa.', fallthrough: true },
      { name: 'ip6.arpa.', fallthrough: true },
    ].sort((a, b) => b.name.length - a.name.length);
    this.outside = { answer: (q) => this.answerOutside(fqdn(q.name), q.type.toUpperCase(), 0) };
  }

  answer(q: Question): Promise<Answer> {
    return this.answerAt(fqdn(q.name), q.type.toUpperCase(), 0);
  }

  /**
   * The server a resolv.conf nameserver stands for: this one for kube-dns's addresses, the outside world for any
   * other address (a node's resolver, a public resolver), and nothing that answers when there is no nameserver.
   */
  forNameserver(ip: string | undefined): ClusterDns {
    if (ip === undefined) return { answer: async () => servfail() };
    return this.serverIPs.has(ip) ? this : this.outside;
  }

  private async answerAt(qname: string, type: string, depth: number): Promise<Answer> {
    if (depth > MAX_LOOKUP_DEPTH) return servfail();
    const name = qname.toLowerCase();
    const zone = this.zones.find((z) => name === z.name || name.endsWith(`.${z.name}`));
    if (!zone) return this.answerOutside(qname, type, depth);
    // The zone keeps the question's case (handler.go: "maintain case of original query").
    const req: BackendRequest = { qname, name, type, zone: qname.slice(qname.length - zone.name.length) };
    const a = await serveFromBackend(this.clusterZone, req, { zone: req.zone, soa: this.soa, lookup: (n, t) => this.answerAt(fqdn(n), t, depth + 1) });
    if (a.rcode !== 'NXDOMAIN' || !zone.fallthrough) return a;
    const next = await this.answerOutside(qname, type, depth);
    return next.rcode === 'NXDOMAIN' && !this.upstream ? a : next;
  }

  private async answerOutside(qname: string, type: string, depth: number): Promise<Answer> {
    const req: BackendRequest = { qname, name: qname.toLowerCase(), type, zone: '.' };
    const a = await serveFromBackend(this.externalNames, req, { zone: '.', lookup: (n, t) => this.answerAt(fqdn(n), t, depth + 1) });
    if (a.rcode !== 'NXDOMAIN' || !this.upstream) return a;
    return this.upstream.lookup({ name: qname, type });
  }
}

/**
 * The cluster DNS for a built cluster's objects and config (BuiltCluster's `objects` and `config`).
 *
 * @example
 * const dns = buildClusterDns(cluster.objects, cluster.config);
 * const a = await dns.answer({ name: 'my-api.default.svc.cluster.local.', type: 'A' });
 * a.answers.map(formatRecord); // ['my-api.default.svc.cluster.local.\t5\tIN\tA\t10.96.118.86']
 */
export function buildClusterDns(objects: KubeObject[], config: ClusterConfig, opts: ClusterDnsOptions = {}): ClusterDnsEngine {
  return new ClusterDnsEngine(objects, config, opts);
}

/**
 * A ClusterDns whose engine can be swapped while a server uses it: build the next engine from the changed model and
 * `swap` it in; queries already running finish on the engine they started with.
 */
export class LiveClusterDns implements ClusterDns {
  constructor(private current: ClusterDnsEngine) {}

  get engine(): ClusterDnsEngine {
    return this.current;
  }

  swap(next: ClusterDnsEngine): void {
    this.current = next;
  }

  answer(q: Question): Promise<Answer> {
    return this.current.answer(q);
  }
}
