// The sentences of the Service and NAT steps when Cilium's eBPF load balancer handles a Service instead of kube-proxy:
// which hook translated the connection (socket-LB, the BPF NodePort path on the node's eth0, the per-packet path on a
// pod's lxc device), the frontend found in cilium_lb4_services_v2, the backend taken, and the NAT that did or did not
// happen. No iptables chain is involved in any of them.

import type { KubeObject } from '../../core/types.js';
import { ciliumHookName, REVERSE_SK_MAP, SERVICE_LOOPBACK_ADDRESS, SERVICES_MAP, type CiliumHook } from '../../proxy/backends/cilium/index.js';
import type { ProxyDecision } from '../../proxy/model.js';
import type { Endpoint, Hop } from '../types.js';
import { podName, podObject, type HostPortMapping, type NodeInfo } from './cluster-index.js';
import type { Pick } from './service-balancer.js';
import { describeCandidates, describeEntry, describeServicePort, serviceObject } from './service-hops.js';

type Dnat = Extract<ProxyDecision, { verdict: 'dnat' }>;
type Refusal = Extract<ProxyDecision, { verdict: 'reject' | 'drop' }>;

/** What met the frontend: `connect() to`, `a packet arriving on eth0 for`, `a packet from pod x's lxc device to`. */
function hookPlace(hook: CiliumHook, sourcePod: KubeObject | undefined): string {
  if (hook === 'socket') return 'connect() to';
  if (hook === 'device') return 'a packet arriving on eth0 for';
  return `a packet from ${sourcePod ? `${podName(sourcePod)}'s` : "the pod's"} lxc device to`;
}

/** Why the per-packet path acts at all: kube-proxy runs, but a pod's cluster-IP packets never reach its rules. */
const LXC_NOTE = "kube-proxy's rules never see the packet (kubeProxyReplacement false: Cilium still balances pods' cluster-IP connections)";

/** The Service hop of a Cilium DNAT decision: the hook, the frontend, every backend, the one taken and why. */
export function ciliumServiceHop(node: NodeInfo, hook: CiliumHook, d: Dnat, pick: Pick, to: Endpoint, sourcePod: KubeObject | undefined, podOfIP: (ip: string) => KubeObject | undefined): Hop {
  const p = d.servicePort;
  const note = hook === 'lxc' ? `; ${LXC_NOTE}` : '';
  const summary = `${ciliumHookName(hook)} on node ${node.name}: ${hookPlace(hook, sourcePod)} ${describeEntry(d.entry, p, to)} finds ${describeServicePort(p)} in ${SERVICES_MAP} ${describeCandidates(d, pick, podOfIP)}${note}`;
  const pod = podOfIP(pick.candidate.endpoint.ip);
  return { stage: 'service', at: `node ${node.name}`, summary, objects: [serviceObject(p), ...(pod ? [podObject(pod)] : [])] };
}

/** The Service hop when Cilium has no backend to give: connect() fails (socket-LB) or the packet is dropped. */
export function ciliumRefusalHop(node: NodeInfo, hook: CiliumHook, d: Refusal, to: Endpoint, sourceRangeDenied: boolean, sourcePod: KubeObject | undefined): Hop {
  const p = d.servicePort;
  const action =
    d.verdict === 'reject'
      ? 'fails connect() with EHOSTUNREACH (No route to host) before any packet is sent'
      : 'DROPs the packet (the client waits for its timeout)';
  const why = sourceRangeDenied ? `the source is outside loadBalancerSourceRanges [${p.loadBalancerSourceRanges.join(', ')}]` : d.reason;
  const summary = `${ciliumHookName(hook)} on node ${node.name}: ${hookPlace(hook, sourcePod)} ${describeEntry(d.entry, p, to)} finds ${describeServicePort(p)} in ${SERVICES_MAP} and ${action}: ${why}`;
  return { stage: 'service', at: `node ${node.name}`, summary, objects: [serviceObject(p)] };
}

/**
 * The NAT step of a Cilium translation. socket-LB rewrites the socket's destination: no packet is DNATed and nothing
 * is SNATed. The BPF NodePort path DNATs the packet on eth0 and, in SNAT mode, rewrites the source to the node for a
 * backend on another node. The per-packet lxc path DNATs, and a pod reaching itself leaves with the service loopback
 * address.
 */
