// The sentences of the Service and NAT steps: which Service port kube-proxy matched, its endpoints and the one
// taken, and the DNAT/SNAT it applied (or the REJECT/DROP when it had nowhere to send the packet).

import type { ProxyMode } from '../../core/cluster-config.js';
import { describeObject } from '../../core/errors.js';
import type { KubeObject } from '../../core/types.js';
import type { ProxyDecision, ProxyEndpoint, ProxyServicePort, ServiceEntry } from '../../proxy/model.js';
import type { Endpoint, Hop, Protocol, ServiceStep } from '../types.js';
import type { HostPortMapping, NodeInfo } from './cluster-index.js';
import { podName, podObject } from './cluster-index.js';
import type { Pick } from './service-balancer.js';

type Dnat = Extract<ProxyDecision, { verdict: 'dnat' }>;
type Refusal = Extract<ProxyDecision, { verdict: 'reject' | 'drop' }>;

export function serviceObject(p: ProxyServicePort): string {
  return describeObject('Service', p.namespace, p.name);
}

/** `Service prod/web port http (80/TCP)`. */
export function describeServicePort(p: ProxyServicePort): string {
  return `${serviceObject(p)} port ${p.portName || p.port} (${p.port}/${p.protocol.toUpperCase()})`;
}

/** The structured form of a Service decision, for trace and the flow log. */
export function serviceStep(node: NodeInfo, mode: ProxyMode | 'cilium', d: Dnat | Refusal, source: string, to: Endpoint, taken?: ProxyEndpoint): ServiceStep {
  const p = d.servicePort;
  return {
    node: node.name,
    proxyMode: mode,
    namespace: p.namespace,
    name: p.name,
    portName: p.portName,
    servicePortName: p.servicePortName,
    port: p.port,
    protocol: p.protocol.toUpperCase() as Protocol,
    entry: d.entry,
    source,
    destination: { ip: to.ip, port: to.port },
    verdict: d.verdict,
    candidates: d.verdict === 'dnat' ? d.candidates.map((c) => c.endpoint.address) : [],
    ...(taken ? { endpoint: taken.address } : {}),
  };
}

/** How the packet met the Service: `cluster IP 10.96.0.10:53`, `NodePort 30080 on 172.18.0.3`. */
export function describeEntry(entry: ServiceEntry, p: ProxyServicePort, to: Endpoint): string {
  switch (entry) {
    case 'clusterIP':
      return `cluster IP ${to.ip}:${to.port}`;
    case 'nodePort':
      return `NodePort ${p.nodePort} on ${to.ip}`;
    case 'loadBalancerIP':
      return `load-balancer IP ${to.ip}:${to.port}`;
    case 'externalIP':
      return `external IP ${to.ip}:${to.port}`;
  }
}

