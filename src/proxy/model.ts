// The one service-proxy model: Services, EndpointSlices and Nodes turned into kube-proxy's per-node view of every
// Service port, shared by the iptables, nftables and IPVS renderers and by connection simulation (`choose`).
//
// @example
// const model = buildProxyModel(cluster.objects, cluster.config);
// const view = model.forNode('node-1');
// for (const sp of view.servicePorts()) console.log(sp.port.servicePortName, sp.clusterEndpoints.length);
// view.choose({ sourceIP: '10.244.1.5', protocol: 'tcp', destinationIP: '10.96.45.123', destinationPort: 80 });
// // → { verdict: 'dnat', entry: 'clusterIP', policy: 'Cluster', candidates: [{ endpoint, probability: 0.5, ... }, ...] }
// const changed = model.apply({ upsert: [updatedSlice] }); // → ['default/my-api']; views refresh those Services only

import type { ClusterConfig } from '../core/cluster-config.js';
import { Cidr, cidrContains, formatCidr, parseCidr, parseIPv4 } from '../core/ip.js';
import type { KubeObject } from '../core/types.js';
import { categorizeForNode } from './categorize.js';
import { chooseFor } from './choose.js';
import { compareServicePorts, servicePortsOf } from './service-ports.js';
import type { NodeServicePort, ProxyDecision, ProxyFlow, ProxyNode, ProxyServicePort, ServiceEntry } from './types.js';

export type * from './types.js';
export { DEFAULT_AFFINITY_TIMEOUT_SECONDS, servicePortNameString } from './service-ports.js';
export { categorizeEndpoints, usesClusterEndpoints, usesLocalEndpoints } from './categorize.js';

/** Rules were requested for a node the cluster does not have. */
export class UnknownNodeError extends Error {
  constructor(readonly node: string, readonly nodes: string[]) {
    super(`node "${node}" not found; the cluster's nodes are: ${nodes.join(', ')}`);
    this.name = 'UnknownNodeError';
  }
}

/** `ns/name` of a Service, or of the Service an EndpointSlice belongs to. */
export function serviceKeyOf(o: KubeObject): string | undefined {
  const ns = o.metadata.namespace ?? 'default';
  if (o.kind === 'Service') return `${ns}/${o.metadata.name}`;
  if (o.kind === 'EndpointSlice') {
    const name = o.metadata.labels?.['kubernetes.io/service-name'];
    return name ? `${ns}/${name}` : undefined;
  }
  return undefined;
}

/** Changes to feed `ProxyModel.apply`: objects added or updated, and objects removed (Services, EndpointSlices). */
export interface ProxyModelChanges {
  upsert?: KubeObject[];
  remove?: KubeObject[];
}

function nodeFromObject(o: KubeObject): ProxyNode {
  const ips = ((o.status?.addresses ?? []) as any[]).filter((a) => a?.type === 'InternalIP' && parseIPv4(a.address) !== undefined).map((a) => a.address as string);
  return { name: o.metadata.name, ips, ...(o.spec?.podCIDR ? { podCIDR: o.spec.podCIDR } : {}) };
}

/**
 * kube-proxy's inputs for a whole cluster. Mutable on purpose: `apply` re-derives only the Services a change
 * touches, and every view handed out by `forNode` refreshes just those, so incremental renders stay O(change).
 */
export class ProxyModel {
  /** The cluster CIDR kube-proxy's LocalTrafficDetector uses (`! -s <podCIDR>`): the ClusterConfig podCIDR. */
  readonly clusterCIDR: string;
  private readonly nodes = new Map<string, ProxyNode>();
  private readonly services = new Map<string, KubeObject>();
  private readonly slices = new Map<string, Map<string, KubeObject>>();
  private readonly ports = new Map<string, ProxyServicePort[]>();
  private readonly views = new Map<string, NodeProxyView>();
  private sortedKeys: string[] | undefined;

