// Builds one NetworkNamespace: links get the next free ifindex in creation order (as the kernel hands them out in a
// fresh namespace), UP links with a MAC get their EUI-64 link-local address, and kernel routes follow at the end.

import { kernelRoutes, sortRoutes } from './kernel-routes.js';
import { linkLocalAddress, macAddress } from './link-identity.js';
import type { FdbEntry, InterfaceAddress, LinkFlag, NetInterface, NetworkNamespace, Route } from './network-namespace.js';

const ETHER_BROADCAST = 'ff:ff:ff:ff:ff:ff';
/** The flags of an Ethernet-like link that is up with carrier (veth with its peer up, bridge with a port, vxlan). */
export const UP_FLAGS: LinkFlag[] = ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'];

/** An IPv4 address with the broadcast the Go netlink library computes (addr_linux.go: only below /31). */
export function inetAddress(address: string, prefix: number, broadcast?: string): InterfaceAddress {
  return { family: 'inet', address, prefix, ...(broadcast !== undefined && prefix < 31 ? { broadcast } : {}), scope: 'global' };
}

/** A link as callers describe it; the builder fills in the index and the usual Ethernet defaults. */
export type LinkSpec = Partial<Omit<NetInterface, 'index' | 'name' | 'kind'>> & Pick<NetInterface, 'name' | 'kind'> & { index?: number };

export class NetnsBuilder {
  private readonly links: NetInterface[] = [];
  private readonly routes: Route[] = [];
  private readonly neighbors: NetworkNamespace['neighbors'] = [];
  private readonly fdb: FdbEntry[] = [];
  private readonly sysctls: [string, string][] = [];
  private nextIndex = 1;

  constructor(private readonly head: Pick<NetworkNamespace, 'id' | 'kind' | 'name' | 'node' | 'pod'>) {}

  get id(): string {
    return this.head.id;
  }

  /** The ifindex the next link will get. */
  peekIndex(): number {
    return this.nextIndex;
  }

  link(spec: LinkSpec): NetInterface {
    const index = spec.index ?? this.nextIndex;
    this.nextIndex = Math.max(this.nextIndex, index + 1);
    const flags = spec.flags ?? UP_FLAGS;
    const linkType = spec.linkType ?? 'ether';
    const mac = spec.mac ?? macAddress(`${this.head.id}/${spec.name}`);
    const addresses = [...(spec.addresses ?? [])];
    // addrconf gives every Ethernet-like link a link-local address when it comes up (addrgenmode eui64).
    if (flags.includes('UP') && linkType === 'ether') addresses.push({ family: 'inet6', address: linkLocalAddress(mac), prefix: 64, scope: 'link' });
    const link: NetInterface = {
      index,
      name: spec.name,
      kind: spec.kind,
      flags,
      mtu: spec.mtu ?? 1500,
      qdisc: spec.qdisc ?? (flags.includes('UP') ? 'noqueue' : 'noop'),
      state: spec.state ?? 'UP',
      txqlen: spec.txqlen ?? 1000,
      linkType,
      mac,
      broadcastMac: spec.broadcastMac ?? ETHER_BROADCAST,
      ...(spec.master !== undefined ? { master: spec.master } : {}),
      ...(spec.bridgePort ? { bridgePort: spec.bridgePort } : {}),
      ...(spec.peer ? { peer: spec.peer } : {}),
      ...(spec.iflink !== undefined ? { iflink: spec.iflink } : {}),
      ...(spec.vxlan ? { vxlan: spec.vxlan } : {}),
      addresses,
    };
    this.links.push(link);
    return link;
  }

  loopback(): NetInterface {
    return this.link({
      name: 'lo',
      kind: 'loopback',
      flags: ['LOOPBACK', 'UP', 'LOWER_UP'],
      mtu: 65536,
      state: 'UNKNOWN',
      linkType: 'loopback',
      mac: '00:00:00:00:00:00',
      broadcastMac: '00:00:00:00:00:00',
      addresses: [
        { family: 'inet', address: '127.0.0.1', prefix: 8, scope: 'host' },
        { family: 'inet6', address: '::1', prefix: 128, scope: 'host' },
      ],
    });
  }

  /**
   * The fallback `tunl0` the ipip module creates in every network namespace (net.core.fb_tunnels_only_for_init_net
   * is 0 by default): down with no address unless an agent (calico-node) configures it.
   */
  tunl0(config?: { mtu: number; address: InterfaceAddress }): NetInterface {
    const up = config !== undefined;
    return this.link({
      name: 'tunl0',
      kind: 'ipip',
      flags: up ? ['NOARP', 'UP', 'LOWER_UP'] : ['NOARP'],
      mtu: config?.mtu ?? 1480,
      state: up ? 'UNKNOWN' : 'DOWN',
      linkType: 'ipip',
      mac: '0.0.0.0',
      broadcastMac: '0.0.0.0',
      iflink: 0,
      addresses: config ? [config.address] : [],
    });
  }

  route(r: Partial<Route> & Pick<Route, 'dst'>): void {
    this.routes.push({ family: 'inet', table: 'main', type: 'unicast', proto: 'boot', scope: 'universe', ...r });
  }

  neighbor(ip: string, dev: string, lladdr: string): void {
    this.neighbors.push({ ip, dev, lladdr });
  }

  fdbEntry(mac: string, dev: string, dst: string): void {
    this.fdb.push({ mac, dev, dst });
  }

  sysctl(name: string, value: string): void {
    this.sysctls.push([name, value]);
  }

  build(): NetworkNamespace {
    const links = [...this.links].sort((a, b) => a.index - b.index);
    return {
      ...this.head,
      interfaces: links,
      routes: sortRoutes([...this.routes, ...kernelRoutes(links)], links),
      neighbors: this.neighbors,
      fdb: this.fdb,
      sysctls: this.sysctls,
    };
  }
}
