// The network layout of a built cluster: one namespace per node and per pod sandbox, plus the node network they
// hang off, each with its links, addresses, routes, neighbours and fdb entries. The `ip`/`bridge` views render it
// and the Linux data plane creates it, so interface names, MACs, ifindexes, addresses, MTUs and routes are decided
// here once.
//
// @example
// const layout = buildNetworkLayout(cluster.objects, cluster.config);
// runIp(layout.node('node-1')!, ['link', 'show', 'type', 'bridge'], 'iproute2').stdout;
// runIp(layout.pod('default', 'pod1')!, ['addr'], 'busybox').stdout;
//
// Per node, in ifindex order: lo; eth0, a veth into the node network (like a kind node's eth0 into its docker
// network); the CNI agent's devices; kube-ipvs0 in IPVS mode; the CNI bridge once a pod needs it; one veth per pod
// in pod order (creationTimestamp, then namespace/name). Per pod: lo, (tunl0 where the ipip module is loaded),
// eth0. Pods with hostNetwork share their node's namespace.
//
// Each profile keeps its own pod attachment, as the simulated data plane's route narration does (cni-route.ts):
// flannel's bridge layout (cni0, .1 gateway, the one the walkthroughs describe) and weave's `weave` bridge; Calico,
// Cilium and the AWS VPC CNI route each pod over its veth with no bridge (cni-layouts.ts says how). So under the
// demo's Calico, `ip link show type bridge` on a node prints nothing, as on a real Calico node.

import { nodeInternalIPOf } from '../../../core/objects.js';
import { kubeProxyReplaced, type ClusterConfig } from '../../../core/cluster-config.js';
import { Cidr, formatCidr, formatIPv4, parseCidr } from '../../../core/ip.js';
import type { KubeObject } from '../../../core/types.js';
import { buildProxyModel } from '../../../proxy/model.js';
import { renderIpvs } from '../../../proxy/backends/ipvs/render.js';
import { cniLayout, type CniLayout, type LayoutNode } from './cni-layouts.js';
import { hostVethName, podNetnsName } from './link-identity.js';
import { inetAddress, NetnsBuilder } from './netns-builder.js';
import type { NetworkNamespace } from './network-namespace.js';

/** Every network namespace of a cluster. */
export interface NetworkLayout {
  /** The CNI profile and mode the layout follows. */
  readonly cni: { profile: string; mode: string };
  /** The underlay, then each node followed by its pods. */
  readonly namespaces: readonly NetworkNamespace[];
  /** The node network (a kind cluster's docker network): the bridge every node's eth0 is plugged into. */
  underlay(): NetworkNamespace;
  node(name: string): NetworkNamespace | undefined;
  /** A pod's sandbox namespace (its node's for a hostNetwork pod); undefined for a pod without one (Pending). */
  pod(namespace: string, name: string): NetworkNamespace | undefined;
}

const at = (c: Cidr, offset: number) => formatIPv4(c.base + offset);
const lastOf = (c: Cidr) => at(c, c.size - 1);
/** The host end of node i's eth0 in the underlay (linux-dataplane.md §3.1 calls node1's `ul-n1`). */
const underlayPort = (i: number) => `ul-n${i + 1}`;

function layoutNodes(objects: KubeObject[]): LayoutNode[] {
  const out: LayoutNode[] = [];
  for (const o of objects) {
    if (o.kind !== 'Node') continue;
    const ip = nodeInternalIPOf(o);
    if (ip === undefined) continue;
    const podCIDR = typeof o.spec?.podCIDR === 'string' ? parseCidr(o.spec.podCIDR) : undefined;
    out.push({ name: o.metadata.name, ip, ...(podCIDR ? { podCIDR } : {}) });
  }
  return out;
}

/** Pods with a sandbox (scheduled, running, with an IP), per node, in the order their sandboxes were created. */
function podsByNode(objects: KubeObject[]): Map<string, KubeObject[]> {
  const out = new Map<string, KubeObject[]>();
  const pods = objects.filter((o) => o.kind === 'Pod' && !o.spec?.hostNetwork && o.spec?.nodeName && o.status?.podIP && o.status?.phase === 'Running');
  const key = (p: KubeObject) => `${p.metadata.creationTimestamp ?? ''}\u0000${p.metadata.namespace}\u0000${p.metadata.name}`;
  for (const p of pods.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))) {
    const list = out.get(p.spec.nodeName) ?? [];
    list.push(p);
    out.set(p.spec.nodeName, list);
  }
  return out;
}

interface BuildContext {
  config: ClusterConfig;
  cni: CniLayout;
  nodes: LayoutNode[];
  /** kube-ipvs0's addresses per node, in IPVS mode. */
  ipvsAddresses?: (node: string) => string[];
}

