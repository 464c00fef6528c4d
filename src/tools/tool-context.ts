// What an emulated tool sees when it runs: where (a pod's or a node's network namespace), the cluster's data plane and
// DNS, the files the kubelet wrote, the environment; plus the two network calls every tool makes — getaddrinfo and
// a TCP connect — and the simulated clock their timings come from.

import type { Clock } from '../core/clock.js';
import type { ClusterConfig } from '../core/cluster-config.js';
import { parseIPv4 } from '../core/ip.js';
import type { KubeObject } from '../core/types.js';
import type { ConnectionSource, ConnectOutcome, DataPlane, Protocol } from '../dataplane/types.js';
import type { NetnsView } from '../dataplane/sim/layout/network-namespace.js';
import { resolve, type ResolveResult } from '../dns/resolver.js';
import { resolverSettings, type ResolvConf } from '../dns/resolv-conf.js';
import type { ClusterDns } from '../dns/types.js';
import type { Toolbox } from './toolbox.js';

/** Where a command runs: inside a pod's container (its pod's network namespace) or in a node's root namespace. */
export type ExecWhere = { kind: 'pod'; pod: KubeObject; container: string } | { kind: 'node'; node: string };

/** The cluster DNS as tools need it: answers, and (ClusterDnsEngine) which server a resolv.conf nameserver stands for. */
export type ToolDns = ClusterDns & { forNameserver?(ip: string | undefined): ClusterDns; serverIPs?: ReadonlySet<string> };

/** Everything a tool reads. Built by execInPod (src/tools/exec.ts) or, for a node, by the node exec front end. */
export interface ToolContext {
  where: ExecWhere;
  toolbox: Toolbox;
  objects: KubeObject[];
  config: ClusterConfig;
  dataPlane: DataPlane;
  dns: ToolDns;
  /** The network namespace for `ip`; undefined when the caller has no layout. */
  netns?: NetnsView;
  clock: Clock;
  /** The process environment, in the order `env` prints it. */
  env: [string, string][];
  resolvConf: ResolvConf;
  /** /etc/hosts as the kubelet wrote it. */
  hostsFile: string;
  hostname: string;
  /** The address packets from here leave with (the pod IP; the node IP for a node or hostNetwork pod). */
  ip: string;
  /** The node the namespace is on. */
  node: string;
  /** Standard input (from a pipe in `sh -c`), empty when none. */
  stdin: string;
}

/** How a tool ended: what it wrote and its exit status. */
export interface ToolResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** What the simulation did differently from a real run (a wait it skipped, a file it did not write), and why. */
  notes?: string[];
}

export const ok = (stdout = '', stderr = ''): ToolResult => ({ stdout, stderr, exitCode: 0 });
export const fail = (exitCode: number, stderr: string, stdout = ''): ToolResult => ({ stdout, stderr, exitCode });

/**
 * Simulated durations, in milliseconds. No tool sleeps: a timeout is reported at the instant it would have happened,
 * and these figures make elapsed times deterministic. Round trips are in line with a kind cluster on one machine.
 */
export const SIM_TIMING = {
  /** One DNS round trip to CoreDNS (A and AAAA go out together, so one per candidate name). */
  dnsQueryMs: 1,
  /** TCP handshake round trips. */
  loopbackRttMs: 0.04,
  sameNodeRttMs: 0.09,
  otherNodeRttMs: 0.45,
  /** A failure (RST, ICMP unreachable) comes back after about one round trip. */
  failureMs: 1,
  /**
   * Linux gives up on an unanswered SYN after net.ipv4.tcp_syn_retries (6) retransmissions with exponential backoff
   * from a 1 s initial RTO: 1+2+4+8+16+32+64 = 127 s (tcp(7), "tcp_syn_retries").
   */
  kernelConnectTimeoutMs: 127_000,
  /** glibc resolv.conf(5) defaults: timeout:5 attempts:2; musl retries within one 5 s timeout. */
  resolverTimeoutMs: 5_000,
  resolverAttempts: 2,
};

/** The connection source the data plane expects for this context. */
export function connectionSource(ctx: ToolContext): ConnectionSource {
  return ctx.where.kind === 'pod' ? { kind: 'pod', namespace: ctx.where.pod.metadata.namespace ?? 'default', name: ctx.where.pod.metadata.name } : { kind: 'node', name: ctx.where.node };
}

/** Opens a connection from here through the data plane. */
export function connect(ctx: ToolContext, ip: string, port: number, protocol: Protocol = 'TCP'): ConnectOutcome {
  return ctx.dataPlane.connect({ from: connectionSource(ctx), to: { ip, port }, protocol });
}

/** The handshake time of a connection attempt: loopback, same node or across nodes (failures: one round trip). */
export function connectMs(ctx: ToolContext, ip: string, out: ConnectOutcome): number {
  if (/^127\./.test(ip) || ip === ctx.ip) return SIM_TIMING.loopbackRttMs;
  if (out.kind !== 'connected') return SIM_TIMING.failureMs;
  return out.delivered.node === ctx.node ? SIM_TIMING.sameNodeRttMs : SIM_TIMING.otherNodeRttMs;
}

