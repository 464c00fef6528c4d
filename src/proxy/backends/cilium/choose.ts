// Where Cilium's eBPF load balancer sends a new Service connection, from the proxy model's per-node categorisation
// (the same endpoint sets kube-proxy's `choose` uses): socket-LB for connections made on a node, the BPF NodePort
// path for packets from outside, the per-packet path on a pod's lxc device when kube-proxy is not replaced.
// Upstream: Cilium's kubeproxy-free guide (network/kubernetes/kubeproxy-free.rst), bpf/bpf_sock.c, bpf/lib/nodeport.h.

import { isLoopbackIPv4 } from '../../../core/ip.js';
import { chooseFor, type ChooseContext } from '../../choose.js';
import type { NodeServicePort, ProxyCandidate, ProxyDecision, ProxyEndpoint, ProxyFlow, ProxyServicePort, ServiceEntry } from '../../types.js';
import type { CiliumHook } from './maps.js';

/** What the decision needs besides the kube-proxy view of the node. */
export interface CiliumChooseContext extends ChooseContext {
  /** The node the decision is made on. */
  nodeName: string;
  /**
   * Whether an address is any node's (ipcache identity host or remote-node): socket-LB's NodePort lookup falls back
   * to the wildcard `0.0.0.0:<nodePort>` entry for them (bpf_sock.c sock4_wildcard_lookup, include_remote_hosts).
   */
  isNodeAddress(ip: string): boolean;
}

/**
 * A Cilium decision: kube-proxy's decision shape, plus where it was taken; a `none` for a cluster IP dialled from
 * outside the cluster names the Service port it did not serve.
 */
export type CiliumDecision = (ProxyDecision | { verdict: 'none'; reason: string; unservedClusterIP: ProxyServicePort }) & { hook: CiliumHook };

/**
 * Cilium's hairpin source for the per-packet path: a pod reaching itself through a Service leaves with this address
 * (`--ipv4-service-loopback-address`, default 169.254.42.1), so that the reply is not short-circuited inside the pod.
 */
export const SERVICE_LOOPBACK_ADDRESS = '169.254.42.1';


function candidates(endpoints: ProxyEndpoint[], masquerade: (e: ProxyEndpoint) => boolean): ProxyCandidate[] {
  return endpoints.map((endpoint) => ({ endpoint, probability: 1 / endpoints.length, masquerade: masquerade(endpoint) }));
}

function dnat(hook: CiliumHook, sp: NodeServicePort, entry: ServiceEntry, policy: 'Cluster' | 'Local', endpoints: ProxyEndpoint[], masquerade: (e: ProxyEndpoint) => boolean, reason: string): CiliumDecision {
  const t = sp.port.affinityTimeoutSeconds;
  return { hook, verdict: 'dnat', entry, servicePort: sp.port, policy, candidates: candidates(endpoints, masquerade), ...(t !== undefined ? { affinityTimeoutSeconds: t } : {}), reason };
}

/**
 * socket-LB (bpf_sock.c `__sock4_xlate_fwd`): connect() or sendmsg() to a Service frontend is rewritten to a backend
 * before any packet exists, in a pod's namespace as in the node's own (`hostNamespace`). Frontends: cluster IPs,
 * external and load-balancer IPs, and NodePorts on any node's address (on 127.0.0.0/8 from the node's namespace
 * only). There is no SNAT: the socket simply talks to the backend. From inside the cluster externalTrafficPolicy
 * does not narrow the backends and loadBalancerSourceRanges are ignored (kubeproxy-free.rst); internalTrafficPolicy
 * Local keeps cluster-IP connections on the node. A frontend without backends fails connect() with EHOSTUNREACH.
 * Not modelled: bpf_sock.c's sock4_skip_xlate leaves an external IP that is not the node's own to the per-packet
 * path (a CVE-2020-8554 mitigation); flatnet translates it at the socket like the other frontends.
 */
