// The ipsets kube-proxy's IPVS mode creates (pkg/proxy/ipvs/ipset.go ipsetInfo), with their types and comments,
// and the `ipset save`-style text that recreates them.

export const IPSETS = [
  { name: 'KUBE-LOOP-BACK', type: 'hash:ip,port,ip', comment: 'Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose' },
  { name: 'KUBE-CLUSTER-IP', type: 'hash:ip,port', comment: 'Kubernetes service cluster ip + port for masquerade purpose' },
  { name: 'KUBE-EXTERNAL-IP', type: 'hash:ip,port', comment: 'Kubernetes service external ip + port for masquerade and filter purpose' },
  { name: 'KUBE-EXTERNAL-IP-LOCAL', type: 'hash:ip,port', comment: 'Kubernetes service external ip + port with externalTrafficPolicy=local' },
  { name: 'KUBE-LOAD-BALANCER', type: 'hash:ip,port', comment: 'Kubernetes service lb portal' },
  { name: 'KUBE-LOAD-BALANCER-FW', type: 'hash:ip,port', comment: 'Kubernetes service load balancer ip + port for load balancer with sourceRange' },
  { name: 'KUBE-LOAD-BALANCER-LOCAL', type: 'hash:ip,port', comment: 'Kubernetes service load balancer ip + port with externalTrafficPolicy=local' },
  { name: 'KUBE-LOAD-BALANCER-SOURCE-IP', type: 'hash:ip,port,ip', comment: 'Kubernetes service load balancer ip + port + source IP for packet filter purpose' },
  { name: 'KUBE-LOAD-BALANCER-SOURCE-CIDR', type: 'hash:ip,port,net', comment: 'Kubernetes service load balancer ip + port + source cidr for packet filter purpose' },
  { name: 'KUBE-NODE-PORT-TCP', type: 'bitmap:port', comment: 'Kubernetes nodeport TCP port for masquerade purpose' },
  { name: 'KUBE-NODE-PORT-LOCAL-TCP', type: 'bitmap:port', comment: 'Kubernetes nodeport TCP port with externalTrafficPolicy=local' },
  { name: 'KUBE-NODE-PORT-UDP', type: 'bitmap:port', comment: 'Kubernetes nodeport UDP port for masquerade purpose' },
  { name: 'KUBE-NODE-PORT-LOCAL-UDP', type: 'bitmap:port', comment: 'Kubernetes nodeport UDP port with externalTrafficPolicy=local' },
  { name: 'KUBE-NODE-PORT-SCTP-HASH', type: 'hash:ip,port', comment: "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'" },
  { name: 'KUBE-NODE-PORT-LOCAL-SCTP-HASH', type: 'hash:ip,port', comment: "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'" },
  { name: 'KUBE-HEALTH-CHECK-NODE-PORT', type: 'bitmap:port', comment: 'Kubernetes health check node port' },
  { name: 'KUBE-IPVS-IPS', type: 'hash:ip', comment: 'Addresses on the ipvs interface' },
] as const;

export type IpsetName = (typeof IPSETS)[number]['name'];

export interface IpvsIpset {
  name: IpsetName;
  type: string;
  comment: string;
  /** Entries in the order kube-proxy adds them (`ipset add <name> <entry>`). */
  entries: string[];
}

/** The `create` line kube-proxy's ipset CreateSet runs: family inet, hashsize 1024, maxelem 65536; bitmaps range 0-65535. */
export function createLine(s: IpvsIpset): string {
  const opts = s.type.startsWith('hash:') ? 'family inet hashsize 1024 maxelem 65536' : 'range 0-65535';
  return `create ${s.name} ${s.type} ${opts} comment`;
}

/**
 * An `ipset restore` script that creates every set and adds its entries. (`ipset save` prints the same lines plus
 * a random `bucketsize 12 initval 0x…` on hash sets, and entries in hash order; flatnet sorts them.)
 */
export function ipsetScript(sets: IpvsIpset[]): string {
  const out: string[] = [];
  for (const s of sets) {
    out.push(createLine(s));
    for (const e of [...s.entries].sort()) out.push(`add ${s.name} ${e}`);
  }
  return out.join('\n') + '\n';
}