/** The outcome of getaddrinfo(name). */
export type HostLookup =
  | { ok: true; addresses: string[]; canonical: string; ms: number; via: 'literal' | 'hosts' | 'dns'; resolution?: ResolveResult }
  | { ok: false; error: 'NXDOMAIN' | 'NODATA' | 'SERVFAIL' | 'TIMEOUT'; ms: number; resolution?: ResolveResult; detail: string };

/** Addresses for `name` in /etc/hosts (files come first: nsswitch `hosts: files dns`; musl reads it first too). */
export function hostsLookup(hostsFile: string, name: string): { addresses: string[]; canonical: string } | undefined {
  const want = name.toLowerCase().replace(/\.$/, '');
  const addresses: string[] = [];
  let canonical: string | undefined;
  for (const raw of hostsFile.split('\n')) {
    const f = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (f.length < 2 || parseIPv4(f[0]) === undefined) continue;
    if (f.slice(1).some((n) => n.toLowerCase() === want)) {
      addresses.push(f[0]);
      canonical ??= f[1];
    }
  }
  return canonical ? { addresses, canonical } : undefined;
}

/** Whether the pod's nameserver answers at all: kube-dns must be reachable on UDP 53 (NetworkPolicy egress may say no). */
export function nameserverReachable(ctx: ToolContext, ns: string | undefined): { reachable: boolean; why?: string } {
  if (ns === undefined) return { reachable: false, why: 'resolv.conf has no nameserver' };
  if (!ctx.dns.serverIPs?.has(ns)) return { reachable: true };
  const out = connect(ctx, ns, 53, 'UDP');
  return out.kind === 'connected' ? { reachable: true } : { reachable: false, why: out.message };
}

/** The DNS server a nameserver address stands for. */
export function serverFor(ctx: ToolContext, ns: string | undefined): ClusterDns {
  return ctx.dns.forNameserver ? ctx.dns.forNameserver(ns) : ctx.dns;
}

/** How long a resolver waits before giving up on every candidate when no server answers. */
export function resolverGiveUpMs(ctx: ToolContext, candidates: number): number {
  const perTry = ctx.toolbox.libc === 'glibc' ? SIM_TIMING.resolverTimeoutMs * SIM_TIMING.resolverAttempts : SIM_TIMING.resolverTimeoutMs;
  return Math.max(1, candidates) * perTry;
}

/**
 * getaddrinfo(name, AF_INET) as the container's C library runs it: an address literal as is, then /etc/hosts, then
 * DNS through resolv.conf (search list, ndots, glibc or musl rules) against the cluster DNS. IPv4 only: flatnet's
 * clusters are single-stack, so AAAA answers are never used.
 */
export async function lookupHost(ctx: ToolContext, name: string): Promise<HostLookup> {
  if (parseIPv4(name) !== undefined) return { ok: true, addresses: [name], canonical: name, ms: 0, via: 'literal' };
  if (name.toLowerCase() === 'localhost') return { ok: true, addresses: ['127.0.0.1'], canonical: 'localhost', ms: 0, via: 'hosts' };
  const h = hostsLookup(ctx.hostsFile, name);
  if (h) return { ok: true, ...h, ms: 0, via: 'hosts' };
  const ns = resolverSettings(ctx.resolvConf).nameserver;
  const reach = nameserverReachable(ctx, ns);
  const result = await resolve(name, 'ADDR', ctx.resolvConf, serverFor(ctx, ns), { library: ctx.toolbox.libc });
  if (!reach.reachable) return { ok: false, error: 'TIMEOUT', ms: resolverGiveUpMs(ctx, result.candidates.length), detail: reach.why ?? '' };
  const ms = result.tries.length * SIM_TIMING.dnsQueryMs;
  const a = result.records.filter((r) => r.type === 'A') as { name: string; data: string }[];
  if (result.resolved && a.length > 0) return { ok: true, addresses: a.map((r) => r.data), canonical: a[0].name.replace(/\.$/, ''), ms, via: 'dns', resolution: result };
  const error = result.status === 'NOERROR' || result.status === 'NODATA' ? 'NODATA' : result.status === 'NXDOMAIN' ? 'NXDOMAIN' : result.status === 'SERVFAIL' ? 'SERVFAIL' : 'NXDOMAIN';
  return { ok: false, error, ms, resolution: result, detail: result.summary };
}

/** Splits `host:port` / `[v6]:port`; port undefined when absent. */
export function splitHostPort(s: string): { host: string; port?: string } {
  const v6 = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
  if (v6) return { host: v6[1], ...(v6[2] !== undefined ? { port: v6[2] } : {}) };
  const i = s.lastIndexOf(':');
  if (i < 0 || s.indexOf(':') !== i) return { host: s };
  return { host: s.slice(0, i), port: s.slice(i + 1) };
}
