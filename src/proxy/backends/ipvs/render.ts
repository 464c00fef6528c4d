// The IPVS backend: what kube-proxy's IPVS mode programs on one node — virtual servers with Masq real servers of
// weight 1 (`ipvsadm -Ln`), the Service addresses on the `kube-ipvs0` dummy interface, the ipsets, and the
// iptables rules that complement them (pkg/proxy/ipvs/proxier.go syncProxyRules; kube-proxy.md §4).
//
// @example
// const state = renderIpvs(model.forNode('node-1'));
// ipvsadmView(state);         // the `ipvsadm -Ln` table
// state.iptables;             // what kube-proxy feeds `iptables-restore --noflush`

import { parseIPv4 } from '../../../core/ip.js';
import type { NodeProxyView } from '../../model.js';
import type { NodeServicePort, ProxyEndpoint, ServiceEntry } from '../../types.js';
import { ipvsIptables } from './iptables.js';
import { IPSETS, IpsetName, IpvsIpset } from './ipsets.js';

/** kube-proxy settings that change what IPVS mode programs. */
export interface IpvsOptions {
  /** --ipvs-scheduler; kube-proxy's default is round robin. */
  scheduler: string;
  /** The masquerade mark as kube-proxy formats `1 << masqueradeBit` (`%#08x`). */
  masqueradeMark: string;
  /** Append `--random-fully` to MASQUERADE (kube-proxy does when iptables supports it). */
  randomFully: boolean;
}

export const DEFAULT_IPVS_OPTIONS: IpvsOptions = { scheduler: 'rr', masqueradeMark: '0x00004000', randomFully: true };

/** One real server: kube-proxy always uses NAT forwarding ("Masq") and weight 1. */
export interface IpvsRealServer {
  address: string;
  port: number;
  forward: 'Masq';
  weight: 1;
}

/** One IPVS virtual server (Service IP or node IP, port, protocol). */
export interface IpvsVirtualServer {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  address: string;
  port: number;
  scheduler: string;
  /** ClientIP affinity: the `persistent` flag with this timeout. */
  persistentTimeout?: number;
  realServers: IpvsRealServer[];
  servicePortName: string;
  entry: ServiceEntry;
}

/** Everything IPVS mode programs on the node. */
export interface IpvsState {
  virtualServers: IpvsVirtualServer[];
  /** Addresses bound (as /32) to the kube-ipvs0 dummy interface. */
  dummyAddresses: string[];
  ipsets: IpvsIpset[];
  /** The iptables-restore payload (nat then filter), applied with --noflush. */
  iptables: string;
  /** The rules kube-proxy prepends to built-in chains (PREROUTING, INPUT...) with iptables -I. */
  jumpRules: string[];
  /** Jumps and payload together: iptables-restore input for a fresh node. */
  restore: string;
}

const PROTOCOLS: Record<string, number> = { TCP: 6, UDP: 17, SCTP: 132 };

/**
 * ipvsadm sorts by protocol, address and port. (Its comparator subtracts unsigned addresses into an int, which
 * is not a total order for addresses more than 2^31 apart; flatnet uses the intended numeric order.)
 */
export function compareVirtualServers(a: IpvsVirtualServer, b: IpvsVirtualServer): number {
  return PROTOCOLS[a.protocol] - PROTOCOLS[b.protocol] || parseIPv4(a.address)! - parseIPv4(b.address)! || a.port - b.port;
}

/** syncEndpoint: Local policy uses the local endpoints, falling back to the cluster ones when there are none. */
function realServers(sp: NodeServicePort, onlyLocal: boolean): IpvsRealServer[] {
  const eps: ProxyEndpoint[] = onlyLocal && sp.localEndpoints.length > 0 ? sp.localEndpoints : sp.clusterEndpoints;
  return eps
    .map((e): IpvsRealServer => ({ address: e.ip, port: e.port, forward: 'Masq', weight: 1 }))
    .sort((a, b) => parseIPv4(a.address)! - parseIPv4(b.address)! || a.port - b.port);
}

/** What one Service port programs: virtual servers, ipset entries, kube-ipvs0 addresses, node-blocked LB IPs. */
export interface IpvsServiceProgram {
  servers: IpvsVirtualServer[];
  entries: [IpsetName, string][];
  bound: string[];
  lbNoNodeAccess: { ip: string; protocol: string; port: number }[];
}

function virtualServer(sp: NodeServicePort, o: IpvsOptions, address: string, port: number, entry: ServiceEntry, onlyLocal: boolean): IpvsVirtualServer {
  const p = sp.port;
  return {
    protocol: p.protocol.toUpperCase() as IpvsVirtualServer['protocol'],
    address,
    port,
    scheduler: o.scheduler,
    ...(p.affinityTimeoutSeconds !== undefined ? { persistentTimeout: p.affinityTimeoutSeconds } : {}),
    realServers: realServers(sp, onlyLocal),
    servicePortName: p.servicePortName,
    entry,
  };
}

