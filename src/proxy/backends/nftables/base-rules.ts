// The fixed part of kube-proxy's nftables ruleset that every full sync writes (setupNFTables in
// pkg/proxy/nftables/proxier.go; the `baseRules` golden of proxier_test.go, v1.35/1.36 layout).

import * as N from './names.js';

/** Settings of the fixed rules. */
export interface BaseRulesOptions {
  /** The masquerade mark as kube-proxy formats `1 << masqueradeBit` (`%#08x`: `0x00004000`); upstream tests inject `0x4000`. */
  masqueradeMark: string;
  /** Service CIDRs for the "Drop traffic to unallocated ClusterIPs" rule; none leaves the rule out, as kube-proxy does. */
  serviceCIDRs: string[];
  /** `primary`: NodePorts answer on the node's IP (the `nodeport-ips` set); `all`: on every local address but 127.0.0.0/8. */
  nodePortAddresses: 'primary' | 'all';
  /** The node's IPs that accept NodePort traffic (kube-proxy's nodeIP). */
  nodeIPs: string[];
}

const T = `ip ${N.TABLE}`;
const NO_LOCALHOST = 'ip daddr != 127.0.0.0/8';

/** Jumps from base chains to the top-level regular chains (nftablesJumpChains), in kube-proxy's order. */
const JUMPS: [string, string, string][] = [
  [N.NODEPORT_ENDPOINTS_CHECK_CHAIN, 'filter-input', 'ct state new'],
  [N.SERVICE_ENDPOINTS_CHECK_CHAIN, 'filter-input', 'ct state new'],
  [N.SERVICE_ENDPOINTS_CHECK_CHAIN, 'filter-forward', 'ct state new'],
  [N.SERVICE_ENDPOINTS_CHECK_CHAIN, 'filter-output', 'ct state new'],
  [N.FIREWALL_CHECK_CHAIN, 'filter-prerouting-pre-dnat', 'ct state new'],
  [N.FIREWALL_CHECK_CHAIN, 'filter-output-pre-dnat', 'ct state new'],
  [N.SERVICES_CHAIN, 'nat-output', ''],
  [N.SERVICES_CHAIN, 'nat-prerouting', ''],
  [N.MASQUERADING_CHAIN, 'nat-postrouting', ''],
  [N.CLUSTER_IPS_CHECK_CHAIN, 'filter-forward', 'ct state new'],
  [N.CLUSTER_IPS_CHECK_CHAIN, 'filter-output', 'ct state new'],
];

/** Every fixed chain, in the order of upstream's `baseRules` golden (which is also their creation order here). */
const FIXED_CHAINS = [
  N.CLUSTER_IPS_CHECK_CHAIN,
  'filter-prerouting-pre-dnat',
  'filter-output-pre-dnat',
  'filter-forward',
  'filter-input',
  'filter-output',
  N.FIREWALL_CHECK_CHAIN,
  N.MARK_MASQ_CHAIN,
  N.MASQUERADING_CHAIN,
  'nat-output',
  'nat-postrouting',
  'nat-prerouting',
  N.NODEPORT_ENDPOINTS_CHECK_CHAIN,
  N.REJECT_CHAIN,
  N.SERVICES_CHAIN,
  N.SERVICE_ENDPOINTS_CHECK_CHAIN,
];