function buildUnderlay(ctx: BuildContext): NetworkNamespace {
  const { nodeCIDR } = ctx.config;
  const b = new NetnsBuilder({ id: 'underlay', kind: 'underlay', name: 'underlay' });
  b.loopback();
  b.link({ name: 'ul0', kind: 'bridge', mtu: ctx.cni.nodeMtu, addresses: [inetAddress(at(nodeCIDR, 1), nodeCIDR.prefix, lastOf(nodeCIDR))] });
  ctx.nodes.forEach((n, i) =>
    b.link({ name: underlayPort(i), kind: 'veth', mtu: ctx.cni.nodeMtu, master: 'ul0', bridgePort: { portNo: i + 1, hairpin: false }, peer: { netns: `node/${n.name}`, name: 'eth0', index: 2, netnsId: i } }),
  );
  if (ctx.cni.underlayRoutesPods) {
    b.sysctl('net.ipv4.ip_forward', '1');
    for (const n of ctx.nodes) if (n.podCIDR) b.route({ dst: formatCidr(n.podCIDR), via: n.ip, dev: 'ul0' });
  }
  return b.build();
}

/** The node's namespace and its pods' namespaces. */
function buildNode(ctx: BuildContext, node: LayoutNode, i: number, pods: KubeObject[]): NetworkNamespace[] {
  const { config, cni } = ctx;
  const att = cni.attachment;
  const b = new NetnsBuilder({ id: `node/${node.name}`, kind: 'node', name: node.name, node: node.name });
  b.loopback();
  b.link({
    name: 'eth0',
    kind: 'veth',
    mtu: cni.nodeMtu,
    peer: { netns: 'underlay', name: underlayPort(i), index: 3 + i, netnsId: 0 },
    addresses: [inetAddress(node.ip, config.nodeCIDR.prefix, lastOf(config.nodeCIDR))],
  });
  cni.nodeDevices(b, node);
  if (ctx.ipvsAddresses) {
    // kube-proxy's EnsureDummyDevice: netlink.Dummy from a bare LinkAttrs (no qlen), left down; each bound address a /32.
    const addresses = ctx.ipvsAddresses(node.name).map((a) => inetAddress(a, 32));
    b.link({ name: 'kube-ipvs0', kind: 'dummy', flags: ['BROADCAST', 'NOARP'], state: 'DOWN', txqlen: 0, addresses });
  }
  // Cilium keeps the pod device at the node MTU and puts the tunnel MTU on the pod's default route instead.
  const podMtu = att.kind === 'routed' && att.defaultRouteMtu ? cni.nodeMtu : cni.mode.mtu;
  const podCIDR = node.podCIDR;
  if (att.kind === 'bridge' && pods.length > 0 && podCIDR)
    // The bridge plugin creates it at the first pod (NewLinkAttrs: kernel-default qlen) and pins its own MAC.
    b.link({ name: att.bridge, kind: 'bridge', mtu: cni.mode.mtu, addresses: [inetAddress(at(podCIDR, 1), podCIDR.prefix, lastOf(podCIDR))] });

  b.route({ dst: '0.0.0.0/0', via: at(config.nodeCIDR, 1), dev: 'eth0' });
  cni.ownBlock(b, node);
  for (const other of ctx.nodes) if (other.name !== node.name) cni.towardNode(b, node, other);
  b.sysctl('net.ipv4.ip_forward', '1');
  if (att.kind === 'bridge') b.sysctl('net.bridge.bridge-nf-call-iptables', '1');

  const podEth0 = cni.ipipFallback ? 3 : 2;
  const out = pods.map((pod, k) => attachPod(ctx, b, node, pod, { portNo: k + 1, netnsId: k + 1, eth0: podEth0, mtu: podMtu }));
  return [b.build(), ...out];
}

