// Text of iproute2 6.1 (Debian bookworm) for links, addresses, routes and neighbours, field by field as
// ip/ipaddress.c print_linkinfo/print_addrinfo, ip/iproute.c print_route and bridge/link.c print them.

import { LINK_FLAG_ORDER, type NetInterface, type NetnsView, type Route } from './network-namespace.js';

export interface LinkTextOptions {
  /** `ip link` (adds `mode DEFAULT`, and `addrgenmode` under -d) rather than `ip addr`. */
  link: boolean;
  /** -4 / -6 (`ip addr` only): hides the link/ line, and -6 dumps links the way AF_INET6 does. */
  family?: 'inet' | 'inet6';
  details: boolean;
  oneline: boolean;
}

/** `<FLAGS>` as print_link_flags prints them: NO-CARRIER first when up without carrier, M-DOWN last. */
export function flagsText(link: NetInterface, mdown: boolean): string {
  const flags = LINK_FLAG_ORDER.filter((f) => link.flags.includes(f));
  const noCarrier = link.flags.includes('UP') && !link.flags.includes('LOWER_UP') ? ['NO-CARRIER'] : [];
  return `<${[...noCarrier, ...flags].join(',')}${mdown ? ',M-DOWN' : ''}>`;
}

/** IFLA_LINK as the kernel reports it: a veth's peer ifindex, tunl0's 0, nothing for other links. */
function iflinkOf(link: NetInterface): number | undefined {
  return link.peer ? link.peer.index : link.iflink;
}

/**
 * `name@link` (lib/utils.c print_name_and_link). With IFLA_LINK_NETNSID the peer index prints as `if<N>`;
 * without it (a same-namespace pair, `bridge link`, AF_INET6 dumps, busybox) the index is looked up among this
 * namespace's own links, so a pod's peer index can print as the name of an unrelated local link, and M-DOWN
 * says that local link is down. For an index with no local link iproute2's ll_index_to_flags returns -1 (no
 * M-DOWN) where busybox's returns 0 (M-DOWN): `unknownIsDown`.
 */
export function nameAndLink(ns: NetnsView, link: NetInterface, withNetnsId: boolean, unknownIsDown = false): { name: string; mdown: boolean } {
  const iflink = iflinkOf(link);
  if (iflink === undefined) return { name: link.name, mdown: false };
  if (iflink === 0) return { name: `${link.name}@NONE`, mdown: false };
  if (withNetnsId && link.peer?.netnsId !== undefined) return { name: `${link.name}@if${iflink}`, mdown: false };
  const local = ns.interfaces.find((l) => l.index === iflink);
  if (!local) return { name: `${link.name}@if${iflink}`, mdown: unknownIsDown };
  return { name: `${link.name}@${local.name}`, mdown: !local.flags.includes('UP') };
}

/** ` link-netns NAME` or ` link-netnsid N`: the name when the peer's netns is pinned where `ip` can see it. */
function netnsText(link: NetInterface): string {
  const p = link.peer;
  if (p?.netnsId === undefined) return '';
  return p.netnsName !== undefined ? ` link-netns ${p.netnsName}` : ` link-netnsid ${p.netnsId}`;
}

const TIMER = (t: number) => t.toFixed(2).padStart(7);
const QUEUE_TAIL = (queues: number, tsoMax: number) =>
  `numtxqueues ${queues} numrxqueues ${queues} gso_max_size 65536 gso_max_segs 65535 tso_max_size ${tsoMax} tso_max_segs 65535 gro_max_size 65536 `;

function bridgeDetails(mac: string): string {
  const id = `8000.${mac}`;
  // Timers are the kernel's live countdowns (gc_timer runs on a bridge); flatnet prints them at rest.
  return (
    `bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768 vlan_filtering 0 bridge_id ${id} designated_root ${id} ` +
    `root_port 0 root_path_cost 0 topology_change 0 topology_change_detected 0 hello_timer ${TIMER(0)} tcn_timer ${TIMER(0)} topology_change_timer ${TIMER(0)} gc_timer ${TIMER(0)} ` +
    'group_fwd_mask 0 group_address 01:80:c2:00:00:00 mcast_snooping 1 no_linklocal_learn 0 mcast_vlan_snooping 0 mcast_router 1 mcast_query_use_ifaddr 0 mcast_querier 0 ' +
    'mcast_hash_elasticity 16 mcast_hash_max 4096 mcast_last_member_count 2 mcast_startup_query_count 2 mcast_last_member_interval 100 mcast_membership_interval 26000 ' +
    'mcast_querier_interval 25500 mcast_query_interval 12500 mcast_query_response_interval 1000 mcast_startup_query_interval 3124 mcast_stats_enabled 0 mcast_igmp_version 2 ' +
    'mcast_mld_version 1 nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0 '
  );
}

