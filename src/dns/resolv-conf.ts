// A pod's /etc/resolv.conf as the kubelet composes it (kubernetes pkg/kubelet/network/dns/dns.go) and containerd
// writes it, the node's own resolv.conf, and the settings stub resolvers read from such a file.

import type { ClusterConfig } from '../core/cluster-config.js';
import { formatIPv4 } from '../core/ip.js';
import type { KubeObject } from '../core/types.js';

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  /** Options as written, e.g. "ndots:5", "edns0". */
  options: string[];
}

export interface PodResolvConf {
  /** The pod's spec.dnsPolicy (ClusterFirst when unset). */
  dnsPolicy: string;
  /** What the kubelet did: the cluster's DNS, the node's resolv.conf ("Default"), or nothing ("None"). */
  effectivePolicy: 'ClusterFirst' | 'Default' | 'None';
  conf: ResolvConf;
  /** The file's text, as containerd writes it: search, nameserver, options lines. */
  text: string;
  /** The DNSConfigForming warning events the kubelet records when limits cut the configuration. */
  warnings: string[];
}

/** validation.MaxDNSNameservers, MaxDNSSearchPaths and MaxDNSSearchListChars (ExpandedDNSConfig, GA since 1.28). */
const MAX_NAMESERVERS = 3;
const MAX_SEARCH_PATHS = 32;
const MAX_SEARCH_LIST_CHARS = 2048;
const MAX_SEARCH_DOMAIN_CHARS = 253;

/**
 * The nodes' own resolv.conf: a kind node's, where Docker's embedded DNS (with its `ndots:0`) was replaced by the
 * node network's gateway (kind's entrypoint, fix_dns). Pods with dnsPolicy Default get it; it knows nothing of the
 * cluster zone.
 */
export function nodeResolvConf(config: Pick<ClusterConfig, 'nodeCIDR'>): ResolvConf {
  return { nameservers: [formatIPv4(config.nodeCIDR.base + 1)], search: [], options: ['ndots:0'] };
}

/** omitDuplicates: first occurrence kept, order kept. */
function omitDuplicates(list: string[]): string[] {
  return [...new Set(list)];
}

/**
 * mergeDNSOptions: dnsConfig options replace existing ones of the same name. The kubelet goes through a Go map, so
 * its order is random; flatnet keeps first-seen order to stay deterministic.
 */
function mergeOptions(existing: string[], extra: { name?: string; value?: string }[]): string[] {
  const m = new Map<string, string>();
  for (const op of existing) {
    const i = op.indexOf(':');
    if (i >= 0) m.set(op.slice(0, i), op.slice(i + 1));
    else m.set(op, '');
  }
  for (const op of extra) if (op?.name) m.set(op.name, op.value ?? '');
  return [...m].map(([k, v]) => (v === '' ? k : `${k}:${v}`));
}

/** formDNSSearchFitsLimits: at most 32 paths, none over 253 characters, the line at most 2048 characters. */
function fitSearch(search: string[], warnings: string[]): string[] {
  let exceeded = false;
  let out = search;
  if (out.length > MAX_SEARCH_PATHS) {
    out = out.slice(0, MAX_SEARCH_PATHS);
    exceeded = true;
  }
  const kept = out.filter((s) => s.length <= MAX_SEARCH_DOMAIN_CHARS);
  if (kept.length !== out.length) exceeded = true;
  out = kept;
  let len = out.join(' ').length;
  while (len > MAX_SEARCH_LIST_CHARS && out.length > 0) {
    len -= out[out.length - 1].length + 1;
    out = out.slice(0, -1);
    exceeded = true;
  }
  if (exceeded) warnings.push(`Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${out.join(' ')}`);
  return out;
}

/**
 * The resolv.conf the kubelet gives `pod` (GetPodDNS): ClusterFirst → the cluster DNS Service, the search list
 * `<ns>.svc.<zone> svc.<zone> <zone>` plus the node's, `ndots:5`; ClusterFirst on a hostNetwork pod silently acts as
 * Default (the node's file); ClusterFirstWithHostNet → the cluster's even with hostNetwork; None → empty. Then
 * spec.dnsConfig is merged in: nameservers and searches appended without duplicates, options merged by name.
 */
export function podResolvConf(pod: KubeObject, cluster: { config: ClusterConfig }): PodResolvConf {
  const config = cluster.config;
  const spec = pod.spec ?? {};
  const dnsPolicy: string = spec.dnsPolicy ?? 'ClusterFirst';
  const effectivePolicy =
    dnsPolicy === 'None' ? 'None' : dnsPolicy === 'ClusterFirstWithHostNet' || (dnsPolicy === 'ClusterFirst' && spec.hostNetwork !== true) ? 'ClusterFirst' : 'Default';
  const node = nodeResolvConf(config);
  let conf: ResolvConf;
  if (effectivePolicy === 'None') conf = { nameservers: [], search: [], options: [] };
  else if (effectivePolicy === 'Default') conf = { ...node, nameservers: [...node.nameservers], search: [...node.search], options: [...node.options] };
  else {
    const zone = config.clusterDomain;
    const ns = pod.metadata.namespace ?? 'default';
    conf = { nameservers: [formatIPv4(config.dnsServiceIP)], search: omitDuplicates([`${ns}.svc.${zone}`, `svc.${zone}`, zone, ...node.search]), options: ['ndots:5'] };
  }
  const dc = spec.dnsConfig;
  if (dc && typeof dc === 'object') {
    conf.nameservers = omitDuplicates([...conf.nameservers, ...((dc.nameservers ?? []) as string[])]);
    conf.search = omitDuplicates([...conf.search, ...((dc.searches ?? []) as string[])]);
    conf.options = mergeOptions(conf.options, (dc.options ?? []) as { name?: string; value?: string }[]);
  }
  const warnings: string[] = [];
  if (conf.nameservers.length > MAX_NAMESERVERS) {
    conf.nameservers = conf.nameservers.slice(0, MAX_NAMESERVERS);
    warnings.push(`Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${conf.nameservers.join(' ')}`);
  }
  conf.search = fitSearch(conf.search, warnings);
  return { dnsPolicy, effectivePolicy, conf, text: formatResolvConf(conf), warnings };
}

/** resolv.conf text as containerd writes it for a sandbox: search, then nameserver lines, then options. */
export function formatResolvConf(conf: ResolvConf): string {
  let out = '';
  if (conf.search.length > 0) out += `search ${conf.search.join(' ')}\n`;
  for (const ns of conf.nameservers) out += `nameserver ${ns}\n`;
  if (conf.options.length > 0) out += `options ${conf.options.join(' ')}\n`;
  return out;
}

/** Reads resolv.conf text: `nameserver`, `search` (or `domain`; the last one wins), `options`; # and ; comments. */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const f = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (f[0] === 'nameserver' && f[1]) conf.nameservers.push(f[1]);
    else if (f[0] === 'search' || f[0] === 'domain') conf.search = f.slice(1).filter((s) => s !== '');
    else if (f[0] === 'options') conf.options.push(...f.slice(1).filter((s) => s !== ''));
  }
  return conf;
}

/** What a stub resolver takes from the file: ndots (default 1, capped at 15, the last one wins), search, server. */
export function resolverSettings(conf: ResolvConf): { ndots: number; search: string[]; nameserver: string | undefined } {
  let ndots = 1;
  for (const o of conf.options) {
    const m = /^ndots:(\d+)$/.exec(o);
    if (m) ndots = Math.min(Number(m[1]), 15);
  }
  return { ndots, search: conf.search.map((s) => s.replace(/\.$/, '')), nameserver: conf.nameservers[0] };
}
