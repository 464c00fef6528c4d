// ping as iputils and busybox print it, with what answers an ICMP echo in a cluster: pods and nodes do (unless a
// NetworkPolicy isolates the pod with no all-protocol rule, as Calico and Cilium enforce it), Service ClusterIPs do
// only under IPVS (bound to kube-ipvs0; kube-proxy.md §4) and never under iptables or nftables (no interface has them).

import { kubeProxyReplaced } from '../core/cluster-config.js';
import { cniLayout } from '../dataplane/sim/layout/cni-layouts.js';
import { ClusterIndex } from '../dataplane/sim/cluster-index.js';
import { policyEngineFor } from '../netpol/engine.js';
import type { DirectionVerdict, Endpoint } from '../netpol/types.js';
import { fail, lookupHost, SIM_TIMING, type ToolContext, type ToolResult } from './tool-context.js';
import { reverseOf } from './dns-client.js';
import { resolverSettings } from '../dns/resolv-conf.js';

/** What one echo request gets. */
type Echo = { kind: 'reply'; ttl: number; rttMs: number } | { kind: 'lost'; why: string } | { kind: 'unreachable'; from: string; why: string };

/**
 * ICMP under NetworkPolicy: the API leaves other protocols undefined (networkpolicy.md). flatnet follows Calico and
 * Cilium: once a direction is isolated, ICMP passes only through a rule without `ports` (one that allows every
 * protocol) whose peers match. Asked as a TCP flow to a port no rule names, the rule that allows it has no ports.
 */
function icmpAllowed(ctx: ToolContext, from: Endpoint, to: Endpoint): { allowed: boolean; why: string } {
  const v = policyEngineFor({ objects: ctx.objects, config: ctx.config }).evaluate({ from, to, port: 65535, protocol: 'TCP' });
  const side = (d: DirectionVerdict) => !d.subject || d.isolatingPolicies.length === 0 || d.allowedBy.some((r) => r.port === undefined);
  if (!side(v.egress)) return { allowed: false, why: `ICMP dropped: ${v.egress.reason.replace(/ on 65535\/TCP/, '')} (no rule without ports allows it)` };
  if (!side(v.ingress)) return { allowed: false, why: `ICMP dropped: ${v.ingress.reason.replace(/ on 65535\/TCP/, '')} (no rule without ports allows it)` };
  return { allowed: true, why: '' };
}

function echo(ctx: ToolContext, ip: string): Echo {
  if (ip === ctx.ip || /^127\./.test(ip)) return { kind: 'reply', ttl: 64, rttMs: SIM_TIMING.loopbackRttMs };
  const index = new ClusterIndex(ctx.objects, ctx.config);
  const owner = index.owner(ip);
  const me: Endpoint = ctx.where.kind === 'pod' && ctx.where.pod.spec?.hostNetwork !== true ? { kind: 'pod', namespace: ctx.where.pod.metadata.namespace ?? 'default', name: ctx.where.pod.metadata.name } : { kind: 'ip', ip: ctx.ip };
  const fromPod = me.kind === 'pod';
  switch (owner.kind) {
    case 'pod': {
      const dst = owner.pod;
      const p = icmpAllowed(ctx, me, { kind: 'pod', namespace: dst.metadata.namespace ?? 'default', name: dst.metadata.name });
      if (!p.allowed) return { kind: 'lost', why: p.why };
      const sameNode = dst.spec?.nodeName === ctx.node;
      // Each forwarding node decrements the TTL; on one bridge (same node, bridge CNIs) nothing routes.
      const bridged = cniLayout(ctx.config.cni).attachment.kind === 'bridge';
      const routers = sameNode ? (fromPod && !bridged ? 1 : 0) : fromPod ? 2 : 1;
      return { kind: 'reply', ttl: 64 - routers, rttMs: sameNode ? SIM_TIMING.sameNodeRttMs : SIM_TIMING.otherNodeRttMs };
    }
    case 'node': {
      const same = owner.node.name === ctx.node;
      return { kind: 'reply', ttl: same || !fromPod ? 64 : 63, rttMs: same ? SIM_TIMING.sameNodeRttMs : SIM_TIMING.otherNodeRttMs };
    }
    case 'loopback':
      return { kind: 'reply', ttl: 64, rttMs: SIM_TIMING.loopbackRttMs };
    case 'clusterIP':
    case 'loadBalancerIP':
    case 'externalIP':
      // Cilium's socket-LB translates TCP and UDP sockets only; no interface holds the address to answer an echo.
      if (kubeProxyReplaced(ctx.config)) return { kind: 'lost', why: `${ip} is a Service address: Cilium's kube-proxy replacement keeps it only in BPF service maps for its TCP and UDP ports, and no interface answers ICMP` };
      if (ctx.config.proxyMode === 'ipvs') return { kind: 'reply', ttl: 64, rttMs: SIM_TIMING.sameNodeRttMs };
      return { kind: 'lost', why: `${ip} is a Service address: under kube-proxy ${ctx.config.proxyMode} mode it exists only in NAT rules for its ports, no interface answers ICMP (IPVS mode binds it to kube-ipvs0 and would answer)` };
    case 'service-network':
      return { kind: 'lost', why: `no Service has ${ip}; nothing answers` };
    case 'pod-network': {
      const node = owner.node ?? index.node(ctx.node);
      return { kind: 'unreachable', from: node?.ip ?? ctx.ip, why: `no pod has ${ip}: ARP for it gets no answer` };
    }
    default:
      return { kind: 'lost', why: `${ip} is outside the cluster; flatnet simulates nothing beyond it` };
  }
}

