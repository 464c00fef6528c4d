// The DNS client side shared by nslookup, dig and host: which server a lookup asks (the resolv.conf nameserver or one
// named on the command line), whether its queries get there through the data plane, and the candidate names a
// search list gives. Answers come from the cluster DNS engine standing for that server.

import { parseIPv4 } from '../core/ip.js';
import { resolverSettings } from '../dns/resolv-conf.js';
import type { Answer, ClusterDns, ResourceRecord } from '../dns/types.js';
import { connect, serverFor, SIM_TIMING, type ToolContext } from './tool-context.js';

export interface DnsServerChoice {
  /** As given (resolv.conf or the command line). */
  name: string;
  ip: string;
  /** What answers there; undefined when queries get no answer. */
  dns?: ClusterDns;
  /** Why queries get no answer (a NetworkPolicy, nothing outside the cluster). */
  why?: string;
}

/** Whether `ip` is a CoreDNS pod (label k8s-app=kube-dns), which answers like the kube-dns Service. */
function isCoreDnsPod(ctx: ToolContext, ip: string): boolean {
  return ctx.objects.some((o) => o.kind === 'Pod' && o.status?.podIP === ip && o.metadata.labels?.['k8s-app'] === 'kube-dns');
}

/**
 * The server a DNS tool asks: the first resolv.conf nameserver, or `explicit` (an address). Cluster DNS addresses
 * (kube-dns's ClusterIP, a CoreDNS pod) answer from the cluster DNS when the data plane lets UDP 53 through; the
 * pod's own (non-cluster) nameserver answers as the node's resolver; any other address is outside what flatnet
 * simulates and never answers.
 */
export function chooseServer(ctx: ToolContext, explicit?: string): DnsServerChoice {
  const fromConf = resolverSettings(ctx.resolvConf).nameserver;
  const name = explicit ?? fromConf;
  if (name === undefined) return { name: '127.0.0.1', ip: '127.0.0.1', why: 'resolv.conf has no nameserver, so the resolver asks 127.0.0.1, where nothing listens' };
  const ip = name;
  if (parseIPv4(ip) === undefined) return { name, ip, why: `${name} is not an address` };
  const cluster = ctx.dns.serverIPs?.has(ip) || isCoreDnsPod(ctx, ip);
  if (!cluster && ip !== fromConf) return { name, ip, why: `${ip} is outside the cluster; flatnet simulates nothing beyond it` };
  if (!cluster) return { name, ip, dns: serverFor(ctx, ip) };
  // The query really travels: kube-proxy's DNAT to a CoreDNS pod, the route, NetworkPolicy egress and ingress.
  const out = connect(ctx, ip, 53, 'UDP');
  if (out.kind !== 'connected') return { name, ip, why: out.message };
  const kubeDns = ctx.dns.serverIPs ? [...ctx.dns.serverIPs][0] : undefined;
  return { name, ip, dns: ctx.dns.forNameserver && kubeDns ? ctx.dns.forNameserver(kubeDns) : ctx.dns };
}

/** The names a search-list lookup tries, in order (dig +search, host, BIND nslookup: the resolv.conf rules). */
export function searchCandidates(ctx: ToolContext, name: string, search: boolean): string[] {
  if (name.endsWith('.')) return [name];
  const { ndots, search: domains } = resolverSettings(ctx.resolvConf);
  if (!search || domains.length === 0) return [`${name}.`];
  const dots = (name.match(/\./g) ?? []).length;
  const listed = domains.map((d) => `${name}.${d}.`);
  return dots >= ndots ? [`${name}.`, ...listed] : [...listed, `${name}.`];
}

/** Asks `server` each candidate in turn until one is not NXDOMAIN (a NODATA answer ends the search too, as in BIND). */
export async function askWithSearch(server: ClusterDns, candidates: string[], type: string): Promise<{ name: string; answer: Answer; queries: number }> {
  let last: { name: string; answer: Answer } | undefined;
  let queries = 0;
  for (const c of candidates) {
    const answer = await server.answer({ name: c, type });
    queries++;
    last = { name: c, answer };
    if (answer.rcode !== 'NXDOMAIN') break;
  }
  return { ...last!, queries };
}

/** Name without its trailing dot, as most tools print names. */
export function bare(name: string): string {
  return name.length > 1 ? name.replace(/\.$/, '') : name;
}

/** Reverse name of an IPv4 address (`10.96.0.10` → `10.0.96.10.in-addr.arpa`), undefined for a non-address. */
export function reverseOf(ip: string): string | undefined {
  return parseIPv4(ip) === undefined ? undefined : `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

export type RecordOf<T extends ResourceRecord['type']> = Extract<ResourceRecord, { type: T }>;

/** The simulated time of `n` queries, in whole milliseconds as dig reports them. */
export function queryMs(n: number): number {
  return Math.max(0, Math.round(n * SIM_TIMING.dnsQueryMs));
}
