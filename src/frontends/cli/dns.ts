// `flatnet dns NAME`: what a lookup of NAME sends and gets, dig-style: the pod's resolv.conf (with --from), every
// query its C library tries with the answers in zone-file form, and the result. Exit 0 resolved, 1 not, 2 bad input.

import { formatIPv4 } from '../../core/ip.js';
import { ReferenceIndex } from '../../netpol/references.js';
import { resolveResourceType } from '../../core/resources.js';
import type { KubeObject } from '../../core/types.js';
import { buildClusterDns, ClusterDnsEngine } from '../../dns/cluster-dns.js';
import { podResolvConf, ResolvConf } from '../../dns/resolv-conf.js';
import { LOOKUP_TYPES, LookupType, resolve, RESOLVER_LIBRARIES, ResolverLibrary, ResolveResult } from '../../dns/resolver.js';
import type { Answer, ClusterDns } from '../../dns/types.js';
import { formatRecord } from '../../dns/zone-text.js';
import type { CliIO } from './io.js';
import { loadCluster, UsageError } from './load.js';

export interface DnsOptions {
  /** A, AAAA, SRV, PTR, CNAME, TXT or ANY; default: an address lookup (A and AAAA, as getaddrinfo asks). */
  type?: string;
  /** `[NS/]POD` or `[NS/]KIND/NAME` (deploy, sts, ds, rs, pod): resolve as that pod does. */
  from?: string;
  /** glibc (default) or musl. */
  resolver?: string;
  filename: string[];
}

const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'];

function parseType(v: string | undefined): LookupType {
  if (v === undefined) return 'ADDR';
  const t = v.toUpperCase();
  if (t === 'ADDR' || !(LOOKUP_TYPES as readonly string[]).includes(t)) throw new UsageError(`--type "${v}": must be one of ${LOOKUP_TYPES.filter((x) => x !== 'ADDR').join(', ')}`);
  return t as LookupType;
}

function parseLibrary(v: string | undefined): ResolverLibrary {
  if (v === undefined) return 'glibc';
  if (!(RESOLVER_LIBRARIES as readonly string[]).includes(v)) throw new UsageError(`--resolver "${v}": must be one of ${RESOLVER_LIBRARIES.join(', ')}`);
  return v as ResolverLibrary;
}

/**
 * The pod a --from reference names: `ns/pod`, `pod` (in default), or `[ns/]kind/name` for a workload, whose first
 * running pod by name is used (kubectl exec deploy/NAME picks one pod the same way).
 */
export function podForReference(objects: KubeObject[], ref: string): { pod: KubeObject; via?: string } {
  const parts = ref.split('/');
  const kindOf = (s: string) => resolveResourceType(s.toLowerCase())?.kind;
  let ns = 'default';
  let kind = 'Pod';
  let name: string;
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2 && kindOf(parts[0]) && WORKLOAD_KINDS.includes(kindOf(parts[0])!)) [kind, name] = [kindOf(parts[0])!, parts[1]];
  else if (parts.length === 2) [ns, name] = parts;
  else if (parts.length === 3 && kindOf(parts[1]) && WORKLOAD_KINDS.includes(kindOf(parts[1])!)) [ns, kind, name] = [parts[0], kindOf(parts[1])!, parts[2]];
  else throw new UsageError(`--from "${ref}": expected NS/POD, POD or [NS/]KIND/NAME with KIND one of pod, deploy, sts, ds, rs`);
  if (!name) throw new UsageError(`--from "${ref}": the name is empty`);
  const obj = objects.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
  if (!obj) throw new UsageError(`--from "${ref}": ${kind} ${ns}/${name} not found`);
  if (kind === 'Pod') return { pod: obj };
  // A workload's pods are those its ownerReferences chain leads to (the same rule as `can` and `test`), not
  // whatever else its selector happens to match; a running one first, like kubectl exec deploy/NAME.
  const pods = new ReferenceIndex(objects)
    .podsOf(kind, ns, name)
    .sort((a, b) => Number(b.status?.phase === 'Running') - Number(a.status?.phase === 'Running') || (a.metadata.name < b.metadata.name ? -1 : 1));
  if (pods.length === 0) throw new UsageError(`--from "${ref}": ${kind} ${ns}/${name} has no pods`);
  return { pod: pods[0], via: `${resolveResourceType(kind.toLowerCase())?.shortNames[0] ?? kind.toLowerCase()}/${name}` };
}

function flags(a: Answer): string {
  return `qr${a.authoritative ? ' aa' : ''} rd`;
}

/** One query and its answer, dig-style: the question, the header, then each non-empty section in zone-file form. */
function formatExchange(name: string, type: string, a: Answer): string[] {
  const out = [`;; QUESTION: ${name} IN ${type}`, `;; status: ${a.rcode}, flags: ${flags(a)}; ANSWER: ${a.answers.length}, AUTHORITY: ${a.authority.length}, ADDITIONAL: ${a.additional.length}`];
  for (const [title, list] of [['ANSWER', a.answers], ['AUTHORITY', a.authority], ['ADDITIONAL', a.additional]] as const)
    if (list.length > 0) out.push(`;; ${title} SECTION:`, ...list.map(formatRecord));
  return out;
}