interface PingOptions {
  count?: number;
  numeric: boolean;
  quiet: boolean;
  target?: string;
}

function parsePing(argv: string[], busybox: boolean): PingOptions | ToolResult {
  const o: PingOptions = { numeric: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^-([cWwis])(.*)$/.exec(a);
    if (m) {
      const v = m[2] || argv[++i];
      if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) return fail(busybox ? 1 : 2, busybox ? `ping: invalid number '${v ?? ''}'\n` : `ping: invalid argument: '${v ?? ''}'\n`);
      if (m[1] === 'c') o.count = Number(v);
      if (m[1] === 'w') o.count ??= Math.max(1, Math.floor(Number(v)));
    } else if (a === '-n') o.numeric = true;
    else if (a === '-q') o.quiet = true;
    else if (a === '-4') continue;
    else if (a.startsWith('-')) return fail(2, `flatnet: ping option ${a} is not emulated\n`);
    else o.target = a;
  }
  if (!o.target) return fail(busybox ? 1 : 2, busybox ? 'BusyBox v1.36.1 multi-call binary.\n\nUsage: ping [OPTIONS] HOST\n' : 'ping: usage error: Destination address required\n');
  return o;
}

const f3 = (n: number) => n.toFixed(3);

/** Runs `ping [-c N] [-W s] [-w s] [-n] [-q] HOST`. Never sleeps: the replies' times are the simulated ones. */
export async function runPing(ctx: ToolContext, argv: string[]): Promise<ToolResult> {
  const busybox = ctx.toolbox.ping === 'busybox';
  const o = parsePing(argv, busybox);
  if ('exitCode' in o) return o;
  const notes: string[] = [];
  const count = o.count ?? 4;
  if (o.count === undefined) notes.push('ping without -c runs until interrupted; flatnet stopped it after 4 packets, as Ctrl-C would');
  const target = o.target!;
  const lookup = await lookupHost(ctx, target);
  if (!lookup.ok) return busybox ? fail(1, `ping: bad address '${target}'\n`) : fail(2, `ping: ${target}: ${ctx.toolbox.libc === 'musl' ? 'Name does not resolve' : lookup.error === 'TIMEOUT' ? 'Temporary failure in name resolution' : 'Name or service not known'}\n`);
  const ip = lookup.addresses[0];
  const e = echo(ctx, ip);
  if (e.kind !== 'reply') notes.push(e.why);
  // iputils shows the reverse name of a reply when the target was given as a name (and -n is off).
  let from = ip;
  if (!busybox && !o.numeric && lookup.via === 'dns') {
    const ns = resolverSettings(ctx.resolvConf).nameserver;
    const ptr = await (ctx.dns.forNameserver ? ctx.dns.forNameserver(ns) : ctx.dns).answer({ name: `${reverseOf(ip)}.`, type: 'PTR' });
    const name = ptr.answers.find((r) => r.type === 'PTR')?.data as string | undefined;
    if (name) from = `${name.replace(/\.$/, '')} (${ip})`;
  }
  const shown = busybox ? target : lookup.canonical;
  let out = busybox ? `PING ${shown} (${ip}): 56 data bytes\n` : `PING ${shown} (${ip}) 56(84) bytes of data.\n`;
  const rtts: number[] = [];
  let errors = 0;
  for (let seq = 1; seq <= count; seq++) {
    if (e.kind === 'reply') {
      // A deterministic spread around the round trip, as consecutive pings show.
      const rtt = e.rttMs * (1 + ((seq * 37) % 11) / 40);
      rtts.push(rtt);
      if (!o.quiet) out += busybox ? `64 bytes from ${ip}: seq=${seq - 1} ttl=${e.ttl} time=${f3(rtt)} ms\n` : `64 bytes from ${from}: icmp_seq=${seq} ttl=${e.ttl} time=${rtt < 1 ? f3(rtt) : rtt.toFixed(2)} ms\n`;
    } else if (e.kind === 'unreachable' && !busybox) {
      errors++;
      if (!o.quiet) out += `From ${e.from} icmp_seq=${seq} Destination Host Unreachable\n`;
    }
  }
  const received = rtts.length;
  const loss = Math.round(((count - received) * 100) / count);
  const min = Math.min(...rtts);
  const max = Math.max(...rtts);
  const avg = rtts.reduce((a, b) => a + b, 0) / (received || 1);
  const mdev = Math.sqrt(rtts.reduce((a, b) => a + (b - avg) ** 2, 0) / (received || 1));
  if (busybox) {
    out += `\n--- ${target} ping statistics ---\n${count} packets transmitted, ${received} packets received, ${loss}% packet loss\n`;
    if (received) out += `round-trip min/avg/max = ${f3(min)}/${f3(avg)}/${f3(max)} ms\n`;
  } else {
    // iputils: `time` is the span from the first to the last send, one interval (1 s) apart, plus the last reply.
    const time = Math.round((count - 1) * 1000 + (received ? max : 0));
    out += `\n--- ${shown} ping statistics ---\n${count} packets transmitted, ${received} received,${errors ? ` +${errors} errors,` : ''} ${loss}% packet loss, time ${time}ms\n`;
    if (received) out += `rtt min/avg/max/mdev = ${f3(min)}/${f3(avg)}/${f3(max)}/${f3(mdev)} ms\n`;
  }
  return { stdout: out, stderr: '', exitCode: received > 0 ? 0 : 1, notes };
}