  constructor(objects: Iterable<KubeObject>, clusterCIDR: string) {
    this.clusterCIDR = clusterCIDR;
    for (const o of objects) {
      if (o.kind === 'Node') this.nodes.set(o.metadata.name, nodeFromObject(o));
      else this.store(o);
    }
    for (const key of this.services.keys()) this.derive(key);
  }

  /** The nodes, in input order. */
  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  node(name: string): ProxyNode | undefined {
    return this.nodes.get(name);
  }

  /** Keys (`ns/name`) of every Service with at least one proxied port, sorted. */
  serviceKeys(): string[] {
    this.sortedKeys ??= [...this.ports.keys()].filter((k) => this.ports.get(k)!.length > 0).sort();
    return this.sortedKeys;
  }

  /** The proxied ports of one Service (node-independent), sorted by servicePortName and protocol. */
  servicePortsOf(key: string): ProxyServicePort[] {
    return this.ports.get(key) ?? [];
  }

  /** Every proxied Service port in the cluster, sorted by servicePortName and protocol. */
  servicePorts(): ProxyServicePort[] {
    return this.serviceKeys().flatMap((k) => this.ports.get(k)!);
  }

  /** The view kube-proxy on `name` has; throws UnknownNodeError naming the cluster's nodes. */
  forNode(name: string): NodeProxyView {
    const node = this.nodes.get(name);
    if (!node) throw new UnknownNodeError(name, this.nodeNames());
    let v = this.views.get(name);
    if (!v) this.views.set(name, (v = new NodeProxyView(this, node)));
    return v;
  }

  /**
   * Applies changed or removed Services and EndpointSlices; returns the keys of the Services whose ports were
   * re-derived, sorted. Views from `forNode` are refreshed for exactly those Services.
   */
  apply(changes: ProxyModelChanges): string[] {
    const touched = new Set<string>();
    for (const o of changes.remove ?? []) {
      const key = serviceKeyOf(o);
      if (!key) continue;
      if (o.kind === 'Service') this.services.delete(key);
      else this.slices.get(key)?.delete(o.metadata.name);
      touched.add(key);
    }
    for (const o of changes.upsert ?? []) {
      const key = this.store(o);
      if (key) touched.add(key);
    }
    const keys = [...touched].sort();
    for (const key of keys) this.derive(key);
    for (const v of this.views.values()) v.refresh(keys);
    return keys;
  }

  private store(o: KubeObject): string | undefined {
    const key = serviceKeyOf(o);
    if (!key) return undefined;
    if (o.kind === 'Service') this.services.set(key, o);
    else {
      let m = this.slices.get(key);
      if (!m) this.slices.set(key, (m = new Map()));
      m.set(o.metadata.name, o);
    }
    return key;
  }

  private derive(key: string): void {
    const svc = this.services.get(key);
    const had = (this.ports.get(key)?.length ?? 0) > 0;
    const ports = svc ? servicePortsOf(svc, [...(this.slices.get(key)?.values() ?? [])]).sort(compareServicePorts) : [];
    if (ports.length > 0) this.ports.set(key, ports);
    else this.ports.delete(key);
    if (had !== ports.length > 0) this.sortedKeys = undefined;
  }
}

/** Index key of a Service address: `ip proto port`. */
function addressKey(ip: string, protocol: string, port: number): string {
  return `${ip} ${protocol} ${port}`;
}

/**
 * One node's view: every Service port categorised for this node (endpoint sets, chains, verdicts), lookups by
 * destination, and `choose`. Backends render `servicePorts()`; the simulator calls `choose`.
 */
export class NodeProxyView {
  private readonly byService = new Map<string, NodeServicePort[]>();
  private readonly byAddress = new Map<string, { sp: NodeServicePort; entry: ServiceEntry }>();
  private readonly byNodePort = new Map<string, NodeServicePort>();
  private readonly localCidrs: Cidr[];

