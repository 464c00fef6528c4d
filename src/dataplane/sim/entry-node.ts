// The node where an external client's packets enter the cluster: the one asked for, the one owning the address,
// or for load-balancer and external IPs the node a load balancer would pick.

import { NotFoundError } from '../../core/errors.js';
import { categorizeEndpoints, type ProxyModel } from '../../proxy/model.js';
import type { ConnectRequest } from '../types.js';
import type { AddressOwner, ClusterIndex, NodeInfo } from './cluster-index.js';

export interface EntryNode {
  node: NodeInfo;
  /** Why this node, for the source hop. */
  why: string;
}

/**
 * Where an external connection enters: `req.entryNode`; else the node owning `to.ip` (a node address, or the node
 * running the pod or holding the podCIDR block); else, for Service addresses, the first node in cluster order a load
 * balancer uses. Load balancers skip nodes labelled node.kubernetes.io/exclude-from-external-load-balancers, and under
 * externalTrafficPolicy Local their health checks (healthCheckNodePort) pass only on nodes with a local endpoint.
 * Undefined when the address is outside the cluster.
 */
export function entryNodeFor(index: ClusterIndex, model: () => ProxyModel, req: ConnectRequest, target: AddressOwner): EntryNode | undefined {
  if (req.entryNode !== undefined) {
    const n = index.node(req.entryNode);
    if (!n) throw new NotFoundError('nodes', req.entryNode);
    if (target.kind === 'outside' || target.kind === 'loopback') return undefined;
    return { node: n, why: 'the entry node asked for' };
  }
  switch (target.kind) {
    case 'node':
      return { node: target.node, why: 'the node owning the address' };
    case 'pod': {
      const n = index.node(target.pod.spec?.nodeName ?? '');
      return n && { node: n, why: `the node running the pod, which routes its podCIDR` };
    }
    case 'pod-network':
      return target.node ? { node: target.node, why: 'the node whose podCIDR holds the address' } : firstNode(index, 'the first node in cluster order');
    case 'clusterIP':
    case 'service-network':
      return firstNode(index, 'the first node in cluster order (a router with a route to the service CIDR)');
    case 'loadBalancerIP':
    case 'externalIP': {
      const eligible = balancedNodes(index);
      const s = target.service;
      const key = `${s.metadata.namespace ?? 'default'}/${s.metadata.name}`;
      const protocol = req.protocol.toLowerCase();
      const port = model()
        .servicePortsOf(key)
        .find((p) => p.port === req.to.port && p.protocol === protocol);
      if (port?.externalPolicyLocal) {
        const local = eligible.find((n) => categorizeEndpoints(port, n.name).local.length > 0);
        if (local) return { node: local, why: 'the first node in cluster order with a local endpoint (externalTrafficPolicy Local: the load balancer health-checks healthCheckNodePort)' };
      }
      return eligible[0] && { node: eligible[0], why: `the first node in cluster order the load balancer sends to${eligible[0] !== index.nodes[0] ? ' (nodes labelled node.kubernetes.io/exclude-from-external-load-balancers are skipped)' : ''}` };
    }
    default:
      return undefined;
  }
}

/** Nodes a load balancer sends to: with an address, not excluded; every node with an address if all are excluded. */
function balancedNodes(index: ClusterIndex): NodeInfo[] {
  const addressed = index.nodes.filter((n) => n.ip !== undefined);
  const eligible = addressed.filter((n) => !n.excludedFromLoadBalancers);
  return eligible.length ? eligible : addressed;
}

function firstNode(index: ClusterIndex, why: string): EntryNode | undefined {
  const n = index.nodes.find((x) => x.ip !== undefined);
  return n && { node: n, why };
}
