// The nftables objects one Service port contributes on one node, in kube-proxy's syncProxyRules order
// (pkg/proxy/nftables/proxier.go; kube-proxy.md §3.4): affinity sets, endpoint chains, policy, external and
// firewall chains, and elements of the shared verdict maps.

import type { NodeServicePort, ProxyEndpoint, ProxyServicePort } from '../../types.js';
import * as N from './names.js';

/** One element of a shared set or map. */
export interface FragmentElement {
  set: string;
  key: string;
  value?: string;
  comment?: string;
}

/** A regular chain with its rules; `endpointMap` names the named map its `numgen` rule looks up, if any. */
export interface FragmentChain {
  name: string;
  rules: string[];
  endpointMap?: { name: string; elements: string[] };
}

/** Everything one Service port contributes to table `ip kube-proxy`. */
export interface NftServiceFragment {
  servicePortName: string;
  /** Affinity sets, by name. */
  affinitySets: string[];
  affinityTimeout: number;
  /** Chains in write order: endpoint chains, then policy, external and firewall chains. */
  chains: FragmentChain[];
  elements: FragmentElement[];
}

/** What the fragment writer needs besides the Service port. */
export interface FragmentContext {
  /** The cluster CIDR of kube-proxy's LocalTrafficDetector (`ip saddr != <cidr>`). */
  clusterCIDR: string;
  /**
   * `named`: one `typeof numgen` map per policy chain; `anonymous`: kube-proxy's inline vmap; `rules`: one
   * `numgen random mod n-i 0 goto` rule per endpoint (iptables-style 1/(n-i) chances, no per-Service set).
   */
  endpointMaps: 'named' | 'anonymous' | 'rules';
}

const names = new WeakMap<ProxyServicePort, N.ServicePortChainNames>();
const endpointNames = new WeakMap<ProxyEndpoint, string>();

/** The port's chain names, hashed once per derived ServicePort. */
export function chainNamesOf(p: ProxyServicePort): N.ServicePortChainNames {
  let n = names.get(p);
  if (!n) names.set(p, (n = N.servicePortChainNames(p)));
  return n;
}

/** The endpoint's hashed base (`HASH-ns/svc/proto/port__ip/port`), shared by its chain and affinity set. */
export function endpointBaseOf(p: ProxyServicePort, e: ProxyEndpoint): string {
  let n = endpointNames.get(e);
  if (!n) endpointNames.set(e, (n = N.endpointChainBase(p, e.ip, e.port)));
  return n;
}

const MASQ = `jump ${N.MARK_MASQ_CHAIN}`;

/** Session-affinity checks, then the random choice among `endpoints` (writeServiceToEndpointRules). */
function policyChain(sp: NodeServicePort, name: string, endpoints: ProxyEndpoint[], masq: string | undefined, ctx: FragmentContext): FragmentChain {
  const p = sp.port;
  const rules: string[] = masq ? [masq] : [];
  if (p.affinityTimeoutSeconds !== undefined)
    for (const e of endpoints) {
      const base = endpointBaseOf(p, e);
      rules.push(`ip saddr @affinity-${base} goto endpoint-${base}`);
    }
  if (ctx.endpointMaps === 'rules') {
    const n = endpoints.length;
    endpoints.forEach((e, i) => rules.push(`${i < n - 1 ? `numgen random mod ${n - i} 0 ` : ''}goto endpoint-${endpointBaseOf(p, e)}`));
    return { name, rules };
  }
  const elements = endpoints.map((e, i) => `${i} : goto endpoint-${endpointBaseOf(p, e)}`);
  if (ctx.endpointMaps === 'anonymous') {
    rules.push(`numgen random mod ${endpoints.length} vmap { ${elements.join(' , ')} }`);
    return { name, rules };
  }
  rules.push(`numgen random mod ${endpoints.length} vmap @${name}`);
  return { name, rules, endpointMap: { name, elements } };
}

/** The external chain: masquerade and dispatch (eTP Cluster), or short-circuits then the local chain (eTP Local). */
function externalChain(sp: NodeServicePort, ctx: FragmentContext): FragmentChain {
  const n = chainNamesOf(sp.port);
  const rules: string[] = [];
  if (!sp.port.externalPolicyLocal) rules.push(MASQ);
  else {
    rules.push(`ip saddr ${ctx.clusterCIDR} goto ${n.clusterPolicy} comment "short-circuit pod traffic"`);
    rules.push(`fib saddr type local ${MASQ} comment "masquerade local traffic"`);
    rules.push(`fib saddr type local goto ${n.clusterPolicy} comment "short-circuit local traffic"`);
  }
  if (sp.hasExternalEndpoints) rules.push(`goto ${sp.port.externalPolicyLocal ? n.localPolicy : n.clusterPolicy}`);
  return { name: n.external, rules };
}

/** The firewall chain: drop sources outside loadBalancerSourceRanges (plus the LB IPs when a range holds the node). */
function firewallChain(sp: NodeServicePort): FragmentChain {
  const sources = [...sp.port.loadBalancerSourceRanges, ...(sp.firewallAllowsLoadBalancerIPs ? sp.port.loadBalancerIPs : [])];
  return { name: chainNamesOf(sp.port).firewall, rules: [`ip saddr != { ${sources.join(' , ')} } drop`] };
}

