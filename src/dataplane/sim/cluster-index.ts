// Who owns an address in a built cluster: pods by IP, nodes by InternalIP, Service IPs, hostPorts, hostNetwork pods
// per node. Built in one pass over the objects so that a connection never scans the pod list.

import type { ClusterConfig } from '../../core/cluster-config.js';
import { describeObject } from '../../core/errors.js';
import { Cidr, cidrContains, formatCidr, parseCidr, parseIPv4 } from '../../core/ip.js';
import type { KubeObject } from '../../core/types.js';
import type { Protocol } from '../types.js';

/** A node as the data plane needs it. */
export interface NodeInfo {
  name: string;
  /** The first InternalIP (kube-proxy's nodeIP); undefined while the node has none. */
  ip?: string;
  ips: string[];
  /** spec.podCIDR, when allocated. */
  podCIDR?: Cidr;
  /** Labelled node.kubernetes.io/exclude-from-external-load-balancers: load balancers send it nothing. */
  excludedFromLoadBalancers: boolean;
}

/** A hostPort the portmap CNI plugin maps on a node to a pod's containerPort. */
export interface HostPortMapping {
  pod: KubeObject;
  container: string;
  containerPort: number;
  /** hostIP when it restricts the mapping to one node address; undefined for every local address. */
  hostIP?: string;
}

/** What an IPv4 address is in the cluster. */
export type AddressOwner =
  | { kind: 'loopback' }
  | { kind: 'pod'; pod: KubeObject }
  | { kind: 'node'; node: NodeInfo }
  | { kind: 'clusterIP'; service: KubeObject }
  | { kind: 'loadBalancerIP' | 'externalIP'; service: KubeObject }
  /** Inside the pod CIDR, but no pod has it; `node` owns the podCIDR block when one does. */
  | { kind: 'pod-network'; node?: NodeInfo }
  /** Inside the service CIDR, but no Service has it as its cluster IP. */
  | { kind: 'service-network' }
  | { kind: 'outside' };

const LOOPBACK = parseCidr('127.0.0.0/8')!;