function loadBalancer(prog: IpvsServiceProgram, sp: NodeServicePort, ip: string, ipPort: string): void {
  const p = sp.port;
  prog.entries.push(['KUBE-LOAD-BALANCER', ipPort]);
  if (p.externalPolicyLocal) prog.entries.push(['KUBE-LOAD-BALANCER-LOCAL', ipPort]);
  if (p.loadBalancerSourceRanges.length === 0) return;
  prog.entries.push(['KUBE-LOAD-BALANCER-FW', ipPort]);
  for (const cidr of p.loadBalancerSourceRanges) prog.entries.push(['KUBE-LOAD-BALANCER-SOURCE-CIDR', `${ipPort},${cidr}`]);
  if (sp.firewallAllowsLoadBalancerIPs) prog.entries.push(['KUBE-LOAD-BALANCER-SOURCE-IP', `${ipPort},${ip}`]);
  else prog.lbNoNodeAccess.push({ ip, protocol: p.protocol, port: p.port });
}

function nodePort(prog: IpvsServiceProgram, sp: NodeServicePort, o: IpvsOptions, nodeIPs: string[]): void {
  const p = sp.port;
  const entries = p.protocol === 'sctp' ? nodeIPs.map((ip) => `${ip},sctp:${p.nodePort}`) : [String(p.nodePort)];
  const suffix = p.protocol === 'sctp' ? 'SCTP-HASH' : p.protocol.toUpperCase();
  for (const e of entries) prog.entries.push([`KUBE-NODE-PORT-${suffix}` as IpsetName, e]);
  if (p.externalPolicyLocal) for (const e of entries) prog.entries.push([`KUBE-NODE-PORT-LOCAL-${suffix}` as IpsetName, e]);
  for (const ip of nodeIPs) prog.servers.push(virtualServer(sp, o, ip, p.nodePort, 'nodePort', p.externalPolicyLocal));
}

/** The program of one Service port on a node, in syncProxyRules order. */
export function serviceProgram(view: NodeProxyView, sp: NodeServicePort, o: IpvsOptions): IpvsServiceProgram {
  const p = sp.port;
  const nodeIPs = view.node.ips;
  const prog: IpvsServiceProgram = { servers: [], entries: [], bound: [], lbNoNodeAccess: [] };
  const ipPort = (ip: string) => `${ip},${p.protocol}:${p.port}`;
  for (const e of p.endpoints) if (e.nodeName === view.node.name) prog.entries.push(['KUBE-LOOP-BACK', `${e.ip},${p.protocol}:${e.port},${e.ip}`]);
  prog.entries.push(['KUBE-CLUSTER-IP', ipPort(p.clusterIP)]);
  prog.servers.push(virtualServer(sp, o, p.clusterIP, p.port, 'clusterIP', p.internalPolicyLocal));
  prog.bound.push(p.clusterIP);
  for (const ip of p.externalIPs) {
    prog.entries.push([p.externalPolicyLocal ? 'KUBE-EXTERNAL-IP-LOCAL' : 'KUBE-EXTERNAL-IP', ipPort(ip)]);
    prog.servers.push(virtualServer(sp, o, ip, p.port, 'externalIP', p.externalPolicyLocal));
    if (!nodeIPs.includes(ip)) prog.bound.push(ip);
  }
  for (const ip of p.loadBalancerIPs) {
    loadBalancer(prog, sp, ip, ipPort(ip));
    prog.servers.push(virtualServer(sp, o, ip, p.port, 'loadBalancerIP', p.externalPolicyLocal));
    if (!nodeIPs.includes(ip)) prog.bound.push(ip);
  }
  if (p.nodePort && nodeIPs.length > 0) nodePort(prog, sp, o, nodeIPs);
  if (p.healthCheckNodePort) prog.entries.push(['KUBE-HEALTH-CHECK-NODE-PORT', String(p.healthCheckNodePort)]);
  return prog;
}

/** Assembles the node's state from per-Service programs. */
export function assembleIpvs(view: NodeProxyView, o: IpvsOptions, programs: Iterable<IpvsServiceProgram>): IpvsState {
  const servers: IpvsVirtualServer[] = [];
  const bound = new Set<string>();
  const sets = new Map<IpsetName, Set<string>>(IPSETS.map((s) => [s.name, new Set<string>()]));
  const lbNoNodeAccess: IpvsServiceProgram['lbNoNodeAccess'] = [];
  for (const prog of programs) {
    servers.push(...prog.servers);
    for (const a of prog.bound) bound.add(a);
    for (const [set, e] of prog.entries) sets.get(set)!.add(e);
    lbNoNodeAccess.push(...prog.lbNoNodeAccess);
  }
  const dummyAddresses = [...bound].sort((x, y) => parseIPv4(x)! - parseIPv4(y)!);
  for (const ip of dummyAddresses) sets.get('KUBE-IPVS-IPS')!.add(ip);
  const ipsets = IPSETS.map((s) => ({ ...s, entries: [...sets.get(s.name)!] }));
  const nonEmpty = new Set(ipsets.filter((s) => s.entries.length > 0).map((s) => s.name));
  const { payload, jumps, fresh } = ipvsIptables(nonEmpty, { ...o, clusterCIDR: view.clusterCIDR, lbNoNodeAccess });
  return { virtualServers: servers.sort(compareVirtualServers), dummyAddresses, ipsets, iptables: payload, jumpRules: jumps, restore: fresh };
}

/** Renders what kube-proxy's IPVS mode programs on `view`'s node. */
export function renderIpvs(view: NodeProxyView, options: Partial<IpvsOptions> = {}): IpvsState {
  const o = { ...DEFAULT_IPVS_OPTIONS, ...options };
  return assembleIpvs(view, o, view.servicePorts().map((sp) => serviceProgram(view, sp, o)));
}
