// Where kube-proxy's rules on one node send a new connection: the decision the connection simulator uses, derived
// from the same categorisation the renderers use (summarised in kube-proxy.md §2.7), so rules and simulation agree.

import { cidrContains, parseCidr, parseIPv4 } from '../core/ip.js';
import type { NodeServicePort, ProxyCandidate, ProxyDecision, ProxyEndpoint, ProxyFlow, ServiceEntry } from './types.js';

/** What `choose` needs to know about the node besides its Service ports. */
export interface ChooseContext {
  /** The cluster's pod CIDR: sources inside it are "local traffic" to kube-proxy's LocalTrafficDetector. */
  clusterCIDR: string;
  /** Whether an address is LOCAL to the node (`-m addrtype --dst-type LOCAL`, `fib daddr type local`). */
  isLocalAddress(ip: string): boolean;
  /** Looks up the Service port whose ClusterIP, external IP or LB IP and port match, and how. */
  lookup(ip: string, protocol: string, port: number): { sp: NodeServicePort; entry: ServiceEntry } | undefined;
  /** Looks up the Service port with this NodePort and protocol. */
  lookupNodePort(protocol: string, nodePort: number): NodeServicePort | undefined;
}

function inCidr(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr, true);
  const n = parseIPv4(ip);
  return c !== undefined && n !== undefined && cidrContains(c, n);
}

/** 1/n for each endpoint: what the chain of `--probability 1/(n-i)` rules (or numgen, or rr) amounts to. */
function spread(endpoints: ProxyEndpoint[], sourceIP: string, masquerade: boolean): ProxyCandidate[] {
  // Hairpin: an endpoint reaching itself through its Service is always masqueraded (the KUBE-SEP `-s <ip>` rule).
  return endpoints.map((endpoint) => ({ endpoint, probability: 1 / endpoints.length, masquerade: masquerade || endpoint.ip === sourceIP }));
}

function dnat(sp: NodeServicePort, entry: ServiceEntry, policy: 'Cluster' | 'Local', endpoints: ProxyEndpoint[], flow: ProxyFlow, masquerade: boolean, reason: string): ProxyDecision {
  const t = sp.port.affinityTimeoutSeconds;
  return { verdict: 'dnat', entry, servicePort: sp.port, policy, candidates: spread(endpoints, flow.sourceIP, masquerade), ...(t !== undefined ? { affinityTimeoutSeconds: t } : {}), reason };
}

function clusterIPDecision(sp: NodeServicePort, flow: ProxyFlow, ctx: ChooseContext): ProxyDecision {
  const p = sp.port;
  if (!sp.hasEndpoints) return { verdict: 'reject', entry: 'clusterIP', servicePort: p, reason: `${p.servicePortName} has no endpoints` };
  if (!sp.hasInternalEndpoints) return { verdict: 'drop', entry: 'clusterIP', servicePort: p, reason: `${p.servicePortName} has no local endpoints` };
  // Off-cluster sources are masqueraded so that replies come back through this node (`! -s <podCIDR>`).
  const masq = !inCidr(ctx.clusterCIDR, flow.sourceIP);
  if (p.internalPolicyLocal) return dnat(sp, 'clusterIP', 'Local', sp.localEndpoints, flow, masq, 'internalTrafficPolicy Local: this node\'s endpoints');
  return dnat(sp, 'clusterIP', 'Cluster', sp.clusterEndpoints, flow, masq, 'cluster IP: all usable endpoints');
}

/** The KUBE-EXT / `external-` chain: eTP Cluster masquerades; eTP Local keeps the client IP, short-circuits pods and the host. */
function externalDecision(sp: NodeServicePort, entry: ServiceEntry, flow: ProxyFlow, ctx: ChooseContext): ProxyDecision {
  const p = sp.port;
  if (!p.externalPolicyLocal) return dnat(sp, entry, 'Cluster', sp.clusterEndpoints, flow, true, 'external destination, externalTrafficPolicy Cluster: masqueraded');
  if (inCidr(ctx.clusterCIDR, flow.sourceIP)) return dnat(sp, entry, 'Cluster', sp.clusterEndpoints, flow, false, 'pod traffic to an external destination short-circuits to the cluster endpoints');
  if (ctx.isLocalAddress(flow.sourceIP)) return dnat(sp, entry, 'Cluster', sp.clusterEndpoints, flow, true, 'traffic from the node itself goes to the cluster endpoints, masqueraded');
  if (!sp.hasExternalEndpoints) return { verdict: 'drop', entry, servicePort: p, reason: `${p.servicePortName} has no local endpoints` };
  return dnat(sp, entry, 'Local', sp.localEndpoints, flow, false, 'externalTrafficPolicy Local: this node\'s endpoints, client IP preserved');
}

function firewallAllows(sp: NodeServicePort, sourceIP: string): boolean {
  if (sp.port.loadBalancerSourceRanges.some((r) => inCidr(r, sourceIP))) return true;
  return sp.firewallAllowsLoadBalancerIPs && sp.port.loadBalancerIPs.includes(sourceIP);
}

/**
 * Decides what happens to a new connection on a node: DNAT to candidate endpoints (with probabilities and
 * masquerade), REJECT, DROP, or `none` when no Service captures it. Entry points are checked in kube-proxy's
 * order: Service IPs (ClusterIP, external IPs, LB IPs), then NodePorts on local addresses.
 */
export function chooseFor(flow: ProxyFlow, ctx: ChooseContext): ProxyDecision {
  const hit = ctx.lookup(flow.destinationIP, flow.protocol, flow.destinationPort);
  if (hit) {
    const { sp, entry } = hit;
    if (entry === 'clusterIP') return clusterIPDecision(sp, flow, ctx);
    if (!sp.hasEndpoints) return { verdict: 'reject', entry, servicePort: sp.port, reason: `${sp.port.servicePortName} has no endpoints` };
    if (entry === 'loadBalancerIP' && sp.usesFirewallChain && !firewallAllows(sp, flow.sourceIP))
      return { verdict: 'drop', entry, servicePort: sp.port, reason: `${sp.port.servicePortName}: source ${flow.sourceIP} is outside loadBalancerSourceRanges` };
    return externalDecision(sp, entry, flow, ctx);
  }
  if (ctx.isLocalAddress(flow.destinationIP)) {
    const sp = ctx.lookupNodePort(flow.protocol, flow.destinationPort);
    if (sp) {
      // NodePorts ignore loadBalancerSourceRanges (upstream: "for better or for worse").
      if (!sp.hasEndpoints) {
        // From the host, filter OUTPUT reaches KUBE-FIREWALL (route_localnet hardening) before any REJECT: it drops
        // un-DNATed packets to 127.0.0.0/8 from non-loopback sources.
        if (inCidr('127.0.0.0/8', flow.destinationIP) && ctx.isLocalAddress(flow.sourceIP) && !inCidr('127.0.0.0/8', flow.sourceIP))
          return { verdict: 'drop', entry: 'nodePort', servicePort: sp.port, reason: 'KUBE-FIREWALL blocks incoming localnet connections' };
        return { verdict: 'reject', entry: 'nodePort', servicePort: sp.port, reason: `${sp.port.servicePortName} has no endpoints` };
      }
      return externalDecision(sp, 'nodePort', flow, ctx);
    }
  }
  return { verdict: 'none', reason: `no Service captures ${flow.protocol} ${flow.destinationIP}:${flow.destinationPort}` };
}
