// The first hop of a trace to a name: the source's resolver expansion (its resolv.conf, every query its C library
// sends, each answer), whether the query can reach the nameserver at all, and the addresses it ends with.

import type { ClusterConfig } from '../../core/cluster-config.js';
import { describeObject } from '../../core/errors.js';
import type { KubeObject } from '../../core/types.js';
import type { ClusterDnsEngine } from '../../dns/cluster-dns.js';
import { nodeResolvConf, podResolvConf, type ResolvConf } from '../../dns/resolv-conf.js';
import { resolve, type ResolverLibrary, type ResolveResult } from '../../dns/resolver.js';
import type { ClusterDns, ResourceRecord } from '../../dns/types.js';
import type { ConnectionSource, ConnectOutcome, DataPlane } from '../types.js';
import type { TraceHop } from './trace-types.js';

export interface DnsStepInput {
  name: string;
  from: ConnectionSource;
  /** The source pod, when the source is one. */
  pod?: KubeObject;
  objects: readonly KubeObject[];
  config: ClusterConfig;
  dns: ClusterDnsEngine;
  dataPlane: DataPlane;
  library: ResolverLibrary;
}

export type DnsStep =
  | { resolved: true; hop: TraceHop; addresses: string[] }
  | { resolved: false; hop: TraceHop; reason: string; message: string; outcome?: ConnectOutcome };

function rdata(rr: ResourceRecord): string {
  return typeof rr.data === 'string' ? rr.data : JSON.stringify(rr.data);
}

/** One query and its answer on one line: `A my-api.default.svc.cluster.local. → NOERROR 10.103.193.222`. */
function queryLine(q: ResolveResult['tries'][number]['queries'][number]): string {
  const recs = q.answer.answers.map((rr) => (rr.type === 'CNAME' ? `${rr.name} CNAME ${rr.data}` : `${rr.type} ${rdata(rr)}`));
  return `${q.question.type} ${q.question.name} → ${q.answer.rcode}${recs.length ? ` ${recs.join(', ')}` : ' (no records)'}`;
}

/** The Services a set of cluster-zone names belong to (`<svc>.<ns>.svc.<zone>.`, `<host>.<svc>.<ns>.svc.<zone>.`). */
function servicesNamed(names: string[], objects: readonly KubeObject[], zone: string): string[] {
  const out = new Set<string>();
  const suffix = `.svc.${zone}.`.toLowerCase();
  for (const n of names.map((x) => x.toLowerCase())) {
    if (!n.endsWith(suffix)) continue;
    const labels = n.slice(0, -suffix.length).split('.');
    if (labels.length < 2) continue;
    const [name, ns] = labels.slice(-2);
    if (objects.some((o) => o.kind === 'Service' && o.metadata.namespace === ns && o.metadata.name === name)) out.add(describeObject('Service', ns, name));
  }
  return [...out];
}

/** The resolver the source uses: its pod's resolv.conf, the node's, or (outside the cluster) a resolver that knows no cluster names. */
function resolverOf(input: DnsStepInput): { conf: ResolvConf; server: ClusterDns; who: string } {
  const { from, pod, config, dns } = input;
  if (from.kind === 'pod' && pod) {
    const rc = podResolvConf(pod, { config });
    const policy = rc.effectivePolicy === rc.dnsPolicy ? `dnsPolicy ${rc.dnsPolicy}` : `dnsPolicy ${rc.dnsPolicy}, acting as ${rc.effectivePolicy} (host network)`;
    return { conf: rc.conf, server: dns.forNameserver(rc.conf.nameservers[0]), who: `pod ${from.namespace}/${from.name}'s resolv.conf (${policy})` };
  }
  if (from.kind === 'node') {
    const conf = nodeResolvConf(config);
    return { conf, server: dns.forNameserver(conf.nameservers[0]), who: `node ${from.name}'s own resolv.conf (the node network's resolver, not the cluster DNS)` };
  }
  return { conf: { nameservers: [], search: [], options: [] }, server: dns.outside, who: "the external client's own resolver, which does not know the cluster zone" };
}

