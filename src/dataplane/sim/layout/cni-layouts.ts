// What each CNI profile and mode puts on a node and around a pod: the agent's devices (flannel.1, tunl0,
// vxlan.calico, cilium_host/cilium_vxlan, weave's VXLAN), how pods attach (a bridge, or routed veths with no
// bridge), the pod's routes, and the routes, neighbours and fdb entries toward other nodes' podCIDRs.

import type { ClusterConfig } from '../../../core/cluster-config.js';
import { cniProfile, type CniMode } from '../../../core/cni-profiles.js';
import { Cidr, formatCidr, formatIPv4 } from '../../../core/ip.js';
import { macAddress, type VethNaming } from './link-identity.js';
import { inetAddress, NetnsBuilder } from './netns-builder.js';

/** A node as the layout needs it. */
export interface LayoutNode {
  name: string;
  ip: string;
  podCIDR?: Cidr;
}

/** How pods hang off the node. */
export type PodAttachment =
  /** One end in the pod, the other enslaved to a bridge that holds the podCIDR's first address (bridge plugin). */
  | { kind: 'bridge'; bridge: string; naming: VethNaming; clusterRoute: boolean }
  /**
   * No bridge: the pod has a /32 and reaches the node through a gateway on the other end of its veth — the
   * link-local 169.254.1.1 answered by proxy ARP (Calico) or a static neighbour entry (AWS VPC CNI), or the
   * cilium_host router address; the node routes each local pod IP to its veth (Cilium delivers by eBPF instead).
   */
  | { kind: 'routed'; naming: VethNaming; gateway: (node: LayoutNode) => string; hostMac?: string; podRoutes: boolean; staticGatewayNeighbor: boolean; defaultRouteMtu?: number };

export interface CniLayout {
  profile: string;
  mode: CniMode;
  /** MTU of the node's eth0 and of the node network. */
  nodeMtu: number;
  attachment: PodAttachment;
  /** The ipip module is loaded, so every namespace, pods included, has the fallback tunl0. */
  ipipFallback: boolean;
  /** Pod IPs are routed by the node network itself (a VPC route table), not by the nodes. */
  underlayRoutesPods: boolean;
  /** Devices and routes the CNI agent sets up on a node before any pod, then toward each other node. */
  nodeDevices(b: NetnsBuilder, node: LayoutNode): void;
  towardNode(b: NetnsBuilder, node: LayoutNode, other: LayoutNode): void;
  /** Routes the agent adds for the node's own podCIDR (Calico's blackhole for its block, Cilium's router routes). */
  ownBlock(b: NetnsBuilder, node: LayoutNode): void;
}

const at = (c: Cidr, offset: number) => formatIPv4(c.base + offset);
/** The VTEP MAC an agent gives its VXLAN device on a node, known to the other nodes through the API (annotations). */
export const vtepMac = (node: string, dev: string) => macAddress(`node/${node}/${dev}`);

/**
 * A flannel-style VXLAN device: static route via the remote podCIDR's .0 onlink, a permanent neighbour entry for it
 * and an fdb entry pointing its MAC at the remote node (flannel pkg/backend/vxlan; Calico's felix programs
 * vxlan.calico the same way). Its address is the podCIDR's .0 as a /32, with no broadcast.
 */
function staticVxlan(dev: string, id: number, dstport: number, mtu: number, txqlen: number): Pick<CniLayout, 'nodeDevices' | 'towardNode'> {
  return {
    nodeDevices(b, node) {
      b.link({
        name: dev,
        kind: 'vxlan',
        mtu,
        txqlen,
        state: 'UNKNOWN',
        mac: vtepMac(node.name, dev),
        vxlan: { id, local: node.ip, dev: 'eth0', dstport, learning: false, external: false },
        addresses: node.podCIDR ? [inetAddress(at(node.podCIDR, 0), 32)] : [],
      });
    },
    towardNode(b, _node, other) {
      if (!other.podCIDR) return;
      const vtep = at(other.podCIDR, 0);
      b.route({ dst: formatCidr(other.podCIDR), via: vtep, dev, onlink: true });
      b.neighbor(vtep, dev, vtepMac(other.name, dev));
      b.fdbEntry(vtepMac(other.name, dev), dev, other.ip);
    },
  };
}

