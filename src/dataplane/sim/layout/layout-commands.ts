// The layout as iproute2 batch commands: what to run, namespace by namespace and phase by phase, to build it on a
// real kernel (linux-dataplane.md §3.2's recipe, with the layout's exact ifindexes, MACs and txqueuelens).
//
// @example
// for (const step of layoutCommands(layout, (ns) => ns.name))
//   spawnSync(step.tool === 'sysctl' ? 'ip' : step.tool, ['-n', step.netns, '-batch', '-'], { input: step.lines.join('\n') });
// (sysctl steps run as `ip netns exec <netns> sysctl -qw <line>…` instead)

import type { NetInterface, NetworkNamespace, Route } from './network-namespace.js';

export interface LayoutStep {
  /** The real netns to run in. */
  netns: string;
  /** `ip -batch` / `bridge -batch` lines, or `name=value` sysctl settings. */
  tool: 'ip' | 'bridge' | 'sysctl';
  lines: string[];
}

/** Settings every namespace gets before its links exist, so link-local addresses never show up `tentative`. */
export const NO_DAD_SYSCTLS: readonly [string, string][] = [
  ['net.ipv6.conf.all.accept_dad', '0'],
  ['net.ipv6.conf.default.accept_dad', '0'],
];

function linkAttrs(l: NetInterface): string {
  return `index ${l.index} address ${l.mac} mtu ${l.mtu} txqueuelen ${l.txqlen}`;
}

/** `link add` for a link this namespace creates; undefined for links the kernel provides or a peer already made. */
function linkAdd(ns: NetworkNamespace, l: NetInterface, byId: Map<string, NetworkNamespace>, made: Set<string>, realName: (ns: NetworkNamespace) => string): string | undefined {
  switch (l.kind) {
    case 'veth': {
      const p = l.peer!;
      if (made.has(`${p.netns}/${p.name}`)) return undefined;
      made.add(`${ns.id}/${l.name}`);
      const peerNs = byId.get(p.netns)!;
      const peer = peerNs.interfaces.find((x) => x.name === p.name)!;
      const where = p.netns === ns.id ? '' : ` netns ${realName(peerNs)}`;
      return `link add ${l.name} ${linkAttrs(l)} type veth peer name ${peer.name} ${linkAttrs(peer)}${where}`;
    }
    case 'bridge':
    case 'dummy':
      return `link add ${l.name} ${linkAttrs(l)} type ${l.kind}`;
    case 'vxlan': {
      const v = l.vxlan!;
      const opts = v.external ? 'external' : `id ${v.id}${v.local ? ` local ${v.local}` : ''}${v.dev ? ` dev ${v.dev}` : ''}`;
      return `link add ${l.name} ${linkAttrs(l)} type vxlan ${opts} dstport ${v.dstport}${v.learning ? '' : ' nolearning'}`;
    }
    case 'ipip':
      // tunl0 is the ipip module's fallback device: it exists in every namespace once the module is loaded.
      return `link set ${l.name} mtu ${l.mtu}`;
    default:
      return undefined;
  }
}

function routeAdd(r: Route): string {
  let s = `route add ${r.type === 'unicast' ? '' : `${r.type} `}${r.dst === '0.0.0.0/0' ? 'default' : r.dst}`;
  if (r.via) s += ` via ${r.via}`;
  if (r.dev) s += ` dev ${r.dev}`;
  if (r.proto !== 'boot') s += ` proto ${r.proto}`;
  if (r.scope !== 'universe' && r.type === 'unicast') s += ` scope ${r.scope}`;
  if (r.src) s += ` src ${r.src}`;
  if (r.onlink) s += ' onlink';
  if (r.mtu !== undefined) s += ` mtu ${r.mtu}`;
  return s;
}

/**
 * The steps that build the layout, in order: sysctls that must precede links, every link (veth pairs once, from
 * the first namespace that holds an end, so namespace ids are handed out in layout order), bridge ports, the
 * remaining sysctls, addresses and links up in ifindex order, then routes, neighbours and fdb entries.
 * Routes the kernel derives from addresses are left to the kernel.
 */
export function layoutCommands(layout: { namespaces: readonly NetworkNamespace[] }, realName: (ns: NetworkNamespace) => string = (ns) => ns.name): LayoutStep[] {
  const nss = layout.namespaces;
  const byId = new Map(nss.map((ns) => [ns.id, ns]));
  const made = new Set<string>();
  const steps: LayoutStep[] = [];
  const push = (ns: NetworkNamespace, tool: LayoutStep['tool'], lines: string[]) => lines.length > 0 && steps.push({ netns: realName(ns), tool, lines });
  for (const ns of nss) push(ns, 'sysctl', NO_DAD_SYSCTLS.map(([k, v]) => `${k}=${v}`));
  // The kernel hands out namespace ids lazily (when a notification or dump first needs one), so their order
  // depends on who listens; `netns set` pins the ids the layout promises before any veth exists.
  for (const ns of nss) {
    const ids = new Map<string, number>();
    for (const l of ns.interfaces) if (l.peer?.netnsId !== undefined) ids.set(l.peer.netns, l.peer.netnsId);
    push(ns, 'ip', [...ids].map(([peer, id]) => `netns set ${realName(byId.get(peer)!)} ${id}`));
  }
  for (const ns of nss) {
    const lines: string[] = [];
    for (const l of ns.interfaces) {
      const add = linkAdd(ns, l, byId, made, realName);
      if (add) lines.push(add);
      // ipip and dummy devices are NOARP from birth; others (cilium_host) are switched.
      if (l.flags.includes('NOARP') && l.kind !== 'ipip' && l.kind !== 'dummy') lines.push(`link set ${l.name} arp off`);
      if (l.master) lines.push(`link set ${l.name} master ${l.master}`);
    }
    push(ns, 'ip', lines);
  }
  for (const ns of nss) push(ns, 'bridge', ns.interfaces.filter((l) => l.bridgePort?.hairpin).map((l) => `link set dev ${l.name} hairpin on`));
  for (const ns of nss) push(ns, 'sysctl', ns.sysctls.map(([k, v]) => `${k}=${v}`));
  for (const ns of nss) {
    const lines: string[] = [];
    for (const l of ns.interfaces) {
      for (const a of l.addresses) {
        if (l.kind === 'loopback' || a.scope === 'link') continue;
        lines.push(`addr add ${a.address}/${a.prefix}${a.broadcast ? ` brd ${a.broadcast}` : ''} dev ${l.name}`);
      }
      if (l.flags.includes('UP')) lines.push(`link set ${l.name} up`);
    }
    push(ns, 'ip', lines);
  }
  for (const ns of nss) {
    push(ns, 'ip', [
      // Routes without a gateway first: a later gateway must be reachable through them (cilium_host's /32).
      ...ns.routes.filter((r) => !r.kernelDerived && !r.via).map(routeAdd),
      ...ns.routes.filter((r) => !r.kernelDerived && r.via).map(routeAdd),
      ...ns.neighbors.map((n) => `neigh add ${n.ip} lladdr ${n.lladdr} dev ${n.dev} nud permanent`),
    ]);
    push(ns, 'bridge', ns.fdb.map((f) => `fdb append ${f.mac} dev ${f.dev} dst ${f.dst}`));
  }
  return steps;
}
