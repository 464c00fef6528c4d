// The Service frontends Cilium's agent programs on one node (what `cilium-dbg service list` prints and
// cilium_lb4_services_v2 holds), derived from the proxy model, with deterministic service and backend IDs.
//
// @example
// const table = ciliumServiceTable(model.forNode('node-1'), { kubeProxyReplacement: true, hostPorts: [] });
// serviceList(table);
// // ID   Frontend               Service Type   Backend
// // 1    10.96.0.1:443/TCP      ClusterIP      1 => 172.18.0.2:6443/TCP (active)
// // ...

import type { KubeObject } from '../../../core/types.js';
import { tabwriter } from '../../../printers/tabwriter.js';
import type { NodeProxyView, NodeServicePort, ProxyEndpoint, ProxyServicePort } from '../../model.js';

/** Cilium's service types (pkg/loadbalancer SVCType), as the list prints them. */
export type CiliumServiceType = 'ClusterIP' | 'NodePort' | 'ExternalIPs' | 'LoadBalancer' | 'HostPort';

/** A hostPort of a pod on the node, which Cilium's replacement serves as a HostPort frontend instead of portmap. */
export interface CiliumHostPort {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  hostPort: number;
  /** hostIP when it restricts the mapping to one address; undefined for every node address. */
  hostIP?: string;
  podIP: string;
  containerPort: number;
}

/**
 * The hostPorts of the running, non-hostNetwork pods on a node, sorted by protocol and port; the first pod claiming a
 * protocol and port keeps it (a second one could not have been scheduled there).
 */
export function ciliumHostPorts(objects: Iterable<KubeObject>, node: string): CiliumHostPort[] {
  const out = new Map<string, CiliumHostPort>();
  for (const o of objects) {
    if (o.kind !== 'Pod' || o.spec?.nodeName !== node || o.spec?.hostNetwork === true) continue;
    const podIP = o.status?.podIP as string | undefined;
    if (!podIP || o.status?.phase === 'Succeeded' || o.status?.phase === 'Failed') continue;
    for (const c of (o.spec?.containers ?? []) as { ports?: { hostPort?: number; containerPort: number; protocol?: CiliumHostPort['protocol']; hostIP?: string }[] }[])
      for (const port of c.ports ?? []) {
        if (!port.hostPort) continue;
        const protocol = port.protocol ?? 'TCP';
        const key = `${protocol} ${String(port.hostPort).padStart(5, '0')}`;
        const hostIP = port.hostIP && port.hostIP !== '0.0.0.0' ? port.hostIP : undefined;
        if (!out.has(key)) out.set(key, { protocol, hostPort: port.hostPort, ...(hostIP ? { hostIP } : {}), podIP, containerPort: port.containerPort });
      }
  }
  return [...out.keys()].sort().map((k) => out.get(k)!);
}

export interface CiliumBackend {
  /** The agent's backend ID: one per backend address, shared by every frontend that uses it. */
  id: number;
  /** `10.244.1.5:8080/TCP`. */
  address: string;
  state: 'active' | 'terminating';
}

export interface CiliumFrontend {
  id: number;
  /** `10.96.0.10:53/UDP`; `0.0.0.0:<port>` is the NodePort and HostPort wildcard socket-LB falls back to. */
  frontend: string;
  ip: string;
  port: number;
  protocol: string;
  type: CiliumServiceType;
  backends: CiliumBackend[];
  /** The Service port behind it (none for a HostPort). */
  servicePort?: ProxyServicePort;
}

export interface CiliumTableOptions {
  /**
   * Without the replacement Cilium programs cluster IPs only (its per-packet in-cluster load balancing); with it,
   * NodePorts (the wildcard and each node address), external IPs, load-balancer IPs and hostPorts too.
   */
  kubeProxyReplacement: boolean;
  /** The hostPorts of the node's pods (used only with the replacement). */
  hostPorts: readonly CiliumHostPort[];
}

const address = (ip: string, port: number, protocol: string) => `${ip}:${port}/${protocol.toUpperCase()}`;

/** The backends a frontend holds on this node: node-local ones where a Local traffic policy applies to it. */
function backendsOf(sp: NodeServicePort, type: CiliumServiceType): ProxyEndpoint[] {
  const p = sp.port;
  if (type === 'ClusterIP') return p.internalPolicyLocal ? sp.localEndpoints : sp.clusterEndpoints;
  return p.externalPolicyLocal ? sp.localEndpoints : sp.clusterEndpoints;
}