function socketDecision(flow: ProxyFlow, hostNamespace: boolean, ctx: CiliumChooseContext): CiliumDecision {
  const where = `${flow.protocol} ${flow.destinationIP}:${flow.destinationPort}`;
  let hit = ctx.lookup(flow.destinationIP, flow.protocol, flow.destinationPort);
  if (!hit && (ctx.isNodeAddress(flow.destinationIP) || (hostNamespace && isLoopbackIPv4(flow.destinationIP)))) {
    const sp = ctx.lookupNodePort(flow.protocol, flow.destinationPort);
    if (sp) hit = { sp, entry: 'nodePort' };
  }
  if (!hit) return { hook: 'socket', verdict: 'none', reason: `no Service frontend is ${where}: socket-LB leaves the connection as it is` };
  const { sp, entry } = hit;
  const p = sp.port;
  if (!sp.hasEndpoints) return { hook: 'socket', verdict: 'reject', entry, servicePort: p, reason: `${p.servicePortName} has no backends` };
  const none = () => false;
  if (entry === 'clusterIP' && p.internalPolicyLocal) {
    if (sp.localEndpoints.length === 0) return { hook: 'socket', verdict: 'reject', entry, servicePort: p, reason: `internalTrafficPolicy Local: ${p.servicePortName} has no backend on this node` };
    return dnat('socket', sp, entry, 'Local', sp.localEndpoints, none, "internalTrafficPolicy Local: this node's backends");
  }
  const why = entry === 'clusterIP' ? 'cluster IP: all backends' : 'from inside the cluster: all backends, as externalTrafficPolicy and loadBalancerSourceRanges apply to outside clients only';
  return dnat('socket', sp, entry, 'Cluster', sp.clusterEndpoints, none, why);
}

/**
 * The BPF NodePort path (bpf_host on the node's device, lib/nodeport.h): packets from outside the node to a NodePort
 * on one of its addresses, a load-balancer IP or an external IP. Endpoint choice, externalTrafficPolicy and
 * loadBalancerSourceRanges are kube-proxy's (`chooseFor`); what differs: cluster IPs are not served to the outside
 * (`bpf.lbExternalClusterIP` is false by default), a frontend without backends drops the packet (DROP_NO_SERVICE)
 * instead of rejecting it, and in SNAT mode (`loadBalancer.mode=snat`, the default; DSR is not modelled) the source
 * is rewritten to the node only when the backend is on another node.
 */
function deviceDecision(flow: ProxyFlow, ctx: CiliumChooseContext): CiliumDecision {
  const hit = ctx.lookup(flow.destinationIP, flow.protocol, flow.destinationPort);
  if (hit?.entry === 'clusterIP')
    return {
      hook: 'device',
      verdict: 'none',
      unservedClusterIP: hit.sp.port,
      reason: `${flow.destinationIP} is the cluster IP of ${hit.sp.port.servicePortName}, and Cilium's kube-proxy replacement does not serve cluster IPs to clients outside the cluster (bpf.lbExternalClusterIP is false by default)`,
    };
  const d = chooseFor(flow, ctx);
  if (d.verdict === 'none') return { ...d, hook: 'device' };
  if (d.verdict !== 'dnat') return d.verdict === 'reject' ? { ...d, hook: 'device', verdict: 'drop', reason: `${d.servicePort.servicePortName} has no backends (DROP_NO_SERVICE)` } : { ...d, hook: 'device' };
  const local = (e: ProxyEndpoint) => e.nodeName === ctx.nodeName;
  const reason = d.policy === 'Local' ? "externalTrafficPolicy Local: this node's backends" : 'externalTrafficPolicy Cluster: all backends';
  return { ...d, hook: 'device', candidates: d.candidates.map((c) => ({ ...c, masquerade: d.policy === 'Cluster' && !local(c.endpoint) })), reason };
}