function bridgeSlaveDetails(link: NetInterface, bridgeMac: string): string {
  const port = link.bridgePort!;
  const id = `8000.${bridgeMac}`;
  const onOff = (b: boolean) => (b ? 'on' : 'off');
  return (
    `bridge_slave state forwarding priority 32 cost 2 hairpin ${onOff(port.hairpin)} guard off root_block off fastleave off learning on flood on ` +
    `port_id 0x${(0x8000 + port.portNo).toString(16)} port_no 0x${port.portNo.toString(16)} designated_port ${0x8000 + port.portNo} designated_cost 0 ` +
    `designated_bridge ${id} designated_root ${id} hold_timer ${TIMER(0)} message_age_timer ${TIMER(0)} forward_delay_timer ${TIMER(0)} topology_change_ack 0 ` +
    'config_pending 0 proxy_arp off proxy_arp_wifi off mcast_router 1 mcast_fast_leave off mcast_flood on bcast_flood on mcast_to_unicast off neigh_suppress off ' +
    'group_fwd_mask 0 group_fwd_mask_str 0x0 vlan_tunnel off isolated off locked off '
  );
}

function vxlanDetails(link: NetInterface): string {
  const v = link.vxlan!;
  const where = v.external ? `external id ${v.id} ` : `id ${v.id} ${v.local ? `local ${v.local} ` : ''}${v.dev ? `dev ${v.dev} ` : ''}`;
  return `vxlan ${where}srcport 0 0 dstport ${v.dstport} ${v.learning ? '' : 'nolearning '}ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx `;
}

/**
 * The -d tail of the link/ line and the kind lines (print_linktype). Loopback, veth, bridge and vxlan were checked
 * against a 6.1 kernel; dummy and ipip follow the kernel's defaults for those drivers (this kernel had neither).
 */
function detailsText(ns: NetnsView, link: NetInterface, o: LinkTextOptions, nl: string): string {
  const port = link.bridgePort !== undefined;
  const [minMtu, maxMtu] = link.kind === 'loopback' || link.kind === 'dummy' ? [0, 0] : link.kind === 'ipip' ? [68, 65515] : [68, 65535];
  let s = ` promiscuity ${port ? 1 : 0}  allmulti ${port ? 1 : 0} minmtu ${minMtu} maxmtu ${maxMtu} `;
  const kindLine: Record<string, string> = {
    veth: 'veth ',
    bridge: bridgeDetails(link.mac),
    vxlan: link.vxlan ? vxlanDetails(link) : 'vxlan ',
    dummy: 'dummy ',
    ipip: 'ipip ipip remote any local any ttl inherit nopmtudisc ',
  };
  if (kindLine[link.kind] !== undefined) s += `${nl}    ${kindLine[link.kind]}`;
  if (port) s += `${nl}    ${bridgeSlaveDetails(link, ns.interfaces.find((l) => l.name === link.master)?.mac ?? '')}`;
  if (o.link) s += 'addrgenmode eui64 ';
  // veth allocates one queue per possible CPU (flatnet's nodes have 2); a VXLAN device without a lower device
  // keeps the default TSO limit, the others inherit the larger one.
  const queues = link.kind === 'veth' ? 2 : 1;
  const tso = (link.kind === 'vxlan' && link.vxlan?.external) || link.kind === 'dummy' || link.kind === 'ipip' ? 65536 : 524280;
  return s + QUEUE_TAIL(queues, tso);
}