/** `10.244.1.5:8080 (pod prod/web-1)` when a pod has the endpoint's IP. */
export function describeEndpoint(e: ProxyEndpoint, podOfIP: (ip: string) => KubeObject | undefined): string {
  const pod = podOfIP(e.ip);
  return pod ? `${e.address} (${podName(pod)})` : e.address;
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${s}`;
}

/** How the endpoint was taken: affinity, a seeded draw or round-robin, with the affinity the pick now holds. */
export function describePick(d: Dnat, pick: Pick): string {
  const n = d.candidates.length;
  const holds = d.affinityTimeoutSeconds !== undefined ? `; ClientIP affinity now holds the client there for ${d.affinityTimeoutSeconds}s` : '';
  return pick.by === 'affinity'
    ? `ClientIP session affinity keeps this client on it (affinityTimeoutSeconds ${d.affinityTimeoutSeconds})`
    : pick.by === 'random'
      ? `a seeded random draw, the ${ordinal(pick.index + 1)} of ${n}, each with probability 1/${n}${holds}`
      : `round-robin, the ${ordinal(pick.index + 1)} of ${n}${holds}`;
}

/** `(reason; Cluster endpoints): 2 candidates [a, b]; took a (how)`: the part of a Service hop after the match. */
export function describeCandidates(d: Dnat, pick: Pick, podOfIP: (ip: string) => KubeObject | undefined): string {
  const n = d.candidates.length;
  const list = d.candidates.map((c) => describeEndpoint(c.endpoint, podOfIP)).join(', ');
  return `(${d.reason}; ${d.policy} endpoints): ${n} candidate${n === 1 ? '' : 's'} [${list}]; took ${describeEndpoint(pick.candidate.endpoint, podOfIP)} (${describePick(d, pick)})`;
}

/** The Service hop of a DNAT decision: the port, the entry, every candidate, the one taken and why. */
export function serviceHop(node: NodeInfo, mode: ProxyMode, d: Dnat, pick: Pick, to: Endpoint, podOfIP: (ip: string) => KubeObject | undefined): Hop {
  const p = d.servicePort;
  const summary = `kube-proxy (${mode}) on node ${node.name} matches ${describeServicePort(p)} at ${describeEntry(d.entry, p, to)} ${describeCandidates(d, pick, podOfIP)}`;
  const pod = podOfIP(pick.candidate.endpoint.ip);
  return { stage: 'service', at: `node ${node.name}`, summary, objects: [serviceObject(p), ...(pod ? [podObject(pod)] : [])] };
}

/** The Service hop when kube-proxy REJECTs or DROPs: no usable endpoint, or a source outside loadBalancerSourceRanges. */
export function refusalHop(node: NodeInfo, mode: ProxyMode, d: Refusal, to: Endpoint, sourceRangeDenied: boolean): Hop {
  const p = d.servicePort;
  const action = d.verdict === 'reject' ? 'REJECTs it (ICMP port unreachable: connection refused)' : 'DROPs it (the client waits for its timeout)';
  const why = sourceRangeDenied ? `the source is outside loadBalancerSourceRanges [${p.loadBalancerSourceRanges.join(', ')}]` : d.reason;
  const summary = `kube-proxy (${mode}) on node ${node.name} matches ${describeServicePort(p)} at ${describeEntry(d.entry, p, to)} and ${action}: ${why}`;
  return { stage: 'service', at: `node ${node.name}`, summary, objects: [serviceObject(p)] };
}

/**
 * The NAT hop: DNAT to the endpoint and, when kube-proxy marks the packet for masquerade, SNAT to the node. Real
 * MASQUERADE takes the primary address of the interface the packet leaves by (cni0's gateway address for a pod on the
 * same node, the tunnel device's address over VXLAN or IP-in-IP, eth0's InternalIP otherwise); flatnet always uses
 * the InternalIP so that the receiving program and NetworkPolicy see one stable node address (node traffic).
 */
export function natHop(node: NodeInfo, from: Endpoint, to: Endpoint, target: Endpoint, masqueradedTo: string | undefined, why: string, objects: string[]): Hop {
  const snat = masqueradedTo ? `; masquerade (SNAT): source ${from.ip} becomes node ${node.name}'s ${masqueradedTo} (${why})` : `; source ${from.ip} kept`;
  const nat = { kind: 'service' as const, before: { source: from.ip, destination: { ...to } }, after: { source: masqueradedTo ?? from.ip, destination: { ...target } }, snat: masqueradedTo !== undefined };
  return { stage: 'nat', at: `node ${node.name}`, summary: `DNAT ${to.ip}:${to.port} → ${target.ip}:${target.port}${snat}`, objects, nat };
}

/** Why kube-proxy masquerades, in the words of its rules (kube-proxy.md §2.7). */
export function masqueradeWhy(d: Dnat, sourceIP: string, endpointIP: string): string {
  if (endpointIP === sourceIP) return 'hairpin: the endpoint dials its own Service';
  if (d.entry === 'clusterIP') return 'the source is outside the cluster CIDR';
  return d.reason;
}

/** The NAT hop of a hostPort: the portmap plugin's DNAT, and its SNAT of localhost and hairpin sources. */
export function hostPortHop(node: NodeInfo, from: Endpoint, to: Endpoint, m: HostPortMapping, masqueradedTo: string | undefined): Hop {
  const target = { ip: m.pod.status?.podIP as string, port: m.containerPort };
  const snat = masqueradedTo
    ? `; masquerade (SNAT): source ${from.ip} becomes ${masqueradedTo} (portmap masquerades ${from.ip.startsWith('127.') ? 'localhost' : 'hairpin'} traffic)`
    : `; source ${from.ip} kept`;
  const summary = `hostPort ${to.port} of ${podName(m.pod)} (container ${m.container}): the portmap CNI plugin (CNI-HOSTPORT-DNAT) on node ${node.name} DNATs ${to.ip}:${to.port} → ${target.ip}:${target.port}${snat}`;
  const nat = { kind: 'hostPort' as const, before: { source: from.ip, destination: { ...to } }, after: { source: masqueradedTo ?? from.ip, destination: { ...target } }, snat: masqueradedTo !== undefined };
  return { stage: 'nat', at: `node ${node.name}`, summary, objects: [podObject(m.pod)], nat };
}
