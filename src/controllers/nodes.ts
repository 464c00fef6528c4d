// Node controller and node IPAM: Node objects from the ClusterConfig and the user's Node manifests, each with a
// podCIDR carved in order from the cluster podCIDR (kube-controller-manager's range allocator) and an InternalIP.

import type { NodeConfig } from '../core/cluster-config.js';
import { invalid } from '../core/errors.js';
import { cidrContains, formatCidr, formatIPv4, parseCidr, parseIPv4, subnet } from '../core/ip.js';
import { mergeObjects, nodeInternalIPOf } from '../core/objects.js';
import type { KubeObject, Taint } from '../core/types.js';
import { ReconcileContext, previousOf, reportFieldError } from './context.js';
import { HashAllocator } from './hash-allocator.js';
import { KUBERNETES_VERSION } from './system-objects.js';

/** Pods a node accepts: the kubelet's default maxPods. */
export const MAX_PODS_PER_NODE = 110;

function baseNode(n: NodeConfig): KubeObject {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
    ...(n.controlPlane ? { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : {}),
    ...n.labels,
  };
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name, labels }, spec: n.taints.length ? { taints: n.taints.map((t) => ({ ...t })) } : {} };
}

function nodeStatus(ip: string, name: string, now: string): any {
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    addresses: [
      { type: 'InternalIP', address: ip },
      { type: 'Hostname', address: name },
    ],
    allocatable: { cpu: '2', 'ephemeral-storage': '100Gi', memory: '8Gi', pods: String(MAX_PODS_PER_NODE) },
    capacity: { cpu: '2', 'ephemeral-storage': '100Gi', memory: '8Gi', pods: String(MAX_PODS_PER_NODE) },
    conditions: [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      architecture: 'amd64',
      bootID: '',
      containerRuntimeVersion: 'containerd://1.7.24',
      kernelVersion: '6.1.0-flatnet',
      kubeProxyVersion: KUBERNETES_VERSION,
      kubeletVersion: KUBERNETES_VERSION,
      machineID: '',
      operatingSystem: 'linux',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      systemUUID: '',
    },
  };
}

/**
 * Builds every Node: the ClusterConfig's nodes in their order, merged with the user's Node manifests of the same
 * name, then user Nodes the config does not name. podCIDRs and InternalIPs already held (explicitly, or in the
 * previous state) are kept; the rest are handed out in node order, lowest free range first.
 */
