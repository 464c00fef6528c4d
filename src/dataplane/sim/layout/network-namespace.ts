// The network namespace as flatnet lays it out: links with their kernel attributes, addresses, routes, static
// neighbour and VXLAN fdb entries, and sysctls: what `ip` prints and what the Linux data plane creates.

/** Link kinds as `ip -d link` names them (IFLA_INFO_KIND); `ether` is a plain NIC with no kind. */
export type LinkKind = 'loopback' | 'ether' | 'veth' | 'bridge' | 'vxlan' | 'ipip' | 'dummy';

/** Interface flags (IFF_*) in the order iproute2 prints them. */
export type LinkFlag = 'LOOPBACK' | 'BROADCAST' | 'POINTOPOINT' | 'MULTICAST' | 'NOARP' | 'UP' | 'LOWER_UP';
export const LINK_FLAG_ORDER: readonly LinkFlag[] = ['LOOPBACK', 'BROADCAST', 'POINTOPOINT', 'MULTICAST', 'NOARP', 'UP', 'LOWER_UP'];

/** RFC 2863 operational state (IFLA_OPERSTATE) as iproute2 prints it. */
export type OperState = 'UP' | 'DOWN' | 'UNKNOWN';

export interface InterfaceAddress {
  family: 'inet' | 'inet6';
  address: string;
  prefix: number;
  /** IFA_BROADCAST; the Go netlink library (every CNI plugin) sets it for IPv4 prefixes shorter than /31. */
  broadcast?: string;
  scope: 'global' | 'link' | 'host';
}

/** The other end of a veth pair. */
export interface VethPeer {
  /** Id of the namespace the other end lives in (this one for a same-namespace pair like cilium_host). */
  netns: string;
  name: string;
  index: number;
  /** IFLA_LINK_NETNSID: the id this namespace gives the peer's; absent when both ends share a namespace. */
  netnsId?: number;
  /** The peer namespace's name when it is pinned where this namespace's `ip` looks (`link-netns NAME`). */
  netnsName?: string;
}

export interface VxlanDevice {
  id: number;
  /** local VTEP address and underlay device; absent on a collect-metadata (`external`) device. */
  local?: string;
  dev?: string;
  dstport: number;
  learning: boolean;
  external: boolean;
}

/** Bridge-port attributes of an interface whose master is a bridge. */
export interface BridgePort {
  /** The kernel numbers ports of a bridge 1, 2, … as they join (port_id 0x8000 + port_no). */
  portNo: number;
  hairpin: boolean;
}

export interface NetInterface {
  index: number;
  name: string;
  kind: LinkKind;
  flags: LinkFlag[];
  mtu: number;
  qdisc: 'noqueue' | 'noop';
  state: OperState;
  /** tx_queue_len; 0 when the creator passed IFLA_TXQLEN 0 (links the Go netlink library makes from a bare LinkAttrs). */
  txqlen: number;
  linkType: 'ether' | 'loopback' | 'ipip';
  mac: string;
  broadcastMac: string;
  master?: string;
  bridgePort?: BridgePort;
  peer?: VethPeer;
  /** IFLA_LINK of a peerless device that has one: 0 for the ipip fallback device tunl0 (`tunl0@NONE`). */
  iflink?: number;
  vxlan?: VxlanDevice;
  addresses: InterfaceAddress[];
}

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'multicast';

export interface Route {
  family: 'inet' | 'inet6';
  table: 'main' | 'local';
  type: RouteType;
  /** Destination as address/prefix (`0.0.0.0/0` is the default route). */
  dst: string;
  via?: string;
  dev?: string;
  /** RTM protocol: `boot` is what `ip route add` and the Go netlink library use, `bird` is Calico's BGP daemon. */
  proto: 'kernel' | 'boot' | 'bird';
  /** The kernel adds this route itself when an address is added or a link comes up; a data plane must not. */
  kernelDerived?: boolean;
  scope: 'universe' | 'link' | 'host';
  src?: string;
  metric?: number;
  onlink?: boolean;
  mtu?: number;
  /** RTA_PREF of IPv6 routes. */
  pref?: 'medium';
}

/** A permanent neighbour entry (`ip neigh add … nud permanent`). */
export interface Neighbor {
  ip: string;
  dev: string;
  lladdr: string;
}

/** A static VXLAN forwarding entry (`bridge fdb append <mac> dev <vxlan> dst <remote VTEP>`). */
export interface FdbEntry {
  mac: string;
  dev: string;
  dst: string;
}

/** One network namespace: the node-network underlay, a node's root namespace, or a pod sandbox. */
export interface NetworkNamespace {
  /** `underlay`, `node/<name>` or `pod/<namespace>/<name>`. */
  id: string;
  kind: 'underlay' | 'node' | 'pod';
  /** The netns name: the node name, containerd's `cni-<uuid>` for a pod, `underlay`. */
  name: string;
  /** The node a pod runs on, or the node itself. */
  node?: string;
  /** The pod whose containers all share this namespace (one eth0, one IP, one loopback). */
  pod?: { namespace: string; name: string; uid: string; containers: string[] };
  interfaces: NetInterface[];
  /** Every route the kernel holds: the main and local tables, IPv4 and IPv6, in the order `ip` dumps them. */
  routes: Route[];
  neighbors: Neighbor[];
  fdb: FdbEntry[];
  /** Settings the namespace needs beyond the defaults of a new netns (name, value), in the order to apply them. */
  sysctls: [string, string][];
}

/** What the `ip` and `bridge` views read from a namespace. */
export type NetnsView = Pick<NetworkNamespace, 'interfaces' | 'routes' | 'neighbors'>;