/** The host end of a pod's veth on its node (with the node's per-pod route and sysctls), then the pod's namespace. */
function attachPod(ctx: BuildContext, b: NetnsBuilder, node: LayoutNode, pod: KubeObject, o: { portNo: number; netnsId: number; eth0: number; mtu: number }): NetworkNamespace {
  const att = ctx.cni.attachment;
  const meta = { namespace: pod.metadata.namespace as string, name: pod.metadata.name as string, uid: (pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`) as string };
  const veth = hostVethName(att.naming, meta);
  const hostIndex = b.peekIndex();
  const host = b.link({
    name: veth,
    kind: 'veth',
    mtu: o.mtu,
    ...(att.kind === 'routed' && att.hostMac ? { mac: att.hostMac } : {}),
    ...(att.kind === 'bridge' ? { master: att.bridge, bridgePort: { portNo: o.portNo, hairpin: true } } : {}),
    peer: { netns: `pod/${meta.namespace}/${meta.name}`, name: 'eth0', index: o.eth0, netnsId: o.netnsId, netnsName: podNetnsName(meta.uid) },
  });
  if (att.kind === 'routed' && att.podRoutes) b.route({ dst: `${pod.status.podIP}/32`, dev: veth, scope: 'link' });
  if (att.kind === 'routed' && att.naming === 'calico') {
    // calico cni-plugin configureSysctls: the host veth answers ARP for 169.254.1.1 at once.
    b.sysctl(`net.ipv4.conf.${veth}.proxy_arp`, '1');
    b.sysctl(`net.ipv4.neigh.${veth}.proxy_delay`, '0');
  }
  return buildPod(ctx, node, pod, meta, { hostName: veth, hostIndex, hostMac: host.mac, mtu: o.mtu, eth0: o.eth0 });
}

function buildPod(
  ctx: BuildContext,
  node: LayoutNode,
  pod: KubeObject,
  meta: { namespace: string; name: string; uid: string },
  link: { hostName: string; hostIndex: number; hostMac: string; mtu: number; eth0: number },
): NetworkNamespace {
  const att = ctx.cni.attachment;
  const containers = ((pod.spec?.containers ?? []) as { name: string }[]).map((c) => c.name);
  const b = new NetnsBuilder({ id: `pod/${meta.namespace}/${meta.name}`, kind: 'pod', name: podNetnsName(meta.uid), node: node.name, pod: { ...meta, containers } });
  b.loopback();
  if (ctx.cni.ipipFallback) b.tunl0();
  const podIP = pod.status.podIP as string;
  const podCIDR = node.podCIDR;
  const address = att.kind === 'bridge' && podCIDR ? inetAddress(podIP, podCIDR.prefix, lastOf(podCIDR)) : inetAddress(podIP, 32);
  b.link({ index: link.eth0, name: 'eth0', kind: 'veth', mtu: link.mtu, peer: { netns: `node/${node.name}`, name: link.hostName, index: link.hostIndex, netnsId: 0 }, addresses: [address] });
  if (att.kind === 'bridge') {
    if (!podCIDR) return b.build();
    const gw = at(podCIDR, 1);
    // bridge plugin calcGateways (isDefaultGateway) and ipam.ConfigureIface: routes with no gateway use the bridge's.
    b.route({ dst: '0.0.0.0/0', via: gw, dev: 'eth0' });
    if (att.clusterRoute) b.route({ dst: formatCidr(ctx.config.podCIDR), via: gw, dev: 'eth0' });
  } else {
    const gw = att.gateway(node);
    b.route({ dst: '0.0.0.0/0', via: gw, dev: 'eth0', ...(att.defaultRouteMtu ? { mtu: att.defaultRouteMtu } : {}) });
    b.route({ dst: `${gw}/32`, dev: 'eth0', scope: 'link' });
    if (att.staticGatewayNeighbor) b.neighbor(gw, 'eth0', link.hostMac);
  }
  return b.build();
}

/**
 * Lays out every namespace of a built cluster under its CNI profile and kube-proxy mode. Deterministic. A node's
 * namespace and its pods' are built when first asked for (a node holds a route per other node, so building all
 * of a large cluster costs O(nodes²)).
 */
export function buildNetworkLayout(objects: KubeObject[], config: ClusterConfig): NetworkLayout {
  const cni = cniLayout(config.cni);
  const nodes = layoutNodes(objects);
  const ctx: BuildContext = { config, cni, nodes };
  // kube-ipvs0 exists only where kube-proxy runs in IPVS mode (not under Cilium's kube-proxy replacement).
  if (config.proxyMode === 'ipvs' && !kubeProxyReplaced(config)) {
    const model = buildProxyModel(objects, config);
    ctx.ipvsAddresses = (node) => renderIpvs(model.forNode(node)).dummyAddresses;
  }
  const pods = podsByNode(objects);
  const sandboxNode = new Map<string, string>();
  for (const [node, list] of pods) for (const p of list) sandboxNode.set(`${p.metadata.namespace}/${p.metadata.name}`, node);
  const hostNetworkNode = new Map<string, string>();
  for (const o of objects) if (o.kind === 'Pod' && o.spec?.hostNetwork && o.spec?.nodeName) hostNetworkNode.set(`${o.metadata.namespace}/${o.metadata.name}`, o.spec.nodeName);
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const built = new Map<string, NetworkNamespace[]>();
  const ofNode = (name: string): NetworkNamespace[] => {
    const i = index.get(name);
    if (i === undefined) return [];
    let list = built.get(name);
    if (!list) built.set(name, (list = buildNode(ctx, nodes[i], i, pods.get(name) ?? [])));
    return list;
  };
  let underlay: NetworkNamespace | undefined;
  return {
    cni: { profile: cni.profile, mode: cni.mode.name },
    get namespaces() {
      return [(underlay ??= buildUnderlay(ctx)), ...nodes.flatMap((n) => ofNode(n.name))];
    },
    underlay: () => (underlay ??= buildUnderlay(ctx)),
    node: (name) => ofNode(name)[0],
    pod: (namespace, name) => {
      const key = `${namespace}/${name}`;
      const host = hostNetworkNode.get(key);
      if (host !== undefined) return ofNode(host)[0];
      const node = sandboxNode.get(key);
      return node === undefined ? undefined : ofNode(node).find((ns) => ns.id === `pod/${key}`);
    },
  };
}