export function buildNodes(ctx: ReconcileContext, userNodes: KubeObject[]): KubeObject[] {
  const { config } = ctx;
  const byName = new Map(userNodes.map((n) => [n.metadata.name, n]));
  const nodes: KubeObject[] = config.nodes.map((n) => (byName.has(n.name) ? mergeObjects(baseNode(n), byName.get(n.name)) : baseNode(n)));
  const known = new Set(config.nodes.map((n) => n.name));
  for (const u of [...userNodes].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0)))
    if (!known.has(u.metadata.name)) nodes.push(mergeObjects(baseNode({ name: u.metadata.name, labels: {}, taints: [], controlPlane: false }), u));

  const ranges = new HashAllocator(2 ** (config.nodeCIDRMaskSize - config.podCIDR.prefix));
  const ips = new HashAllocator(config.nodeCIDR.size);
  ips.claim(0);
  ips.claim(1); // the node network's gateway, as in a kind or docker network
  ips.claim(config.nodeCIDR.size - 1);
  const rangeOf = new Map<KubeObject, number>();
  const ipOf = new Map<KubeObject, number>();

  // First pass: explicit values, then what the previous state held.
  for (const node of nodes) {
    const explicit = node.spec?.podCIDR as string | undefined;
    if (explicit !== undefined) {
      const c = parseCidr(explicit);
      if (!c || c.prefix !== config.nodeCIDRMaskSize || !cidrContains(config.podCIDR, c.base))
        reportFieldError(ctx, node, invalid('spec.podCIDR', explicit, `must be a /${config.nodeCIDRMaskSize} inside the cluster podCIDR ${formatCidr(config.podCIDR)}`));
      else if (!ranges.claim((c.base - config.podCIDR.base) / c.size)) reportFieldError(ctx, node, invalid('spec.podCIDR', explicit, 'is already assigned to another node'));
      else rangeOf.set(node, (c.base - config.podCIDR.base) / c.size);
    }
    const explicitIP = nodeInternalIPOf(node);
    if (explicitIP !== undefined) {
      const ip = parseIPv4(explicitIP);
      if (ip === undefined || !cidrContains(config.nodeCIDR, ip)) reportFieldError(ctx, node, invalid('status.addresses', explicitIP, `InternalIP must be inside nodeCIDR ${formatCidr(config.nodeCIDR)}`));
      else if (!ips.claim(ip - config.nodeCIDR.base)) reportFieldError(ctx, node, invalid('status.addresses', explicitIP, 'InternalIP is already used by another node'));
      else ipOf.set(node, ip - config.nodeCIDR.base);
    }
  }
  for (const node of nodes) {
    const prev = previousOf(ctx, node);
    if (!rangeOf.has(node) && prev?.spec?.podCIDR) {
      const c = parseCidr(prev.spec.podCIDR);
      if (c && c.prefix === config.nodeCIDRMaskSize && cidrContains(config.podCIDR, c.base) && ranges.claim((c.base - config.podCIDR.base) / c.size))
        rangeOf.set(node, (c.base - config.podCIDR.base) / c.size);
    }
    const prevIP = parseIPv4(nodeInternalIPOf(prev) ?? '');
    if (!ipOf.has(node) && prevIP !== undefined && cidrContains(config.nodeCIDR, prevIP) && ips.claim(prevIP - config.nodeCIDR.base)) ipOf.set(node, prevIP - config.nodeCIDR.base);
  }
  // Second pass: in node order, the lowest free range and address (the range allocator's behaviour).
  let nextRange = 0;
  let nextIP = 2;
  for (const node of nodes) {
    if (!rangeOf.has(node)) {
      while (nextRange < ranges.size && ranges.isUsed(nextRange)) nextRange++;
      if (!ranges.claim(nextRange)) {
        reportFieldError(ctx, node, invalid('spec.podCIDR', null, `no free /${config.nodeCIDRMaskSize} range left in the cluster podCIDR ${formatCidr(config.podCIDR)} for ${nodes.length} nodes (CIDRNotAvailable)`));
        continue;
      }
      rangeOf.set(node, nextRange);
    }
    if (!ipOf.has(node)) {
      while (nextIP < ips.size - 1 && ips.isUsed(nextIP)) nextIP++;
      if (!ips.claim(nextIP)) {
        reportFieldError(ctx, node, invalid('status.addresses', null, `no free InternalIP left in nodeCIDR ${formatCidr(config.nodeCIDR)} for ${nodes.length} nodes`));
        continue;
      }
      ipOf.set(node, nextIP);
    }
    const podCIDR = formatCidr(subnet(config.podCIDR, config.nodeCIDRMaskSize, rangeOf.get(node)!));
    node.spec = { ...(node.spec ?? {}), podCIDR, podCIDRs: [podCIDR] };
    const ip = formatIPv4(config.nodeCIDR.base + ipOf.get(node)!);
    // Condition times are when the node first appeared, so an unchanged node stays byte-identical.
    const since = previousOf(ctx, node)?.metadata.creationTimestamp ?? ctx.now;
    const status = nodeStatus(ip, node.metadata.name, since);
    node.status = node.status ? mergeObjects(status, { ...node.status, addresses: status.addresses }) : status;
  }
  return nodes;
}

export function nodeTaints(node: KubeObject): Taint[] {
  return (node.spec?.taints as Taint[] | undefined) ?? [];
}

export function nodeInternalIP(node: KubeObject): string {
  return nodeInternalIPOf(node)!;
}