export function ciliumNatHop(node: NodeInfo, hook: CiliumHook, from: Endpoint, to: Endpoint, target: Endpoint, sourceAfter: string | undefined, d: Dnat, sourcePod: KubeObject | undefined): Hop {
  const objects = [serviceObject(d.servicePort)];
  // socket-LB rewrites the destination before the kernel picks a source, so there is no "before" source to rewrite:
  // a connection from the node's namespace to 127.0.0.1:<nodePort> leaves from the address that routes to the backend.
  const socket = hook === 'socket';
  const source = sourceAfter ?? from.ip;
  const snat = !socket && source !== from.ip;
  const natStep = { kind: 'service' as const, datapath: socket ? ('socket-lb' as const) : ('ebpf' as const), before: { source: socket ? source : from.ip, destination: { ...to } }, after: { source, destination: { ...target } }, snat };
  let summary: string;
  if (socket)
    summary = `socket-LB rewrites connect()'s destination ${to.ip}:${to.port} → ${target.ip}:${target.port}: the socket talks to the backend, so no packet is DNATed and nothing is SNATed (source ${source}); ${REVERSE_SK_MAP} keeps the service address for getpeername() and recvmsg()`;
  else if (hook === 'device') {
    const source = snat
      ? `; SNAT: source ${from.ip} becomes node ${node.name}'s ${sourceAfter} (the backend is on another node: SNAT mode, Cilium's default; DSR is not modelled)`
      : `; source ${from.ip} kept (${d.policy === 'Local' ? 'externalTrafficPolicy Local' : 'the backend is on this node'})`;
    summary = `the BPF program on node ${node.name}'s eth0 DNATs ${to.ip}:${to.port} → ${target.ip}:${target.port}${source}`;
  } else {
    const source = snat ? `; source ${from.ip} becomes ${SERVICE_LOOPBACK_ADDRESS} (hairpin: the pod reaches itself, so Cilium uses its service loopback address)` : `; source ${from.ip} kept`;
    summary = `the BPF program on ${sourcePod ? `${podName(sourcePod)}'s` : "the pod's"} lxc device DNATs ${to.ip}:${to.port} → ${target.ip}:${target.port}${source}`;
  }
  return { stage: 'nat', at: `node ${node.name}`, summary, objects, nat: natStep };
}

/**
 * A hostPort under Cilium's kube-proxy replacement: a HostPort frontend in cilium_lb4_services_v2 instead of the
 * portmap plugin's iptables DNAT (kubeproxy-free.rst, Container HostPort Support). socket-LB translates connections
 * made on the node to one of its own addresses or, from the node's namespace, 127.0.0.1; the BPF program on eth0
 * translates packets from elsewhere. The backend is always on this node, so nothing is SNATed.
 */
export function ciliumHostPortHop(node: NodeInfo, hook: 'socket' | 'device', from: Endpoint, to: Endpoint, m: HostPortMapping, sourceAfter: string): Hop {
  const target = { ip: m.pod.status?.podIP as string, port: m.containerPort };
  const how = hook === 'socket' ? `socket-LB rewrites connect()'s destination ${to.ip}:${to.port} → ${target.ip}:${target.port} (no packet NAT)` : `the BPF program on eth0 DNATs ${to.ip}:${to.port} → ${target.ip}:${target.port}`;
  const summary = `hostPort ${to.port} of ${podName(m.pod)} (container ${m.container}): ${ciliumHookName(hook)} on node ${node.name} finds the HostPort frontend in ${SERVICES_MAP}; ${how}; source ${sourceAfter} kept (the backend is on this node)`;
  const nat = { kind: 'hostPort' as const, datapath: hook === 'socket' ? ('socket-lb' as const) : ('ebpf' as const), before: { source: hook === 'socket' ? sourceAfter : from.ip, destination: { ...to } }, after: { source: sourceAfter, destination: { ...target } }, snat: false };
  return { stage: 'nat', at: `node ${node.name}`, summary, objects: [podObject(m.pod)], nat };
}
