// Where a connection ends when nothing in the cluster owns its destination: a Service address on a port it lacks, an
// unused Service or pod address, or an address outside the cluster; each as the Service proxy and the kernel answer.

import { kubeProxyReplaced, type ClusterConfig } from '../../core/cluster-config.js';
import { describeObject } from '../../core/errors.js';
import { SERVICES_MAP } from '../../proxy/backends/cilium/index.js';
import type { Endpoint, Hop, Protocol } from '../types.js';
import type { AddressOwner, ClusterIndex, NodeInfo } from './cluster-index.js';
import { failure, type Failure } from './connection-plans.js';

/** A destination no pod or node has: a Service address on a port it lacks, an unused pod or Service IP, the outside. */
export function nowhere(config: ClusterConfig, index: ClusterIndex, p: { hops: Hop[]; at: NodeInfo; owner: AddressOwner; dst: Endpoint; protocol: Protocol }): Failure {
  const { hops, at, owner, dst, protocol } = p;
  const where = `${dst.ip}:${dst.port}/${protocol}`;
  const mode = config.proxyMode;
  const cilium = kubeProxyReplaced(config);
  const noRule = cilium ? `no frontend in ${SERVICES_MAP} on node ${at.name} matches ${where}` : `no kube-proxy (${mode}) rule on node ${at.name} matches ${where}`;
  const hop = (summary: string, objects: string[] = []): Hop => ({ stage: 'service', at: `node ${at.name}`, summary, objects });
  if (owner.kind === 'clusterIP' || owner.kind === 'loadBalancerIP' || owner.kind === 'externalIP') {
    const s = owner.service;
    const obj = describeObject('Service', s.metadata.namespace, s.metadata.name);
    const ports = ((s.spec?.ports ?? []) as { port: number; protocol?: string }[]).map((x) => `${x.port}/${x.protocol ?? 'TCP'}`).join(', ') || 'none';
    const what = `${dst.ip} is the ${owner.kind === 'clusterIP' ? 'cluster IP' : owner.kind === 'externalIP' ? 'external IP' : 'load-balancer IP'} of ${obj}, which has no port ${dst.port}/${protocol} (its ports: ${ports})`;
    // nftables: "Reject traffic to invalid ports of ClusterIPs" (cluster-ips-check); IPVS binds every cluster IP to
    // kube-ipvs0, so the node's own stack resets the connection. iptables lets the packet through untouched.
    if (owner.kind === 'clusterIP' && !cilium && (mode === 'nftables' || mode === 'ipvs')) {
      const why = mode === 'nftables' ? 'kube-proxy (nftables) rejects traffic to invalid ports of ClusterIPs' : 'IPVS binds the cluster IP to kube-ipvs0, and nothing on the node listens there';
      const h = hop(`${what}: ${why} (connection refused)`, [obj]);
      hops.push(h);
      return failure('refused', 'PORT_UNREACHABLE', h.summary, hops);
    }
    const h = hop(`${what}: ${noRule}, so the packet follows the node's default route out of the cluster and nothing answers`, [obj]);
    hops.push(h);
    return failure('timeout', 'NO_ROUTE', h.summary, hops);
  }
  if (owner.kind === 'service-network') {
    const why =
      !cilium && mode === 'nftables'
        ? 'kube-proxy (nftables) drops traffic to unallocated ClusterIPs'
        : `${cilium ? `no frontend in ${SERVICES_MAP} matches it` : `no kube-proxy (${mode}) rule matches it`} and the node's default route leads out of the cluster`;
    const h = hop(`no Service has the cluster IP ${dst.ip}: ${why}`);
    hops.push(h);
    return failure('timeout', 'NO_ROUTE', h.summary, hops);
  }
  if (owner.kind === 'pod-network') {
    const block = owner.node ? ` (in podCIDR of node ${owner.node.name})` : ' (in no node\'s podCIDR)';
    const msg = `no pod has ${dst.ip}${block}: the address resolves to no interface (ARP gets no answer), host unreachable`;
    hops.push({ stage: 'route', at: `node ${(owner.node ?? at).name}`, summary: msg, objects: owner.node ? [describeObject('Node', undefined, owner.node.name)] : [] });
    return failure('unreachable', 'NO_ROUTE', msg, hops);
  }
  return outside(index, hops, dst.ip, `node ${at.name}`);
}

/** An address outside every range of the cluster: nothing beyond the cluster is simulated. */
export function outside(index: ClusterIndex, hops: Hop[], ip: string, at: string): Failure {
  const msg = `${ip} is outside the cluster (${index.describeRanges()}): flatnet simulates nothing beyond the cluster`;
  hops.push({ stage: 'route', at, summary: msg, objects: [] });
  return failure('unreachable', 'NO_ROUTE', msg, hops);
}
