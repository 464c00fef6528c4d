// How a packet moves between network namespaces under the cluster's CNI profile and mode: the same-node hand-over
// and the node-to-node leg (VXLAN, IP-in-IP, BGP or host-gw routes, Cilium's eBPF, the AWS VPC), one sentence each.

import type { ClusterConfig } from '../../core/cluster-config.js';
import { cniProfile, type CniMode } from '../../core/cni-profiles.js';
import { describeObject } from '../../core/errors.js';
import { formatCidr, formatIPv4 } from '../../core/ip.js';
import type { KubeObject } from '../../core/types.js';
import type { EncapStep, Hop } from '../types.js';
import { podName, type NodeInfo } from './cluster-index.js';

/** The VXLAN device, VNI and UDP port each CNI uses by default, from its own documentation. */
const VXLAN: Record<string, { device: string; vni: string; vniNumber?: number; port: number }> = {
  // flannel Documentation/backends.md: VNI "defaults to 1", Port "defaults to kernel default, currently 8472".
  flannel: { device: 'flannel.1', vni: 'VNI 1', vniNumber: 1, port: 8472 },
  // Calico FelixConfiguration: vxlanVNI default 4096, vxlanPort default 4789.
  calico: { device: 'vxlan.calico', vni: 'VNI 4096', vniNumber: 4096, port: 4789 },
  // Cilium tunnel-protocol vxlan: UDP 8472; the VNI carries the source endpoint's security identity.
  cilium: { device: 'cilium_vxlan', vni: "the source's security identity as VNI", port: 8472 },
  // Weave Net fast datapath: the kernel's Open vSwitch datapath sends VXLAN on UDP 6784.
  weave: { device: 'vxlan-6784', vni: 'a per-peer-pair VNI', port: 6784 },
};

/** Outer headers each encapsulation adds (kube-proxy-independent; the CniMode doc comment uses the same figures). */
const OVERHEAD = { vxlan: 50, ipip: 20, none: 0 } as const;

function modeOf(config: Pick<ClusterConfig, 'cni'>): CniMode {
  const profile = cniProfile(config.cni.name);
  const mode = profile?.modes.find((m) => m.name === config.cni.mode);
  if (!profile || !mode) throw new RangeError(`CNI ${config.cni.name} mode ${config.cni.mode} is not a known profile`);
  return mode;
}

function nodeLabel(n: NodeInfo): string {
  return `node ${n.name} (${n.ip ?? 'no InternalIP'})`;
}

function podCidrOf(n: NodeInfo): string {
  return n.podCIDR ? formatCidr(n.podCIDR) : 'its podCIDR';
}

/** How the destination node hands a routed packet to a local pod: bridge, host route to a veth, or eBPF redirect. */
function intoPod(cni: string, node: NodeInfo, pod: KubeObject): string {
  switch (cni) {
    case 'flannel': {
      // The bridge CNI plugin flannel delegates to gives cni0 the first address of the node's podCIDR.
      const gw = node.podCIDR ? ` (${formatIPv4(node.podCIDR.base + 1)}, gateway of podCIDR ${podCidrOf(node)})` : '';
      return `bridge cni0${gw} into ${podName(pod)}'s veth`;
    }
    case 'weave':
      return `bridge weave into ${podName(pod)}'s veth`;
    case 'calico':
      // Calico has no bridge: a /32 route per pod points at its cali* veth; pods reach the node through 169.254.1.1,
      // which the veth answers by proxy ARP (docs.tigera.io, "Calico networking: the pod's default gateway").
      return `the /32 route to ${pod.status?.podIP} into ${podName(pod)}'s cali veth (Calico routes, no bridge)`;
    case 'cilium':
      return `Cilium's eBPF program redirecting it into ${podName(pod)}'s lxc veth (no bridge)`;
    default:
      return `the /32 route to ${pod.status?.podIP} into ${podName(pod)}'s veth (no bridge)`;
  }
}