/**
 * Every frontend of the node in ID order. IDs follow the agent's allocation order as flatnet fixes it: Services by
 * namespace/name and port, each port's cluster IP, external IPs, NodePort (wildcard, then each node address) and
 * load-balancer IPs, then the hostPorts; backend IDs in order of first use. Real agents number in event order, so
 * the numbers differ from a live node's while the frontends and backends are the same.
 */
export function ciliumServiceTable(view: NodeProxyView, opts: CiliumTableOptions): CiliumFrontend[] {
  const out: CiliumFrontend[] = [];
  const backendIds = new Map<string, number>();
  const backend = (addr: string, ready: boolean): CiliumBackend => {
    let id = backendIds.get(addr);
    if (id === undefined) backendIds.set(addr, (id = backendIds.size + 1));
    return { id, address: addr, state: ready ? 'active' : 'terminating' };
  };
  const add = (ip: string, port: number, protocol: string, type: CiliumServiceType, endpoints: { address: string; ready: boolean }[], servicePort?: ProxyServicePort) =>
    out.push({ id: out.length + 1, frontend: address(ip, port, protocol), ip, port, protocol: protocol.toUpperCase(), type, backends: endpoints.map((e) => backend(e.address, e.ready)), ...(servicePort ? { servicePort } : {}) });
  const withProtocol = (es: ProxyEndpoint[], protocol: string) => es.map((e) => ({ address: `${e.address}/${protocol.toUpperCase()}`, ready: e.ready }));
  for (const sp of view.servicePorts()) {
    const p = sp.port;
    const eps = (type: CiliumServiceType) => withProtocol(backendsOf(sp, type), p.protocol);
    add(p.clusterIP, p.port, p.protocol, 'ClusterIP', eps('ClusterIP'), p);
    if (!opts.kubeProxyReplacement) continue;
    for (const ip of p.externalIPs) add(ip, p.port, p.protocol, 'ExternalIPs', eps('ExternalIPs'), p);
    if (p.nodePort) for (const ip of ['0.0.0.0', ...view.node.ips]) add(ip, p.nodePort, p.protocol, 'NodePort', eps('NodePort'), p);
    for (const ip of p.loadBalancerIPs) add(ip, p.port, p.protocol, 'LoadBalancer', eps('LoadBalancer'), p);
  }
  if (opts.kubeProxyReplacement)
    for (const h of opts.hostPorts) {
      const target = [{ address: address(h.podIP, h.containerPort, h.protocol), ready: true }];
      for (const ip of h.hostIP ? [h.hostIP] : ['0.0.0.0', ...view.node.ips]) add(ip, h.hostPort, h.protocol, 'HostPort', target);
    }
  return out;
}

/** The frontend a connection matched, and the backend it took, from the node's table. */
export function findFrontend(table: readonly CiliumFrontend[], ip: string, port: number, protocol: string): CiliumFrontend | undefined {
  const want = address(ip, port, protocol);
  return table.find((f) => f.frontend === want) ?? table.find((f) => f.ip === '0.0.0.0' && f.port === port && f.protocol === protocol.toUpperCase());
}

/**
 * `cilium-dbg service list` as Cilium 1.15 prints it (cilium-dbg/cmd/service_list.go): Go's tabwriter with minwidth 5,
 * padding 3 and every cell tab-terminated (so lines end in padding), `ID  Frontend  Service Type  Backend`, one line
 * per frontend with its first backend as `1 => <addr> (<state>)` and one line per further backend.
 */
export function serviceList(table: readonly CiliumFrontend[]): string {
  const lines = ['ID\tFrontend\tService Type\tBackend\t'];
  for (const f of table) {
    const bs = f.backends.map((b, i) => `${i + 1} => ${b.address} (${b.state})`);
    lines.push(`${f.id}\t${f.frontend}\t${f.type}\t${bs[0] ?? ''}\t`);
    for (const b of bs.slice(1)) lines.push(`\t\t\t${b}\t`);
  }
  return tabwriter(`${lines.join('\n')}\n`, { minwidth: 5, padding: 3, padchar: ' ' });
}