/** The link part of `ip link` / `ip addr` for one link: its header line, the link/ line and -d details. */
export function linkText(ns: NetnsView, link: NetInterface, o: LinkTextOptions): string {
  const nl = o.oneline ? '\\' : '\n';
  // An AF_INET6 link dump carries no qdisc, master, group, txqlen or netnsid, and IFLA_LINK only when it differs
  // from the link's own index (net/ipv6/addrconf.c inet6_fill_ifinfo); the qlen comes from an ioctl.
  const v6 = !o.link && o.family === 'inet6';
  const sameIndex = v6 && link.peer?.index === link.index;
  const { name, mdown } = sameIndex ? { name: link.name, mdown: false } : nameAndLink(ns, link, !v6);
  let s = `${link.index}: ${name}: ${flagsText(link, mdown)} mtu ${link.mtu} `;
  if (!v6) s += `qdisc ${link.qdisc} ${link.master ? `master ${link.master} ` : ''}`;
  s += `state ${link.state} ${o.link ? 'mode DEFAULT ' : ''}${v6 ? '' : 'group default '}${link.txqlen ? `qlen ${link.txqlen}` : ''}`;
  if (o.link || !o.family || o.details) s += `${nl}    link/${link.linkType} ${link.mac} brd ${link.broadcastMac}`;
  if (!v6) s += netnsText(link);
  if (o.details) s += detailsText(ns, link, o, nl);
  return s;
}

/** One address of `ip addr` (print_addrinfo): the label is the link name for IPv4, absent for IPv6. */
export function addressText(link: NetInterface, a: NetInterface['addresses'][number], nl: string): string {
  const brd = a.broadcast ? `brd ${a.broadcast} ` : '';
  const label = a.family === 'inet' ? link.name : '';
  return `    ${a.family} ${a.address}/${a.prefix} ${brd}scope ${a.scope} ${label}${nl}       valid_lft forever preferred_lft forever`;
}

/** `ip -br addr` / `ip -br link` (print_linkinfo_brief). */
export function briefText(ns: NetnsView, link: NetInterface, family: 'inet' | 'inet6' | undefined, link_: boolean): string {
  const { name, mdown } = nameAndLink(ns, link, true);
  let s = `${name.padEnd(16)} ${link.state.padEnd(14)} `;
  if (link_) return `${s}${link.mac} ${flagsText(link, mdown)} `;
  for (const a of link.addresses) if (!family || a.family === family) s += `${a.address}/${a.prefix} `;
  return s;
}

/** What `ip route` prints for the destination: `default`, a bare host address, or address/prefix. */
export function routeDst(r: Route): string {
  const [addr, prefix] = r.dst.split('/');
  if (Number(prefix) === 0) return 'default';
  return Number(prefix) === (r.family === 'inet' ? 32 : 128) ? addr : r.dst;
}

/** One `ip route` line (print_route); `showDev` false under `dev X`, `showTable` under `table all`. */
export function routeText(r: Route, o: { showDev: boolean; showTable: boolean }): string {
  let s = r.type !== 'unicast' ? `${r.type} ` : '';
  s += `${routeDst(r)} `;
  if (r.via) s += `via ${r.via} `;
  if (r.dev && o.showDev) s += `dev ${r.dev} `;
  if (o.showTable && r.table !== 'main') s += `table ${r.table} `;
  if (r.proto !== 'boot') s += `proto ${r.proto} `;
  if (r.scope !== 'universe') s += `scope ${r.scope} `;
  if (r.src) s += `src ${r.src} `;
  if (r.metric !== undefined) s += `metric ${r.metric} `;
  if (r.onlink) s += 'onlink ';
  if (r.mtu !== undefined) s += `mtu ${r.mtu} `;
  if (r.pref) s += `pref ${r.pref}`;
  return s;
}

/** One `ip neigh` line for a permanent entry. */
export function neighborText(n: NetnsView['neighbors'][number], showDev: boolean): string {
  return `${n.ip} ${showDev ? `dev ${n.dev} ` : ''}lladdr ${n.lladdr} PERMANENT `;
}

/** One `bridge link` entry (bridge/link.c print_linkinfo), with the -d line of port settings. */
export function bridgeLinkText(ns: NetnsView, link: NetInterface, details: boolean): string {
  const { name, mdown } = nameAndLink(ns, link, false);
  let s = `${link.index}: ${name}: ${flagsText(link, mdown)} mtu ${link.mtu} master ${link.master} state forwarding priority 32 cost 2 \n`;
  if (details)
    s +=
      `    hairpin ${link.bridgePort!.hairpin ? 'on' : 'off'} guard off root_block off fastleave off learning on flood on mcast_flood on bcast_flood on ` +
      'mcast_router 1 mcast_to_unicast off neigh_suppress off vlan_tunnel off isolated off locked off \n';
  return s;
}