const nothing = () => undefined;
const viaNode = (proto: 'boot' | 'bird') => (b: NetnsBuilder, _n: LayoutNode, other: LayoutNode) =>
  other.podCIDR && b.route({ dst: formatCidr(other.podCIDR), via: other.ip, dev: 'eth0', ...(proto === 'bird' ? { proto } : {}) });

/** Flannel (kube-flannel.yml: bridge delegate with isDefaultGateway and hairpinMode, host-local routes [Network]). */
function flannel(mode: CniMode): Omit<CniLayout, 'profile' | 'mode'> {
  const attachment: PodAttachment = { kind: 'bridge', bridge: 'cni0', naming: 'bridge-plugin', clusterRoute: true };
  const base = { nodeMtu: 1500, attachment, ipipFallback: false, underlayRoutesPods: false, ownBlock: nothing };
  // flannel sizes flannel.1 at the external interface's MTU minus 50 and creates it from a bare LinkAttrs
  // (IFLA_TXQLEN 0, so `ip link` prints no qlen): pkg/backend/vxlan/device.go.
  if (mode.encapsulation === 'vxlan') return { ...base, ...staticVxlan('flannel.1', 1, 8472, mode.mtu, 0) };
  return { ...base, nodeDevices: nothing, towardNode: viaNode('boot') };
}

/**
 * Calico: no bridge. cali<sha1> host veths with the MAC ee:ee:ee:ee:ee:ee and proxy ARP for 169.254.1.1, a /32
 * route per local pod, BIRD's routes to the other nodes' blocks and a blackhole for the node's own (flatnet's
 * Calico block is the node's podCIDR, where calico-ipam would hand out /26 blocks).
 */
function calico(mode: CniMode): Omit<CniLayout, 'profile' | 'mode'> {
  const attachment: PodAttachment = { kind: 'routed', naming: 'calico', gateway: () => '169.254.1.1', hostMac: 'ee:ee:ee:ee:ee:ee', podRoutes: true, staticGatewayNeighbor: false };
  const blackhole = (b: NetnsBuilder, node: LayoutNode) => node.podCIDR && b.route({ type: 'blackhole', dst: formatCidr(node.podCIDR), proto: 'bird' });
  const base = { nodeMtu: 1500, attachment, underlayRoutesPods: false };
  if (mode.encapsulation === 'vxlan')
    // Felix programs vxlan.calico (VNI 4096, UDP 4789) and its routes itself; BIRD is not involved.
    return { ...base, ipipFallback: false, ownBlock: nothing, ...staticVxlan('vxlan.calico', 4096, 4789, mode.mtu, 0) };
  if (mode.encapsulation === 'ipip')
    return {
      ...base,
      ipipFallback: true,
      ownBlock: blackhole,
      nodeDevices: (b, node) => b.tunl0({ mtu: mode.mtu, address: inetAddress(node.podCIDR ? at(node.podCIDR, 0) : '0.0.0.0', 32) }),
      towardNode: (b, _n, other) => other.podCIDR && b.route({ dst: formatCidr(other.podCIDR), via: other.ip, dev: 'tunl0', proto: 'bird', onlink: true }),
    };
  return { ...base, ipipFallback: false, ownBlock: blackhole, nodeDevices: nothing, towardNode: viaNode('bird') };
}

/**
 * Cilium (legacy host routing): lxc veths with no bridge, pods routed to the router address on cilium_host, node
 * routes through cilium_host (tunnel) or straight to the other node (native routing, autoDirectNodeRoutes).
 * Delivery to local pods and the VXLAN encapsulation itself are eBPF programs (cilium_vxlan is a collect-metadata
 * device), which flatnet's Linux data plane cannot load.
 */