/**
 * The per-packet load balancer on a pod's lxc device (bpf_lxc.c, ENABLE_PER_PACKET_LB), which is what Cilium does
 * for Services when it does not replace kube-proxy: "kubeProxyReplacement=false ... only enables per-packet
 * in-cluster load-balancing of ClusterIP services" (kubeproxy-free.rst). A pod's packets to a cluster IP are DNATed
 * before they reach the node's netfilter, so kube-proxy's rules never see them; everything else is kube-proxy's.
 * A pod reaching itself leaves with the service loopback address as its source.
 */
function lxcDecision(flow: ProxyFlow, ctx: CiliumChooseContext): CiliumDecision {
  const hit = ctx.lookup(flow.destinationIP, flow.protocol, flow.destinationPort);
  if (!hit || hit.entry !== 'clusterIP') return { hook: 'lxc', verdict: 'none', reason: `${flow.destinationIP}:${flow.destinationPort} is not a cluster IP: the per-packet load balancer leaves it to kube-proxy` };
  const { sp } = hit;
  const p = sp.port;
  if (!sp.hasEndpoints) return { hook: 'lxc', verdict: 'drop', entry: 'clusterIP', servicePort: p, reason: `${p.servicePortName} has no backends (DROP_NO_SERVICE)` };
  const hairpin = (e: ProxyEndpoint) => e.ip === flow.sourceIP;
  if (p.internalPolicyLocal) {
    if (sp.localEndpoints.length === 0) return { hook: 'lxc', verdict: 'drop', entry: 'clusterIP', servicePort: p, reason: `internalTrafficPolicy Local: ${p.servicePortName} has no backend on this node (DROP_NO_SERVICE)` };
    return dnat('lxc', sp, 'clusterIP', 'Local', sp.localEndpoints, hairpin, "internalTrafficPolicy Local: this node's backends");
  }
  return dnat('lxc', sp, 'clusterIP', 'Cluster', sp.clusterEndpoints, hairpin, 'cluster IP: all backends');
}

/**
 * What Cilium does with a new connection on one node. `hook` says where it meets Cilium: `socket` for a connection
 * made on the node (a pod's or the node's own namespace, `hostNamespace`), `device` for a packet arriving from outside
 * the node, `lxc` for a pod's packet under kubeProxyReplacement false. Verdicts: `dnat` (candidates, masquerade only
 * for the device path's SNAT or the lxc path's hairpin), `reject` (socket-LB: connect() fails with EHOSTUNREACH),
 * `drop` (DROP_NO_SERVICE, or outside loadBalancerSourceRanges), `none` (no frontend matches).
 */
export function chooseCilium(flow: ProxyFlow, hook: CiliumHook, ctx: CiliumChooseContext, hostNamespace = false): CiliumDecision {
  if (hook === 'socket') return socketDecision(flow, hostNamespace, ctx);
  if (hook === 'device') return deviceDecision(flow, ctx);
  return lxcDecision(flow, ctx);
}

/** The context for `chooseCilium` from a node's proxy view: every node's addresses count as node addresses. */
export function ciliumContext(view: {
  clusterCIDR: string;
  node: { name: string };
  model: { nodeNames(): string[]; node(name: string): { ips: string[] } | undefined };
  isLocalAddress(ip: string): boolean;
  lookup: ChooseContext['lookup'];
  lookupNodePort: ChooseContext['lookupNodePort'];
}): CiliumChooseContext {
  const nodeIPs = new Set(view.model.nodeNames().flatMap((n) => view.model.node(n)?.ips ?? []));
  return {
    clusterCIDR: view.clusterCIDR,
    nodeName: view.node.name,
    isLocalAddress: (ip) => view.isLocalAddress(ip),
    isNodeAddress: (ip) => nodeIPs.has(ip),
    lookup: (ip, protocol, port) => view.lookup(ip, protocol, port),
    lookupNodePort: (protocol, port) => view.lookupNodePort(protocol, port),
  };
}