/** `Pod ns/name`, the way hops and messages name a pod. */
export function podName(pod: KubeObject): string {
  return `pod ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

/** `Pod ns/name` for a hop's objects list. */
export function podObject(pod: KubeObject): string {
  return describeObject('Pod', pod.metadata.namespace ?? 'default', pod.metadata.name);
}


/** A pod whose phase is Succeeded or Failed: its sandbox, and so its IP, is gone. */
function terminated(pod: KubeObject): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function nodeInfo(o: KubeObject): NodeInfo {
  const ips = ((o.status?.addresses ?? []) as { type?: string; address?: string }[])
    .filter((a) => a?.type === 'InternalIP' && typeof a.address === 'string' && parseIPv4(a.address) !== undefined)
    .map((a) => a.address as string);
  const podCIDR = typeof o.spec?.podCIDR === 'string' ? parseCidr(o.spec.podCIDR) : undefined;
  // The service controller leaves nodes with this label out of load balancers (k8s.io/cloud-provider
  // controllers/service: nodeIncludedPredicate); kubeadm puts it on control-plane nodes.
  const excluded = o.metadata.labels?.['node.kubernetes.io/exclude-from-external-load-balancers'] !== undefined;
  return { name: o.metadata.name, ip: ips[0], ips, ...(podCIDR ? { podCIDR } : {}), excludedFromLoadBalancers: excluded };
}

/** The addresses, nodes and pods of one cluster state, indexed. Immutable: build a new one per update. */
export class ClusterIndex {
  /** Nodes in cluster (input) order. */
  readonly nodes: NodeInfo[] = [];
  private readonly nodeByName = new Map<string, NodeInfo>();
  private readonly nodeByIP = new Map<string, NodeInfo>();
  private readonly nodeByBlock = new Map<number, NodeInfo>();
  private readonly podByKey = new Map<string, KubeObject>();
  private readonly podByIP = new Map<string, KubeObject>();
  private readonly hostNetworkPods = new Map<string, KubeObject[]>();
  private readonly hostPorts = new Map<string, HostPortMapping>();
  private readonly serviceByIP = new Map<string, { kind: 'clusterIP' | 'loadBalancerIP' | 'externalIP'; service: KubeObject }>();

  constructor(
    objects: readonly KubeObject[],
    readonly config: ClusterConfig,
  ) {
    const pods: KubeObject[] = [];
    for (const o of objects) {
      if (o.kind === 'Node') {
        const n = nodeInfo(o);
        this.nodes.push(n);
        this.nodeByName.set(n.name, n);
        for (const ip of n.ips) if (!this.nodeByIP.has(ip)) this.nodeByIP.set(ip, n);
        if (n.podCIDR) this.nodeByBlock.set(n.podCIDR.base, n);
      } else if (o.kind === 'Pod') pods.push(o);
      else if (o.kind === 'Service') this.indexService(o);
    }
    for (const p of pods) this.indexPod(p);
    for (const list of this.hostNetworkPods.values()) list.sort((a, b) => podKey(a).localeCompare(podKey(b)));
  }

  private indexService(s: KubeObject): void {
    const ip = s.spec?.clusterIP;
    if (typeof ip === 'string' && ip !== 'None' && parseIPv4(ip) !== undefined) this.serviceByIP.set(ip, { kind: 'clusterIP', service: s });
    for (const e of (s.spec?.externalIPs ?? []) as string[]) if (!this.serviceByIP.has(e)) this.serviceByIP.set(e, { kind: 'externalIP', service: s });
    for (const ing of (s.status?.loadBalancer?.ingress ?? []) as { ip?: string }[])
      if (ing?.ip && !this.serviceByIP.has(ing.ip)) this.serviceByIP.set(ing.ip, { kind: 'loadBalancerIP', service: s });
  }

  private indexPod(p: KubeObject): void {
    this.podByKey.set(podKey(p), p);
    const node = p.spec?.nodeName as string | undefined;
    const ip = p.status?.podIP as string | undefined;
    if (!node || !ip || terminated(p)) return;
    if (p.spec?.hostNetwork === true) {
      let list = this.hostNetworkPods.get(node);
      if (!list) this.hostNetworkPods.set(node, (list = []));
      list.push(p);
      return;
    }
    if (!this.podByIP.has(ip)) this.podByIP.set(ip, p);
    // hostPort: the portmap CNI plugin DNATs <node address>:<hostPort> to the pod (containernetworking/plugins
    // plugins/meta/portmap). hostNetwork pods are skipped above: their hostPort is their own socket on the node.
    for (const c of (p.spec?.containers ?? []) as { name: string; ports?: { hostPort?: number; containerPort: number; protocol?: Protocol; hostIP?: string }[] }[])
      for (const port of c.ports ?? []) {
        if (!port.hostPort) continue;
        const key = hostPortKey(node, port.protocol ?? 'TCP', port.hostPort);
        const hostIP = port.hostIP && port.hostIP !== '0.0.0.0' ? port.hostIP : undefined;
        if (!this.hostPorts.has(key)) this.hostPorts.set(key, { pod: p, container: c.name, containerPort: port.containerPort, ...(hostIP ? { hostIP } : {}) });
      }
  }

  node(name: string): NodeInfo | undefined {
    return this.nodeByName.get(name);
  }

  nodeOfIP(ip: string): NodeInfo | undefined {
    return this.nodeByIP.get(ip);
  }

  pod(namespace: string, name: string): KubeObject | undefined {
    return this.podByKey.get(`${namespace}/${name}`);
  }

  /** The running, non-hostNetwork pod with this IP. */
  podOfIP(ip: string): KubeObject | undefined {
    return this.podByIP.get(ip);
  }

  /** The hostNetwork pods running on a node, sorted by namespace/name. */
  hostNetworkPodsOn(node: string): readonly KubeObject[] {
    return this.hostNetworkPods.get(node) ?? [];
  }

  /** The hostPort mapping on a node for a destination address (a node address or 127.0.0.0/8) and port. */
  hostPort(node: string, protocol: Protocol, port: number, destinationIP: string): HostPortMapping | undefined {
    const m = this.hostPorts.get(hostPortKey(node, protocol, port));
    return m && (m.hostIP === undefined || m.hostIP === destinationIP) ? m : undefined;
  }

  /** The node whose podCIDR holds a pod-network address. */
  nodeOfPodAddress(ip: string): NodeInfo | undefined {
    const n = parseIPv4(ip);
    if (n === undefined) return undefined;
    const bits = 32 - this.config.nodeCIDRMaskSize;
    const base = bits >= 32 ? 0 : ((n >>> bits) << bits) >>> 0;
    const node = this.nodeByBlock.get(base);
    return node?.podCIDR && cidrContains(node.podCIDR, n) ? node : undefined;
  }

  /** What an address is: loopback, a pod's, a node's, a Service's, an unused address of the cluster's ranges, or outside. */
  owner(ip: string): AddressOwner {
    const n = parseIPv4(ip);
    if (n === undefined) return { kind: 'outside' };
    const svc = this.serviceByIP.get(ip);
    // Service IPs first: the default loadBalancerPool (127.1.0.0/24) lies inside 127.0.0.0/8.
    if (svc) return svc;
    if (cidrContains(LOOPBACK, n)) return { kind: 'loopback' };
    const pod = this.podByIP.get(ip);
    if (pod) return { kind: 'pod', pod };
    const node = this.nodeByIP.get(ip);
    if (node) return { kind: 'node', node };
    if (cidrContains(this.config.podCIDR, n)) {
      const owner = this.nodeOfPodAddress(ip);
      return { kind: 'pod-network', ...(owner ? { node: owner } : {}) };
    }
    if (cidrContains(this.config.serviceCIDR, n)) return { kind: 'service-network' };
    return { kind: 'outside' };
  }

  /** The cluster's own ranges, for "outside the cluster" messages. */
  describeRanges(): string {
    const c = this.config;
    return `pod CIDR ${formatCidr(c.podCIDR)}, service CIDR ${formatCidr(c.serviceCIDR)}, the node addresses and the Services' load-balancer and external IPs`;
  }
}

function podKey(p: KubeObject): string {
  return `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
}

function hostPortKey(node: string, protocol: string, port: number): string {
  return `${node} ${protocol} ${port}`;
}