function endpointChain(p: ProxyServicePort, e: ProxyEndpoint): FragmentChain {
  const base = endpointBaseOf(p, e);
  const rules = [`ip saddr ${e.ip} ${MASQ}`];
  if (p.affinityTimeoutSeconds !== undefined) rules.push(`update @affinity-${base} { ip saddr }`);
  rules.push(`meta l4proto ${p.protocol} dnat to ${e.address}`);
  return { name: `endpoint-${base}`, rules };
}

function chainsOf(sp: NodeServicePort, ctx: FragmentContext): FragmentChain[] {
  const p = sp.port;
  const n = chainNamesOf(p);
  const chains = sp.allReachableEndpoints.map((e) => endpointChain(p, e));
  const masq = sp.hasInternalEndpoints ? `ip daddr ${p.clusterIP} ip saddr != ${ctx.clusterCIDR} ${MASQ}` : undefined;
  if (sp.usesClusterPolicyChain) chains.push(policyChain(sp, n.clusterPolicy, sp.clusterEndpoints, p.internalPolicyLocal ? undefined : masq, ctx));
  if (sp.usesLocalPolicyChain) chains.push(policyChain(sp, n.localPolicy, sp.localEndpoints, p.internalPolicyLocal ? masq : undefined, ctx));
  if (sp.usesExternalChain) chains.push(externalChain(sp, ctx));
  if (sp.usesFirewallChain) chains.push(firewallChain(sp));
  return chains;
}

/** The elements the port puts in cluster-ips, service-ips, service-nodeports, firewall-ips and the no-endpoint maps. */
function elementsOf(sp: NodeServicePort): FragmentElement[] {
  const p = sp.port;
  const n = chainNamesOf(p);
  const spn = p.servicePortName;
  const key = (ip: string) => `${ip} . ${p.protocol} . ${p.port}`;
  const noEndpointVerdict = sp.hasEndpoints ? 'drop' : `goto ${N.REJECT_CHAIN}`;
  const out: FragmentElement[] = [{ set: N.CLUSTER_IPS_SET, key: p.clusterIP }];
  if (sp.hasInternalEndpoints) out.push({ set: N.SERVICE_IPS_MAP, key: key(p.clusterIP), value: `goto ${p.internalPolicyLocal ? n.localPolicy : n.clusterPolicy}` });
  else out.push({ set: N.NO_ENDPOINT_SERVICES_MAP, key: key(p.clusterIP), value: noEndpointVerdict, comment: spn });
  const toExternal = `goto ${n.external}`;
  for (const ip of p.externalIPs) {
    if (sp.hasEndpoints) out.push({ set: N.SERVICE_IPS_MAP, key: key(ip), value: toExternal });
    if (!sp.hasExternalEndpoints) out.push({ set: N.NO_ENDPOINT_SERVICES_MAP, key: key(ip), value: noEndpointVerdict, comment: spn });
  }
  for (const ip of p.loadBalancerIPs) {
    if (sp.hasEndpoints) out.push({ set: N.SERVICE_IPS_MAP, key: key(ip), value: toExternal });
    if (sp.usesFirewallChain) out.push({ set: N.FIREWALL_IPS_MAP, key: key(ip), value: `goto ${n.firewall}` });
  }
  if (!sp.hasExternalEndpoints)
    for (const ip of p.loadBalancerIPs) out.push({ set: N.NO_ENDPOINT_SERVICES_MAP, key: key(ip), value: noEndpointVerdict, comment: spn });
  if (p.nodePort) {
    const npKey = `${p.protocol} . ${p.nodePort}`;
    if (sp.hasEndpoints) out.push({ set: N.SERVICE_NODEPORTS_MAP, key: npKey, value: toExternal });
    if (!sp.hasExternalEndpoints) out.push({ set: N.NO_ENDPOINT_NODEPORTS_MAP, key: npKey, value: noEndpointVerdict, comment: spn });
  }
  return out;
}

/** Builds the port's fragment. */
export function serviceFragment(sp: NodeServicePort, ctx: FragmentContext): NftServiceFragment {
  const p = sp.port;
  const affinitySets = p.affinityTimeoutSeconds !== undefined ? sp.allReachableEndpoints.map((e) => `affinity-${endpointBaseOf(p, e)}`) : [];
  return { servicePortName: p.servicePortName, affinitySets, affinityTimeout: p.affinityTimeoutSeconds ?? 0, chains: chainsOf(sp, ctx), elements: elementsOf(sp) };
}

/** `add element` text for one element. */
export function elementCommand(verb: 'add' | 'delete', e: FragmentElement): string {
  if (verb === 'delete') return `delete element ip kube-proxy ${e.set} { ${e.key} }`;
  return `add element ip kube-proxy ${e.set} { ${e.key}${e.comment !== undefined ? ` comment "${e.comment}"` : ''}${e.value !== undefined ? ` : ${e.value}` : ''} }`;
}

/** The `add set` declaration of an affinity set. */
export function affinitySetCommand(name: string, timeout: number): string {
  return `add set ip kube-proxy ${name} { type ipv4_addr ; flags dynamic,timeout ; timeout ${timeout}s ; }`;
}

/** The `add map` declaration of a named endpoint map. */
export function endpointMapCommand(name: string): string {
  return `add map ip kube-proxy ${name} { typeof numgen random mod 1 : verdict ; }`;
}