function declarations(o: BaseRulesOptions): string[] {
  const out = [`add table ${T} { comment "rules for kube-proxy" ; }`, `add set ${T} ${N.CLUSTER_IPS_SET} { type ipv4_addr ; comment "Active ClusterIPs" ; }`];
  if (o.nodePortAddresses === 'primary') out.push(`add set ${T} ${N.NODEPORT_IPS_SET} { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }`);
  const addrMap = 'ipv4_addr . inet_proto . inet_service : verdict';
  const portMap = 'inet_proto . inet_service : verdict';
  out.push(
    `add map ${T} ${N.FIREWALL_IPS_MAP} { type ${addrMap} ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }`,
    `add map ${T} ${N.NO_ENDPOINT_NODEPORTS_MAP} { type ${portMap} ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }`,
    `add map ${T} ${N.NO_ENDPOINT_SERVICES_MAP} { type ${addrMap} ; comment "vmap to drop or reject packets to services with no endpoints" ; }`,
    `add map ${T} ${N.SERVICE_IPS_MAP} { type ${addrMap} ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }`,
    `add map ${T} ${N.SERVICE_NODEPORTS_MAP} { type ${portMap} ; comment "NodePort traffic" ; }`,
  );
  for (const name of FIXED_CHAINS) {
    const base = N.BASE_CHAINS.find((b) => b.name === name);
    if (base) out.push(`add chain ${T} ${name} { type ${base.type} hook ${base.hook} priority ${base.priority} ; }`);
    else if (name === N.REJECT_CHAIN) out.push(`add chain ${T} ${name} { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }`);
    else out.push(`add chain ${T} ${name}`);
  }
  return out;
}

function rules(o: BaseRulesOptions): string[] {
  const r = (chain: string, rule: string) => `add rule ${T} ${chain} ${rule}`;
  const m = o.masqueradeMark;
  const out = JUMPS.map(([to, from, extra]) => r(from, `${extra ? `${extra} ` : ''}jump ${to}`));
  out.push(
    r(N.MARK_MASQ_CHAIN, `mark set mark or ${m}`),
    r(N.MASQUERADING_CHAIN, `mark and ${m} == 0 return`),
    r(N.MASQUERADING_CHAIN, `mark set mark xor ${m}`),
    r(N.MASQUERADING_CHAIN, 'masquerade fully-random'),
    r(N.CLUSTER_IPS_CHECK_CHAIN, `ip daddr @${N.CLUSTER_IPS_SET} reject comment "Reject traffic to invalid ports of ClusterIPs"`),
  );
  if (o.serviceCIDRs.length > 0) out.push(r(N.CLUSTER_IPS_CHECK_CHAIN, `ip daddr { ${o.serviceCIDRs.join(',')} } drop comment "Drop traffic to unallocated ClusterIPs"`));
  out.push(r(N.REJECT_CHAIN, 'reject'));
  out.push(r(N.SERVICE_ENDPOINTS_CHECK_CHAIN, `ip daddr . meta l4proto . th dport vmap @${N.NO_ENDPOINT_SERVICES_MAP}`));
  const nodePorts = o.nodePortAddresses === 'primary' ? `ip daddr @${N.NODEPORT_IPS_SET}` : NO_LOCALHOST;
  out.push(r(N.NODEPORT_ENDPOINTS_CHECK_CHAIN, `${nodePorts} meta l4proto . th dport vmap @${N.NO_ENDPOINT_NODEPORTS_MAP}`));
  out.push(r(N.FIREWALL_CHECK_CHAIN, `ip daddr . meta l4proto . th dport vmap @${N.FIREWALL_IPS_MAP}`));
  out.push(r(N.SERVICES_CHAIN, `ip daddr . meta l4proto . th dport vmap @${N.SERVICE_IPS_MAP}`));
  const fib = o.nodePortAddresses === 'all' ? `fib daddr type local ${NO_LOCALHOST}` : nodePorts;
  out.push(r(N.SERVICES_CHAIN, `${fib} meta l4proto . th dport vmap @${N.SERVICE_NODEPORTS_MAP}`));
  return out;
}

/** The fixed commands of a full sync, ready for `nft -f` on an empty table. */
export function baseRules(o: BaseRulesOptions): string[] {
  const out = [...declarations(o), ...rules(o)];
  if (o.nodePortAddresses === 'primary') for (const ip of o.nodeIPs) out.push(`add element ${T} ${N.NODEPORT_IPS_SET} { ${ip} }`);
  return out;
}