/** The node-to-node leg toward a pod on another node, by the CNI mode's encapsulation and routing. */
function acrossNodes(config: Pick<ClusterConfig, 'cni'>, from: NodeInfo, to: NodeInfo, dstIP: string): string {
  const mode = modeOf(config);
  const cni = config.cni.name;
  const head = `${dstIP} is in ${podCidrOf(to)} of node ${to.name}`;
  const outer = `outer ${from.ip ?? '?'} → ${to.ip ?? '?'}`;
  if (mode.encapsulation === 'vxlan') {
    const v = VXLAN[cni] ?? { device: 'the VXLAN device', vni: 'its VNI', port: 4789 };
    const who = cni === 'cilium' ? `Cilium's eBPF program encapsulates it on ${v.device}` : `${v.device} encapsulates it`;
    return `${head}: ${who} in VXLAN, ${outer} UDP ${v.port}, ${v.vni} (+${OVERHEAD.vxlan} bytes, pod MTU ${mode.mtu}), and node ${to.name} decapsulates it`;
  }
  if (mode.encapsulation === 'ipip')
    return `${head}: tunl0 encapsulates it in IP-in-IP, ${outer} IP protocol 4 (+${OVERHEAD.ipip} bytes, pod MTU ${mode.mtu}), following the BGP-learned route ${podCidrOf(to)} via ${to.ip ?? '?'}`;
  const plain = `no encapsulation, the packet keeps its pod addresses on the node network (pod MTU ${mode.mtu})`;
  switch (mode.routing) {
    case 'bgp':
      return `${head}: route ${podCidrOf(to)} via ${to.ip ?? '?'} learned over BGP (calico-node's BIRD); ${plain}`;
    case 'host-gw':
      return `${head}: route ${podCidrOf(to)} via ${to.ip ?? '?'} dev eth0 written by flanneld (host-gw); ${plain}`;
    case 'ebpf':
      return `${head}: Cilium's eBPF program forwards it by the native route ${podCidrOf(to)} via ${to.ip ?? '?'}; ${plain}`;
    case 'vpc':
      return `${head}: pod IPs are VPC addresses on node ${to.name}'s ENI and the VPC fabric delivers it; ${plain}`;
    default:
      return `${head}: routed to ${to.ip ?? '?'}; ${plain}`;
  }
}

/** The outer header of a node-to-node leg toward a pod, when the CNI mode encapsulates. */
function encapOf(config: Pick<ClusterConfig, 'cni'>, from: NodeInfo, to: NodeInfo): EncapStep | undefined {
  const mode = modeOf(config);
  const ends = { outerSource: from.ip ?? '?', outerDestination: to.ip ?? '?', mtu: mode.mtu };
  if (mode.encapsulation === 'vxlan') {
    const v = VXLAN[config.cni.name] ?? { device: 'the VXLAN device', vni: 'its VNI', port: 4789 };
    return { type: 'vxlan', device: v.device, ...ends, ...(v.vniNumber !== undefined ? { vni: v.vniNumber } : {}), udpPort: v.port, overhead: OVERHEAD.vxlan };
  }
  if (mode.encapsulation === 'ipip') return { type: 'ipip', device: 'tunl0', ...ends, overhead: OVERHEAD.ipip };
  return undefined;
}

/** Where a leg starts: the node the packet is on, and the pod whose veth it leaves (first leg of a pod's packet). */
export interface LegStart {
  node: NodeInfo;
  pod?: KubeObject;
}

/** Where a leg ends: the destination node, and the pod when the destination is a pod (not the node's own address). */
export interface LegEnd {
  node: NodeInfo;
  pod?: KubeObject;
  ip: string;
}

/** One route hop: from a node (or a pod on it) to a pod or a node address, on the same node or across nodes. */
export function routeHop(config: Pick<ClusterConfig, 'cni'>, from: LegStart, to: LegEnd): Hop {
  const cni = config.cni.name;
  const leave = from.pod ? `out of ${podName(from.pod)}'s eth0 and veth into node ${from.node.name}, then ` : '';
  const objects = [...new Set([from.node.name, to.node.name])].map((n) => describeObject('Node', undefined, n));
  let summary: string;
  let encap: EncapStep | undefined;
  if (from.node.name === to.node.name) {
    summary = to.pod
      ? `${to.ip} is on the same node ${from.node.name}: ${leave}${intoPod(cni, to.node, to.pod)}`
      : `${to.ip} is an address of node ${to.node.name} itself: ${leave}delivered to the node's own network namespace`;
  } else if (to.pod) {
    summary = `${leave}${nodeLabel(from.node)} → ${nodeLabel(to.node)}: ${acrossNodes(config, from.node, to.node, to.ip)}; then ${intoPod(cni, to.node, to.pod)}`;
    encap = encapOf(config, from.node, to.node);
  } else {
    summary = `${leave}${nodeLabel(from.node)} → ${nodeLabel(to.node)} over the node network, no encapsulation (${to.ip} is a node address, not a pod)`;
  }
  return { stage: 'route', at: `node ${from.node.name}`, summary, objects, ...(encap ? { encap } : {}) };
}