  constructor(readonly model: ProxyModel, readonly node: ProxyNode) {
    this.localCidrs = ['127.0.0.0/8', ...node.ips.map((ip) => `${ip}/32`)].map((c) => parseCidr(c)!);
    this.refresh(model.serviceKeys());
  }

  /** The cluster CIDR (ClusterConfig podCIDR) used for masquerade decisions. */
  get clusterCIDR(): string {
    return this.model.clusterCIDR;
  }

  /** kube-proxy's nodeIP: the node's first InternalIP. */
  get nodeIP(): string | undefined {
    return this.node.ips[0];
  }

  /** Every Service port categorised for this node, sorted by servicePortName and protocol. */
  servicePorts(): NodeServicePort[] {
    return this.model.serviceKeys().flatMap((k) => this.byService.get(k) ?? []);
  }

  /** The categorised ports of one Service (`ns/name`); [] when it has none. */
  servicePortsOf(key: string): NodeServicePort[] {
    return this.byService.get(key) ?? [];
  }

  /** Whether `ip` is LOCAL on this node (addrtype LOCAL): its InternalIPs and 127.0.0.0/8. */
  isLocalAddress(ip: string): boolean {
    const n = parseIPv4(ip);
    return n !== undefined && this.localCidrs.some((c) => cidrContains(c, n));
  }

  /** The Service port (and entry kind) a destination IP, protocol and port belong to, NodePorts aside. */
  lookup(ip: string, protocol: string, port: number): { sp: NodeServicePort; entry: ServiceEntry } | undefined {
    return this.byAddress.get(addressKey(ip, protocol, port));
  }

  /** The Service port owning a NodePort. */
  lookupNodePort(protocol: string, nodePort: number): NodeServicePort | undefined {
    return this.byNodePort.get(`${protocol} ${nodePort}`);
  }

  /** What this node's rules do with a new connection (see `chooseFor` in choose.ts). */
  choose(flow: ProxyFlow): ProxyDecision {
    return chooseFor(flow, this);
  }

  /** Re-categorises the given Services (called by `ProxyModel.apply`). */
  refresh(keys: string[]): void {
    for (const key of keys) {
      for (const old of this.byService.get(key) ?? []) this.unindex(old);
      const ports = this.model.servicePortsOf(key).map((p) => categorizeForNode(p, this.node));
      if (ports.length > 0) this.byService.set(key, ports);
      else this.byService.delete(key);
      for (const sp of ports) this.index(sp);
    }
  }

  private entries(sp: NodeServicePort): [string, ServiceEntry][] {
    const p = sp.port;
    return [
      [addressKey(p.clusterIP, p.protocol, p.port), 'clusterIP'],
      ...p.externalIPs.map((ip): [string, ServiceEntry] => [addressKey(ip, p.protocol, p.port), 'externalIP']),
      ...p.loadBalancerIPs.map((ip): [string, ServiceEntry] => [addressKey(ip, p.protocol, p.port), 'loadBalancerIP']),
    ];
  }

  private index(sp: NodeServicePort): void {
    for (const [k, entry] of this.entries(sp)) if (!this.byAddress.has(k)) this.byAddress.set(k, { sp, entry });
    if (sp.port.nodePort) this.byNodePort.set(`${sp.port.protocol} ${sp.port.nodePort}`, sp);
  }

  private unindex(sp: NodeServicePort): void {
    for (const [k] of this.entries(sp)) if (this.byAddress.get(k)?.sp === sp) this.byAddress.delete(k);
    if (this.byNodePort.get(`${sp.port.protocol} ${sp.port.nodePort}`) === sp) this.byNodePort.delete(`${sp.port.protocol} ${sp.port.nodePort}`);
  }
}

/** Builds the proxy model from a built cluster's objects; the cluster CIDR is the ClusterConfig podCIDR. */
export function buildProxyModel(objects: Iterable<KubeObject>, config: Pick<ClusterConfig, 'podCIDR'>): ProxyModel {
  return new ProxyModel(objects, formatCidr(config.podCIDR));
}
