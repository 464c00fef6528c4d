// The iptables rules kube-proxy's IPVS mode writes around its ipsets (pkg/proxy/ipvs/proxier.go writeIptablesRules,
// createAndLinkKubeChain): one iptables-restore payload (nat, then filter) and the jump rules from built-in chains.

import { IPSETS, IpsetName } from './ipsets.js';

export interface IpvsIptablesOptions {
  masqueradeMark: string;
  randomFully: boolean;
  /** The LocalTrafficDetector's cluster CIDR (`! -s <cidr>` on ClusterIP masquerade). */
  clusterCIDR: string;
  /** LoadBalancer IP:port entries the node itself must not reach (source ranges that exclude the node). */
  lbNoNodeAccess: { ip: string; protocol: string; port: number }[];
}

const NAT_CHAINS = ['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-NODE-PORT', 'KUBE-LOAD-BALANCER', 'KUBE-MARK-MASQ'];
const FILTER_CHAINS = ['KUBE-FORWARD', 'KUBE-NODE-PORT', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'KUBE-IPVS-FILTER', 'KUBE-IPVS-OUT-FILTER'];

/** ipsetWithIptablesChain: [set, table, from chain, target, match type, protocol]. */
const SET_RULES: [IpsetName, 'nat' | 'filter', string, string, string, string][] = [
  ['KUBE-LOOP-BACK', 'nat', 'KUBE-POSTROUTING', 'MASQUERADE', 'dst,dst,src', ''],
  ['KUBE-LOAD-BALANCER', 'nat', 'KUBE-SERVICES', 'KUBE-LOAD-BALANCER', 'dst,dst', ''],
  ['KUBE-LOAD-BALANCER-LOCAL', 'nat', 'KUBE-LOAD-BALANCER', 'RETURN', 'dst,dst', ''],
  ['KUBE-NODE-PORT-LOCAL-TCP', 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst', 'tcp'],
  ['KUBE-NODE-PORT-TCP', 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst', 'tcp'],
  ['KUBE-NODE-PORT-LOCAL-UDP', 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst', 'udp'],
  ['KUBE-NODE-PORT-UDP', 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst', 'udp'],
  ['KUBE-NODE-PORT-LOCAL-SCTP-HASH', 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst,dst', 'sctp'],
  ['KUBE-NODE-PORT-SCTP-HASH', 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst,dst', 'sctp'],
  ['KUBE-LOAD-BALANCER-FW', 'filter', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'dst,dst', ''],
  ['KUBE-LOAD-BALANCER-SOURCE-CIDR', 'filter', 'KUBE-SOURCE-RANGES-FIREWALL', 'RETURN', 'dst,dst,src', ''],
  ['KUBE-LOAD-BALANCER-SOURCE-IP', 'filter', 'KUBE-SOURCE-RANGES-FIREWALL', 'RETURN', 'dst,dst,src', ''],
];

/** iptablesJumpChain: [table, built-in chain, kube chain, comment], each prepended in this order. */
const JUMPS: [string, string, string, string][] = [
  ['nat', 'OUTPUT', 'KUBE-SERVICES', 'kubernetes service portals'],
  ['nat', 'PREROUTING', 'KUBE-SERVICES', 'kubernetes service portals'],
  ['nat', 'POSTROUTING', 'KUBE-POSTROUTING', 'kubernetes postrouting rules'],
  ['filter', 'FORWARD', 'KUBE-FORWARD', 'kubernetes forwarding rules'],
  ['filter', 'INPUT', 'KUBE-NODE-PORT', 'kubernetes health check rules'],
  ['filter', 'INPUT', 'KUBE-PROXY-FIREWALL', 'kube-proxy firewall rules'],
  ['filter', 'FORWARD', 'KUBE-PROXY-FIREWALL', 'kube-proxy firewall rules'],
  ['filter', 'INPUT', 'KUBE-IPVS-FILTER', 'kubernetes ipvs access filter'],
  ['filter', 'OUTPUT', 'KUBE-IPVS-OUT-FILTER', 'kubernetes ipvs access filter'],
];

const COMMENTS = new Map<IpsetName, string>(IPSETS.map((s) => [s.name, s.comment]));
const comment = (n: IpsetName) => `-m comment --comment "${COMMENTS.get(n)}"`;

function natRules(has: (n: IpsetName) => boolean, o: IpvsIptablesOptions, filter: string[]): string[] {
  const nat = ['-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN'];
  for (const [name, table, from, to, match, proto] of SET_RULES)
    if (has(name)) (table === 'nat' ? nat : filter).push(`-A ${from}${proto ? ` -p ${proto}` : ''} ${comment(name)} -m set --match-set ${name} ${match} -j ${to}`);
  const set = (n: IpsetName) => `-A KUBE-SERVICES ${comment(n)} -m set --match-set ${n} dst,dst`;
  if (has('KUBE-CLUSTER-IP')) nat.push(`${set('KUBE-CLUSTER-IP')} ! -s ${o.clusterCIDR} -j KUBE-MARK-MASQ`);
  // externalIPRules: accept external-IP traffic from off the machine, or to an address that is local anyway.
  const externalIP = (head: string) => nat.push(`${head} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`, `${head} -m addrtype --dst-type LOCAL -j ACCEPT`);
  if (has('KUBE-EXTERNAL-IP')) {
    nat.push(`${set('KUBE-EXTERNAL-IP')} -j KUBE-MARK-MASQ`);
    externalIP(set('KUBE-EXTERNAL-IP'));
  }
  if (has('KUBE-EXTERNAL-IP-LOCAL')) externalIP(set('KUBE-EXTERNAL-IP-LOCAL'));
  nat.push('-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT', '-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ');
  return nat;
}

/**
 * kube-proxy's restore payload (nat then filter, as it concatenates them), the jump rules it prepends to built-in
 * chains, and one payload with both that loads into a fresh node's tables.
 */
export function ipvsIptables(nonEmpty: ReadonlySet<IpsetName>, o: IpvsIptablesOptions): { payload: string; jumps: string[]; fresh: string } {
  const has = (n: IpsetName) => nonEmpty.has(n);
  const m = o.masqueradeMark;
  const filter: string[] = [];
  const nat = natRules(has, o, filter);
  filter.push('-A KUBE-SOURCE-RANGES-FIREWALL -j DROP');
  for (const e of o.lbNoNodeAccess) filter.push(`-A KUBE-IPVS-OUT-FILTER -s ${e.ip} -m ipvs --vaddr ${e.ip} --vproto ${e.protocol} --vport ${e.port} -j DROP`);
  // acceptIPVSTraffic: the end of KUBE-SERVICES accepts traffic to virtual servers, whatever rules follow.
  for (const n of ['KUBE-CLUSTER-IP', 'KUBE-LOAD-BALANCER'] as const) if (has(n)) nat.push(`-A KUBE-SERVICES -m set --match-set ${n} dst,dst -j ACCEPT`);
  filter.push(
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${m}/${m} -j ACCEPT`,
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    `-A KUBE-NODE-PORT ${comment('KUBE-HEALTH-CHECK-NODE-PORT')} -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT`,
  );
  for (const [n, match] of [['KUBE-LOAD-BALANCER', 'dst,dst'], ['KUBE-CLUSTER-IP', 'dst,dst'], ['KUBE-EXTERNAL-IP', 'dst,dst'], ['KUBE-EXTERNAL-IP-LOCAL', 'dst,dst'], ['KUBE-HEALTH-CHECK-NODE-PORT', 'dst']])
    filter.push(`-A KUBE-IPVS-FILTER -m set --match-set ${n} ${match} -j RETURN`);
  filter.push('-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT');
  nat.push(
    `-A KUBE-POSTROUTING -m mark ! --mark ${m}/${m} -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark ${m}`,
    `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${o.randomFully ? ' --random-fully' : ''}`,
    `-A KUBE-MARK-MASQ -j MARK --or-mark ${m}`,
  );
  const payload = ['*nat', ...NAT_CHAINS.map((c) => `:${c} - [0:0]`), ...nat, 'COMMIT', '*filter', ...FILTER_CHAINS.map((c) => `:${c} - [0:0]`), ...filter, 'COMMIT', ''].join('\n');
  const natJumps = jumpLines('nat');
  const filterJumps = jumpLines('filter');
  const fresh = ['*nat', ...NAT_CHAINS.map((c) => `:${c} - [0:0]`), ...natJumps, ...nat, 'COMMIT', '*filter', ...FILTER_CHAINS.map((c) => `:${c} - [0:0]`), ...filterJumps, ...filter, 'COMMIT', ''].join('\n');
  return { payload, jumps: [...natJumps, ...filterJumps], fresh };
}

/** The jumps kube-proxy prepends to one table's built-in chains (EnsureRule Prepend: the last declared ends up first). */
function jumpLines(table: string): string[] {
  return JUMPS.filter((j) => j[0] === table)
    .reverse()
    .map(([, from, to, c]) => `-A ${from} -m comment --comment "${c}" -j ${to}`);
}