/**
 * Resolves `name` as the source's C library would, first checking that its query can reach a cluster nameserver
 * (an egress NetworkPolicy that forgets port 53 breaks every lookup). A lookup that ends in CNAMEs only (an
 * ExternalName Service pointing outside) says so: flatnet has no internet unless ClusterConfig spec.dns.externalNames
 * or spec.dns.upstream answers for the name.
 */
export async function dnsStep(input: DnsStepInput): Promise<DnsStep> {
  const { name, from, dns, config } = input;
  const { conf, server, who } = resolverOf(input);
  const at = from.kind === 'pod' ? `pod ${from.namespace}/${from.name}` : from.kind === 'node' ? `node ${from.name}` : 'external';
  const ns = conf.nameservers[0];
  const kubeDns = describeObject('Service', 'kube-system', 'kube-dns');
  // Who answers: kube-dns for the cluster's nameserver; otherwise the node whose resolv.conf sent the query elsewhere.
  const objects = ns && dns.serverIPs.has(ns) ? [kubeDns] : from.kind === 'node' ? [describeObject('Node', undefined, from.name)] : [];
  const head = `${who}: nameserver ${ns ?? '(none)'}${conf.search.length ? `, search ${conf.search.join(' ')}` : ''}${conf.options.length ? `, options ${conf.options.join(' ')}` : ''}`;
  if (from.kind !== 'external' && ns && dns.serverIPs.has(ns)) {
    const out = input.dataPlane.connect({ from, to: { ip: ns, port: 53 }, protocol: 'UDP' });
    if (out.kind !== 'connected') {
      const message = `the DNS query to ${ns}:53/UDP never gets an answer: ${out.message}`;
      const hop: TraceHop = { stage: 'dns', at, summary: `${head}; ${message}`, objects: [...new Set([kubeDns, ...out.hops.flatMap((h) => h.objects)])], details: out.hops.map((h) => `${h.stage}: ${h.summary}`) };
      return { resolved: false, hop, reason: out.reason, message, outcome: out };
    }
  }
  const r = await resolve(name, 'ADDR', conf, server, { library: input.library });
  const details = [`${r.library}: ${r.plan}`];
  r.tries.forEach((t, i) => details.push(`try ${i + 1}: ${t.name} (${t.reason})`, ...t.queries.map((q) => `  ${queryLine(q)}`)));
  const named = servicesNamed(r.tries.flatMap((t) => [t.name, ...t.queries.flatMap((q) => q.answer.answers.map((rr) => rr.name))]), input.objects, config.clusterDomain);
  const hopObjects = [...new Set([...objects, ...named])];
  const addresses = r.records.filter((rr) => rr.type === 'A').map((rr) => rr.data as string);
  if (r.resolved && addresses.length > 0) {
    const many = addresses.length > 1 ? `; ${addresses.length} addresses (${addresses.join(', ')}): a client tries them in order, the trace follows the first` : '';
    return { resolved: true, hop: { stage: 'dns', at, summary: `${head}; ${r.summary} → ${addresses[0]}${many}`, objects: hopObjects, details }, addresses };
  }
  // The CNAME chain of the last try's first query (the A query repeats in the AAAA one).
  const cnames = (r.tries[r.tries.length - 1]?.queries[0]?.answer.answers ?? []).filter((rr) => rr.type === 'CNAME');
  let message: string;
  if (cnames.length > 0) {
    const last = cnames[cnames.length - 1].data as string;
    const svc = named.length ? `${named.join(', ')} answers` : 'the answer is';
    message = `${svc} CNAME ${cnames.map((c) => c.data).join(' → ')}, and ${last} has no address: flatnet simulates no internet (ClusterConfig spec.dns.externalNames or spec.dns.upstream can answer for it)`;
  } else if (r.resolved) message = `${r.summary}, but no IPv4 address: flatnet models IPv4 only`;
  else message = `${name} does not resolve: ${r.summary}`;
  return { resolved: false, hop: { stage: 'dns', at, summary: `${head}; ${message}`, objects: hopObjects, details }, reason: r.status === 'NOERROR' ? 'NODATA' : r.status, message };
}
