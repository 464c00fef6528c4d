// The iptables-restore lines of one Service port on one node, in the exact order and text kube-proxy's
// syncProxyRules writes them (pkg/proxy/iptables/proxier.go; kube-proxy.md §2.4).

import type { NodeServicePort, ProxyEndpoint } from '../../types.js';
import { chainsOf, sepOf } from './names.js';

/** Everything one Service port contributes to the restore payload; text blocks hold whole lines, each ending in \n. */
export interface ServiceFragment {
  /** filter-table rules, in write order (they go to KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS, KUBE-PROXY-FIREWALL). */
  filterText: string;
  /** nat chain names this port owns (KUBE-EXT/FW/SVC/SVL/SEP), in declaration order. */
  natChains: string[];
  /** The `:CHAIN - [0:0]` lines of natChains. */
  natChainsText: string;
  /** nat rules, in write order: KUBE-SERVICES and KUBE-NODEPORTS rules first, then the port's own chains. */
  natText: string;
  /** How many endpoints the port has (all conditions), for kube-proxy's large-cluster mode. */
  endpointCount: number;
}

/** Lines being collected for one fragment. */
interface FragmentLines {
  filter: string[];
  natChains: string[];
  nat: string[];
}

/** The lines of a text block (without the final empty string). */
export function blockLines(text: string): string[] {
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

function block(lines: string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** What the fragment writer needs besides the Service port. */
export interface FragmentContext {
  /** The cluster CIDR for the `! -s <cidr>` / `-s <cidr>` local-traffic matches. */
  clusterCIDR: string;
  /** Write `-m nfacct --nfacct-name localhost_nps_accepted_pkts` NodePort rules (kube-proxy does when it could create the counter). */
  nfacct: boolean;
  /** IPv4 and --iptables-localhost-nodeports (default true). */
  localhostNodePorts: boolean;
  /** Large-cluster mode (more than 1000 endpoints): comments are left off SEP rules and SVC/SVL jumps. */
  largeCluster: boolean;
}

// kube-proxy precomputes the strings for n ≤ 1000 (precomputeProbabilities); so does flatnet.
const PROBABILITIES: string[] = [];

/** `%0.10f` of 1/n, as kube-proxy's computeProbability writes it. */
export function probability(n: number): string {
  if (n > 1000) return (1 / n).toFixed(10);
  return (PROBABILITIES[n] ??= (1 / n).toFixed(10));
}

/** `-m comment --comment <c>` unless in large-cluster mode (appendServiceCommentLocked). */
function serviceComment(ctx: FragmentContext, comment: string): string {
  return ctx.largeCluster ? '' : ` -m comment --comment ${comment}`;
}

/** The KUBE-SVC / KUBE-SVL dispatch: affinity `recent` checks first, then 1/(n-i) statistic jumps. */
function dispatchRules(sp: NodeServicePort, chain: string, endpoints: ProxyEndpoint[], ctx: FragmentContext, out: string[]): void {
  const p = sp.port;
  if (p.affinityTimeoutSeconds !== undefined)
    for (const e of endpoints) {
      const sep = sepOf(p, e);
      out.push(`-A ${chain}${serviceComment(ctx, `"${p.servicePortName} -> ${e.address}"`)} -m recent --name ${sep} --rcheck --seconds ${p.affinityTimeoutSeconds} --reap -j ${sep}`);
    }
  const n = endpoints.length;
  endpoints.forEach((e, i) => {
    const stat = i < n - 1 ? ` -m statistic --mode random --probability ${probability(n - i)}` : '';
    out.push(`-A ${chain}${serviceComment(ctx, `"${p.servicePortName} -> ${e.address}"`)}${stat} -j ${sepOf(p, e)}`);
  });
}

/** KUBE-SERVICES, KUBE-NODEPORTS and the filter verdicts for the port's entry points. */
function entryRules(sp: NodeServicePort, ctx: FragmentContext, f: FragmentLines): void {
  const p = sp.port;
  const names = chainsOf(p);
  const spn = p.servicePortName;
  const proto = `-m ${p.protocol} -p ${p.protocol}`;
  const internalChain = p.internalPolicyLocal ? names.svl : names.svc;
  const noEndpoints = !sp.hasEndpoints;
  const internalFilter = noEndpoints ? { c: `"${spn} has no endpoints"`, t: 'REJECT' } : { c: `"${spn} has no local endpoints"`, t: 'DROP' };
  const externalFilter = internalFilter;
  const lbChain = sp.usesFirewallChain ? names.fw : names.ext;
  if (sp.hasInternalEndpoints) f.nat.push(`-A KUBE-SERVICES -m comment --comment "${spn} cluster IP" ${proto} -d ${p.clusterIP} --dport ${p.port} -j ${internalChain}`);
  else f.filter.push(`-A KUBE-SERVICES -m comment --comment ${internalFilter.c} ${proto} -d ${p.clusterIP} --dport ${p.port} -j ${internalFilter.t}`);
  for (const ip of p.externalIPs) {
    if (sp.hasEndpoints) f.nat.push(`-A KUBE-SERVICES -m comment --comment "${spn} external IP" ${proto} -d ${ip} --dport ${p.port} -j ${names.ext}`);
    if (!sp.hasExternalEndpoints) f.filter.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment ${externalFilter.c} ${proto} -d ${ip} --dport ${p.port} -j ${externalFilter.t}`);
  }
  for (const ip of p.loadBalancerIPs) {
    if (sp.hasEndpoints) f.nat.push(`-A KUBE-SERVICES -m comment --comment "${spn} loadbalancer IP" ${proto} -d ${ip} --dport ${p.port} -j ${lbChain}`);
    if (sp.usesFirewallChain) f.filter.push(`-A KUBE-PROXY-FIREWALL -m comment --comment "${spn} traffic not accepted by ${names.fw}" ${proto} -d ${ip} --dport ${p.port} -j DROP`);
  }
  if (!sp.hasExternalEndpoints)
    for (const ip of p.loadBalancerIPs) f.filter.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment ${externalFilter.c} ${proto} -d ${ip} --dport ${p.port} -j ${externalFilter.t}`);
  if (p.nodePort !== 0) {
    if (sp.hasEndpoints) {
      if (ctx.localhostNodePorts && ctx.nfacct)
        f.nat.push(`-A KUBE-NODEPORTS -m comment --comment ${spn} ${proto} -d 127.0.0.0/8 --dport ${p.nodePort} -m nfacct --nfacct-name localhost_nps_accepted_pkts -j ${names.ext}`);
      f.nat.push(`-A KUBE-NODEPORTS -m comment --comment ${spn} ${proto} --dport ${p.nodePort} -j ${names.ext}`);
    }
    if (!sp.hasExternalEndpoints)
      f.filter.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment ${externalFilter.c} -m addrtype --dst-type LOCAL ${proto} --dport ${p.nodePort} -j ${externalFilter.t}`);
  }
  if (p.healthCheckNodePort !== 0)
    f.filter.push(`-A KUBE-NODEPORTS -m comment --comment "${spn} health check node port" -m tcp -p tcp --dport ${p.healthCheckNodePort} -j ACCEPT`);
}

/** The port's own nat chains: internal masquerade, KUBE-EXT, KUBE-FW, KUBE-SVC, KUBE-SVL, KUBE-SEP. */
function chainRules(sp: NodeServicePort, ctx: FragmentContext, f: FragmentLines): void {
  const p = sp.port;
  const names = chainsOf(p);
  const spn = p.servicePortName;
  const proto = `-m ${p.protocol} -p ${p.protocol}`;
  const internalChain = p.internalPolicyLocal ? names.svl : names.svc;
  if (sp.hasInternalEndpoints)
    f.nat.push(`-A ${internalChain} -m comment --comment "${spn} cluster IP" ${proto} -d ${p.clusterIP} --dport ${p.port} ! -s ${ctx.clusterCIDR} -j KUBE-MARK-MASQ`);
  if (sp.usesExternalChain) {
    f.natChains.push(names.ext);
    if (!p.externalPolicyLocal) f.nat.push(`-A ${names.ext} -m comment --comment "masquerade traffic for ${spn} external destinations" -j KUBE-MARK-MASQ`);
    else {
      f.nat.push(`-A ${names.ext} -m comment --comment "pod traffic for ${spn} external destinations" -s ${ctx.clusterCIDR} -j ${names.svc}`);
      f.nat.push(`-A ${names.ext} -m comment --comment "masquerade LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
      f.nat.push(`-A ${names.ext} -m comment --comment "route LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${names.svc}`);
    }
    if (sp.hasExternalEndpoints) f.nat.push(`-A ${names.ext} -j ${p.externalPolicyLocal ? names.svl : names.svc}`);
  }
  if (sp.usesFirewallChain) {
    f.natChains.push(names.fw);
    const head = `-A ${names.fw} -m comment --comment "${spn} loadbalancer IP"`;
    for (const cidr of p.loadBalancerSourceRanges) f.nat.push(`${head} -s ${cidr} -j ${names.ext}`);
    if (sp.firewallAllowsLoadBalancerIPs) for (const ip of p.loadBalancerIPs) f.nat.push(`${head} -s ${ip} -j ${names.ext}`);
    f.nat.push(`-A ${names.fw} -m comment --comment "other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL"`);
  }
  if (sp.usesClusterPolicyChain) {
    f.natChains.push(names.svc);
    dispatchRules(sp, names.svc, sp.clusterEndpoints, ctx, f.nat);
  }
  if (sp.usesLocalPolicyChain) {
    f.natChains.push(names.svl);
    dispatchRules(sp, names.svl, sp.localEndpoints, ctx, f.nat);
  }
  for (const e of sp.allReachableEndpoints) {
    const sep = sepOf(p, e);
    f.natChains.push(sep);
    const head = `-A ${sep}${serviceComment(ctx, spn)}`;
    f.nat.push(`${head} -s ${e.ip} -j KUBE-MARK-MASQ`);
    const recent = p.affinityTimeoutSeconds !== undefined ? ` -m recent --name ${sep} --set` : '';
    f.nat.push(`${head}${recent} ${proto} -j DNAT --to-destination ${e.address}`);
  }
}

/** Renders one Service port for one node. */
export function serviceFragment(sp: NodeServicePort, ctx: FragmentContext): ServiceFragment {
  const f: FragmentLines = { filter: [], natChains: [], nat: [] };
  entryRules(sp, ctx, f);
  chainRules(sp, ctx, f);
  return {
    filterText: block(f.filter),
    natChains: f.natChains,
    natChainsText: block(f.natChains.map((c) => `:${c} - [0:0]`)),
    natText: block(f.nat),
    endpointCount: sp.port.endpoints.length,
  };
}
