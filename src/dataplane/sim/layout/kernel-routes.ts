// The routes the kernel installs by itself when addresses are added and links come up (fib_add_ifaddr for IPv4,
// addrconf for IPv6), and the order the kernel dumps a routing table in.

import { formatIPv4, parseIPv4 } from '../../../core/ip.js';
import type { NetInterface, Route } from './network-namespace.js';

function ipv4Prefix(address: string, prefix: number): { network: number; broadcast: number } {
  const ip = parseIPv4(address)!;
  const size = 2 ** (32 - prefix);
  const network = Math.floor(ip / size) * size;
  return { network, broadcast: network + size - 1 };
}

/**
 * IPv4 routes per address, as net/ipv4/fib_frontend.c fib_add_ifaddr adds them: a `local` host route even while
 * the link is down (which is how kube-ipvs0 works although it stays DOWN); once it is up, the `broadcast` routes
 * (the explicit brd and, under /31, the prefix's last address) and the prefix route (`local` on a loopback
 * device, a `scope link` unicast route otherwise, none for a /32).
 */
function inetRoutes(link: NetInterface): Route[] {
  const out: Route[] = [];
  const up = link.flags.includes('UP');
  const base = { family: 'inet' as const, dev: link.name, proto: 'kernel' as const, kernelDerived: true };
  for (const a of link.addresses.filter((x) => x.family === 'inet')) {
    out.push({ ...base, table: 'local', type: 'local', dst: `${a.address}/32`, scope: 'host', src: a.address });
    if (!up) continue;
    const { network, broadcast } = ipv4Prefix(a.address, a.prefix);
    if (a.broadcast && a.broadcast !== '255.255.255.255')
      out.push({ ...base, table: 'local', type: 'broadcast', dst: `${a.broadcast}/32`, scope: 'link', src: a.address });
    if (network === parseIPv4(a.address) && a.prefix === 32) continue;
    const loopback = link.flags.includes('LOOPBACK');
    out.push({
      ...base,
      table: loopback ? 'local' : 'main',
      type: loopback ? 'local' : 'unicast',
      dst: `${formatIPv4(network)}/${a.prefix}`,
      scope: loopback ? 'host' : 'link',
      src: a.address,
    });
    if (a.prefix < 31) out.push({ ...base, table: 'local', type: 'broadcast', dst: `${formatIPv4(broadcast)}/32`, scope: 'link', src: a.address });
  }
  return out;
}

/** IPv6 routes addrconf installs: fe80::/64 and ff00::/8 per link with IPv6, a local route per address. */
function inet6Routes(link: NetInterface): Route[] {
  const addrs = link.addresses.filter((x) => x.family === 'inet6');
  if (addrs.length === 0 || !link.flags.includes('UP')) return [];
  const base = { family: 'inet6' as const, dev: link.name, proto: 'kernel' as const, kernelDerived: true, scope: 'universe' as const, pref: 'medium' as const };
  const out: Route[] = addrs.map((a) => ({ ...base, table: 'local' as const, type: 'local' as const, dst: `${a.address}/128`, metric: 0 }));
  if (link.flags.includes('LOOPBACK')) return out;
  out.push({ ...base, table: 'main', type: 'unicast', dst: 'fe80::/64', metric: 256 });
  out.push({ ...base, table: 'local', type: 'multicast', dst: 'ff00::/8', metric: 256 });
  return out;
}

/** Every route the kernel derives from the links and their addresses. */
export function kernelRoutes(links: NetInterface[]): Route[] {
  const seen = new Set<string>();
  const out: Route[] = [];
  for (const link of links)
    for (const r of [...inetRoutes(link), ...inet6Routes(link)]) {
      // fib_magic adds the brd route twice when brd is the prefix's last address; the second add is a no-op.
      const key = `${r.table} ${r.type} ${r.dst} ${r.dev}`;
      if (!seen.has(key)) out.push(r), seen.add(key);
    }
  return out;
}

/** The 8 16-bit groups of an IPv6 address (IPv4 addresses are compared as one 32-bit number instead). */
function ipv6Groups(a: string): number[] {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':').map((g) => parseInt(g, 16)) : [];
  const t = tail ? tail.split(':').map((g) => parseInt(g, 16)) : [];
  return tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
}

function compareAddress(family: Route['family'], a: string, b: string): number {
  if (family === 'inet') return parseIPv4(a)! - parseIPv4(b)!;
  const x = ipv6Groups(a);
  const y = ipv6Groups(b);
  for (let i = 0; i < 8; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/**
 * The kernel's dump order: IPv4 before IPv6, the main table before the local one, then by destination address
 * (the FIB trie's key order), the longer prefix first for one address (fib_insert_alias keeps a leaf's aliases by
 * suffix length), and routes to one destination in ifindex order: the kernel keeps them in the order their links
 * got carrier (fe80::/64 per link), which is ifindex order when links come up as they are created.
 */
export function sortRoutes(routes: Route[], links: NetInterface[]): Route[] {
  const index = new Map(links.map((l) => [l.name, l.index]));
  const order = (r: Route) => [r.family === 'inet' ? 0 : 1, r.table === 'main' ? 0 : 1];
  return [...routes].sort((a, b) => {
    const [fa, ta] = order(a);
    const [fb, tb] = order(b);
    if (fa !== fb || ta !== tb) return fa - fb || ta - tb;
    const [da, pa] = a.dst.split('/');
    const [db, pb] = b.dst.split('/');
    return compareAddress(a.family, da, db) || Number(pb) - Number(pa) || (index.get(a.dev ?? '') ?? 0) - (index.get(b.dev ?? '') ?? 0);
  });
}
