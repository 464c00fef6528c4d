// Per-node endpoint categorisation: which endpoints Cluster and Local traffic policy use on one node and which
// chains exist, following pkg/proxy/topology.go CategorizeEndpoints and the decisions at the top of syncProxyRules.

import { cidrContains, parseCidr, parseIPv4 } from '../core/ip.js';
import type { NodeServicePort, ProxyEndpoint, ProxyNode, ProxyServicePort } from './types.js';

/** ServicePort.UsesClusterEndpoints: iTP Cluster, or reachable from outside (eTP Local still short-circuits). */
export function usesClusterEndpoints(p: ProxyServicePort): boolean {
  return !p.internalPolicyLocal || p.externallyAccessible;
}

/** ServicePort.UsesLocalEndpoints: iTP Local, or eTP Local on an externally reachable port. */
export function usesLocalEndpoints(p: ProxyServicePort): boolean {
  return p.internalPolicyLocal || (p.externalPolicyLocal && p.externallyAccessible);
}

function byAddress(a: ProxyEndpoint, b: ProxyEndpoint): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : 0;
}

/**
 * CategorizeEndpoints without topology hints: cluster endpoints are the ready ones, falling back to
 * serving+terminating ones when none is ready; local endpoints make the same choice among this node's endpoints
 * only. Upstream merges the two through a Go map (random order) when they differ; flatnet sorts by address.
 */
export function categorizeEndpoints(p: ProxyServicePort, nodeName: string) {
  const isLocal = (e: ProxyEndpoint) => e.nodeName === nodeName;
  let cluster: ProxyEndpoint[] = [];
  let local: ProxyEndpoint[] = [];
  let hasAny = false;
  if (p.endpoints.length === 0) return { cluster, local, all: cluster, hasAny };
  if (usesClusterEndpoints(p)) {
    cluster = p.endpoints.filter((e) => e.ready);
    if (cluster.length === 0) cluster = p.endpoints.filter((e) => e.serving && e.terminating);
    hasAny = cluster.length > 0;
  }
  if (!usesLocalEndpoints(p)) return { cluster, local, all: cluster, hasAny };
  let localReady = false;
  let localServingTerminating = false;
  for (const e of p.endpoints) {
    if (e.ready) {
      hasAny = true;
      if (isLocal(e)) localReady = true;
    } else if (e.serving && e.terminating) {
      hasAny = true;
      if (isLocal(e)) localServingTerminating = true;
    }
  }
  if (localReady) local = p.endpoints.filter((e) => isLocal(e) && e.ready);
  else if (localServingTerminating) local = p.endpoints.filter((e) => isLocal(e) && e.serving && e.terminating);
  if (!usesClusterEndpoints(p)) return { cluster, local, all: local, hasAny };
  // Local ready endpoints are a subset of the ready cluster endpoints; only the fallback case needs a merge.
  if (!localServingTerminating || localReady) return { cluster, local, all: cluster, hasAny };
  const merged = new Map<string, ProxyEndpoint>();
  for (const e of [...cluster, ...local]) merged.set(e.address, e);
  return { cluster, local, all: [...merged.values()].sort(byAddress), hasAny };
}

/** Categorises one Service port for one node: endpoint sets plus which chains and filter verdicts exist. */
export function categorizeForNode(p: ProxyServicePort, node: ProxyNode): NodeServicePort {
  const { cluster, local, all, hasAny } = categorizeEndpoints(p, node.name);
  const hasInternalEndpoints = hasAny && (!p.internalPolicyLocal || local.length > 0);
  const hasExternalEndpoints = hasAny && (!p.externalPolicyLocal || local.length > 0);
  const usesFirewallChain = hasAny && p.loadBalancerIPs.length > 0 && p.loadBalancerSourceRanges.length > 0;
  const nodeIP = parseIPv4(node.ips[0] ?? '');
  return {
    port: p,
    clusterEndpoints: cluster,
    localEndpoints: local,
    allReachableEndpoints: all,
    hasEndpoints: hasAny,
    hasInternalEndpoints,
    hasExternalEndpoints,
    usesClusterPolicyChain: cluster.length > 0 && usesClusterEndpoints(p),
    usesLocalPolicyChain: local.length > 0 && usesLocalEndpoints(p),
    usesExternalChain: hasAny && p.externallyAccessible,
    usesFirewallChain,
    firewallAllowsLoadBalancerIPs:
      usesFirewallChain && nodeIP !== undefined && p.loadBalancerSourceRanges.some((r) => cidrContains(parseCidr(r)!, nodeIP)),
  };
}