function cilium(mode: CniMode): Omit<CniLayout, 'profile' | 'mode'> {
  const router = (n: LayoutNode) => (n.podCIDR ? at(n.podCIDR, 1) : '0.0.0.0');
  const tunnel = mode.encapsulation === 'vxlan';
  const attachment: PodAttachment = { kind: 'routed', naming: 'cilium', gateway: router, podRoutes: false, staticGatewayNeighbor: false, ...(tunnel ? { defaultRouteMtu: mode.mtu } : {}) };
  return {
    nodeMtu: 1500,
    attachment,
    ipipFallback: false,
    underlayRoutesPods: false,
    nodeDevices(b, node) {
      const hostIndex = b.peekIndex() + 1;
      b.link({ name: 'cilium_net', kind: 'veth', peer: { netns: b.id, name: 'cilium_host', index: hostIndex } });
      b.link({
        name: 'cilium_host',
        kind: 'veth',
        flags: ['BROADCAST', 'MULTICAST', 'NOARP', 'UP', 'LOWER_UP'],
        peer: { netns: b.id, name: 'cilium_net', index: hostIndex - 1 },
        addresses: node.podCIDR ? [inetAddress(router(node), 32)] : [],
      });
      if (tunnel) b.link({ name: 'cilium_vxlan', kind: 'vxlan', state: 'UNKNOWN', vxlan: { id: 0, dstport: 8472, learning: false, external: true } });
    },
    ownBlock(b, node) {
      if (!node.podCIDR) return;
      const r = router(node);
      b.route({ dst: formatCidr(node.podCIDR), via: r, dev: 'cilium_host', proto: 'kernel', src: r });
      b.route({ dst: `${r}/32`, dev: 'cilium_host', proto: 'kernel', scope: 'link' });
    },
    towardNode(b, node, other) {
      if (!other.podCIDR) return;
      if (!tunnel) return viaNode('boot')(b, node, other);
      b.route({ dst: formatCidr(other.podCIDR), via: router(node), dev: 'cilium_host', proto: 'kernel', src: router(node), mtu: mode.mtu });
    },
  };
}

/**
 * Weave Net: pods on the `weave` bridge. Its fast datapath is an Open vSwitch kernel datapath flatnet does not
 * build; flatnet carries weave's cross-node traffic on a plain kernel VXLAN device named like weave's
 * (vxlan-6784, UDP 6784) with flannel-style static routes, and gives each node a /24 where weave's IPAM hands out
 * addresses from one cluster-wide range.
 */
function weave(mode: CniMode): Omit<CniLayout, 'profile' | 'mode'> {
  const attachment: PodAttachment = { kind: 'bridge', bridge: 'weave', naming: 'weave', clusterRoute: false };
  return { nodeMtu: 1500, attachment, ipipFallback: false, underlayRoutesPods: false, ownBlock: nothing, ...staticVxlan('vxlan-6784', 6784, 6784, mode.mtu, 1000) };
}

/**
 * AWS VPC CNI: eni<sha1> host veths, the pod's /32 routed to it, and 169.254.1.1 as the pod's gateway with a static
 * neighbour entry for the host veth's MAC (amazon-vpc-cni-k8s cmd/routed-eni-cni-plugin/driver). Pod IPs are VPC
 * addresses, so the node network (the VPC) routes them: flatnet puts those routes on the underlay.
 */
function awsVpcCni(mode: CniMode): Omit<CniLayout, 'profile' | 'mode'> {
  const attachment: PodAttachment = { kind: 'routed', naming: 'aws-vpc-cni', gateway: () => '169.254.1.1', podRoutes: true, staticGatewayNeighbor: true };
  return { nodeMtu: mode.mtu, attachment, ipipFallback: false, underlayRoutesPods: true, ownBlock: nothing, nodeDevices: nothing, towardNode: nothing };
}

const LAYOUTS: Record<string, (mode: CniMode) => Omit<CniLayout, 'profile' | 'mode'>> = { flannel, calico, cilium, weave, 'aws-vpc-cni': awsVpcCni };

/** The layout of the cluster's CNI profile and mode. */
export function cniLayout(cni: ClusterConfig['cni']): CniLayout {
  const profile = cniProfile(cni.name);
  const mode = profile?.modes.find((m) => m.name === cni.mode);
  const make = LAYOUTS[cni.name];
  if (!profile || !mode || !make) throw new RangeError(`CNI ${cni.name} mode ${cni.mode} has no network layout`);
  return { profile: profile.name, mode, ...make(mode) };
}