/** The report of one resolution: the plan, every try with its queries, and the result. */
export function formatResolution(r: ResolveResult): string {
  const lookup = r.type === 'ADDR' ? `getaddrinfo("${r.name}"), an A and an AAAA query per candidate` : `res_search("${r.name}", ${r.type})`;
  const out = [`;; ${lookup}, ${r.library}`, `;; ${r.plan}`, `;; candidates: ${r.candidates.join(' ')}`];
  r.tries.forEach((t, i) => {
    out.push('', `;; try ${i + 1}: ${t.name} (${t.reason})`);
    t.queries.forEach((q, j) => {
      if (j > 0) out.push('');
      out.push(...formatExchange(q.question.name, q.question.type, q.answer));
    });
  });
  out.push('', `;; RESULT: ${r.summary}`);
  const wanted = r.records.filter((rr) => (r.type === 'ADDR' ? rr.type === 'A' || rr.type === 'AAAA' || rr.type === 'CNAME' : true));
  if (r.resolved) out.push(...wanted.map(formatRecord));
  return `${out.join('\n')}\n`;
}

/** Why a name may not have resolved, when the cause lies outside the cluster DNS's answers. */
function notFoundNote(r: ResolveResult, server: ClusterDns, dns: ClusterDnsEngine): string {
  if (server !== dns)
    return ";; note: this resolv.conf's nameserver is not the cluster DNS: it knows only names outside the cluster (dnsPolicy ClusterFirstWithHostNet gives a host-network pod the cluster DNS)\n";
  const last = r.tries[r.tries.length - 1]?.name.toLowerCase() ?? '';
  if (!dns.upstream && !dns.clusterZone.owns(last) && !last.endsWith('.arpa.'))
    return ';; note: outside the cluster only ClusterConfig spec.dns.externalNames answer; spec.dns.upstream forwards other names\n';
  return '';
}

/** Why a name can never be sent in a DNS query (RFC 1035 §2.3.4 limits), or undefined when it can. */
export function dnsNameProblem(name: string): string | undefined {
  const labels = (name.endsWith('.') ? name.slice(0, -1) : name).split('.');
  if (name !== '.' && labels.some((l) => l === '')) return 'has an empty label';
  if (labels.some((l) => l.length > 63)) return 'has a label longer than 63 characters';
  if (name.length > 253 + (name.endsWith('.') ? 1 : 0)) return 'is longer than 253 characters';
  return undefined;
}

/** Runs `dns`; returns 0 when the name resolved and 1 when it did not. */
export async function runDns(name: string, opts: DnsOptions, io: CliIO): Promise<number> {
  const type = parseType(opts.type);
  const library = parseLibrary(opts.resolver);
  if (name === '' || /\s/.test(name)) throw new UsageError(`NAME "${name}": must be a DNS name or, with --type PTR, an address`);
  const problem = dnsNameProblem(name);
  if (problem) throw new UsageError(`NAME "${name.length > 80 ? `${name.slice(0, 77)}...` : name}": ${problem}`);
  const cluster = await loadCluster(opts.filename, io);
  const dns = buildClusterDns(cluster.objects, cluster.config);
  let conf: ResolvConf;
  let lookupName = name;
  const head: string[] = [];
  if (opts.from !== undefined) {
    const { pod, via } = podForReference(cluster.objects, opts.from);
    const rc = podResolvConf(pod, cluster);
    const policy = rc.effectivePolicy === rc.dnsPolicy ? `dnsPolicy ${rc.dnsPolicy}` : `dnsPolicy ${rc.dnsPolicy} (acting as ${rc.effectivePolicy}: the pod uses the host network)`;
    head.push(`;; from pod ${pod.metadata.namespace}/${pod.metadata.name}${via ? ` (${via})` : ''}, ${policy}`);
    for (const w of rc.warnings) head.push(`;; kubelet warning (DNSConfigForming): ${w}`);
    head.push(';; /etc/resolv.conf:', ...rc.text.trimEnd().split('\n').filter((l) => l !== ''), '');
    conf = rc.conf;
  } else {
    const server = formatIPv4(cluster.config.dnsServiceIP);
    head.push(`;; server ${server} (kube-dns): the name is asked as is, without a search list; --from NS/POD resolves it as that pod does`, '');
    conf = { nameservers: [server], search: [], options: [] };
    if (!(type === 'PTR' && /^[0-9a-fA-F.:]+$/.test(name))) lookupName = name.endsWith('.') ? name : `${name}.`;
  }
  const server = dns.forNameserver(conf.nameservers[0]);
  const result = await resolve(lookupName, type, conf, server, { library });
  io.stdout(`${head.join('\n')}\n${formatResolution(result)}${result.resolved ? '' : notFoundNote(result, server, dns)}`);
  return result.resolved ? 0 : 1;
}
