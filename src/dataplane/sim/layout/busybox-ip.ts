// busybox's `ip` applet (networking/ip.c, networking/libiproute/ in busybox 1.36.1), the `ip` of busybox-based
// images: its own argument matching, usage text and error messages, and its output, which differs from
// iproute2's (no state/group/mode, link peers looked up locally with M-DOWN, no proto, ` src`, ` metric`).

import { CommandExit, notEmulated } from './command-exit.js';
import { addressText, flagsText, nameAndLink, routeDst } from './iproute2-format.js';
import type { NetInterface, NetnsView, Route } from './network-namespace.js';

/**
 * The banner and usage bb_show_usage prints (to stderr, exit 1). A real build puts its build date in the banner's
 * parentheses; flatnet cannot know it and leaves it out.
 */
export const BUSYBOX_IP_USAGE = `BusyBox v1.36.1 multi-call binary.

Usage: ip [OPTIONS] address|route|link|tunnel|neigh|rule [ARGS]

OPTIONS := -f[amily] inet|inet6|link | -o[neline]

ip addr add|del IFADDR dev IFACE | show|flush [dev IFACE] [to PREFIX]
ip route list|flush|add|del|change|append|replace|test ROUTE
ip link set IFACE [up|down] [arp on|off] [multicast on|off]
\t[promisc on|off] [mtu NUM] [name NAME] [qlen NUM] [address MAC]
\t[master IFACE | nomaster] [netns PID]
ip tunnel add|change|del|show [NAME]
\t[mode ipip|gre|sit] [remote ADDR] [local ADDR] [ttl TTL]
ip neigh show|flush [to PREFIX] [dev DEV] [nud STATE]
ip rule [list] | add|del SELECTOR ACTION
`;

type Family = 'inet' | 'inet6' | 'link' | undefined;

/** busybox's index_in_substrings: the first keyword the word is a prefix of (an empty word matches the first). */
function substring(keywords: string[], word: string): number {
  return keywords.findIndex((k) => k.startsWith(word));
}

const usage = () => new CommandExit(BUSYBOX_IP_USAGE, 1);
/** bb_error_msg_and_die with the applet's xfunc_error_retval (do_iplink sets 2, the others keep 1). */
const die = (message: string, code: number) => new CommandExit(`ip: ${message}\n`, code);

function commonArgs(argv: string[]): { family: Family; oneline: boolean; rest: string[] } {
  let family: Family;
  let oneline = false;
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    let opt = argv[i].slice(1);
    if (opt.startsWith('-')) {
      opt = opt.slice(1);
      if (opt === '') return { family, oneline, rest: argv.slice(i + 1) };
    }
    const arg = substring(['oneline', 'family', '4', '6', '0'], opt);
    if (arg < 0) throw usage();
    if (arg === 0) oneline = true;
    else if (arg === 1) {
      const f = argv[++i];
      if (f === undefined) throw usage();
      if (!['inet', 'inet6', 'link'].includes(f)) throw die(`invalid argument '${f}' to 'family'`, 1);
      family = f as Family;
    } else family = (['inet', 'inet6', 'link'] as const)[arg - 2];
  }
  return { family, oneline, rest: argv.slice(i) };
}

/** ipaddr_list_or_flush's arguments; `dev` may be left out (`ip addr show eth0`). */
function selectLinks(ns: NetnsView, args: string[], code: number): NetInterface[] {
  let dev: string | undefined;
  let up = false;
  for (let i = 0; i < args.length; i++) {
    const key = ['to', 'scope', 'up', 'label', 'dev'].indexOf(args[i]);
    if (key === 2) up = true;
    else if (key === 0 || key === 1 || key === 3) throw notEmulated(`ip addr show ${args[i]}`);
    else {
      if (key === 4 && ++i >= args.length) throw die('command line is not complete, try "help"', code);
      if (dev !== undefined) throw die(`either "dev" is duplicate, or "${args[i]}" is garbage`, code);
      dev = args[i];
    }
  }
  if (dev !== undefined && !ns.interfaces.some((l) => l.name === dev)) throw die(`can't find device '${dev}'`, code);
  return ns.interfaces.filter((l) => (dev === undefined || l.name === dev) && (!up || l.flags.includes('UP')));
}

/** print_linkinfo. glibc's net/if.h has no IFF_DORMANT, so a glibc build (Debian's) prints no `state`. */
function linkText(ns: NetnsView, link: NetInterface, family: Family, oneline: boolean): string {
  // An AF_INET6 dump carries IFLA_LINK only when it differs from the link's own index, and no qdisc or master.
  const v6 = family === 'inet6';
  const { name, mdown } = v6 && link.peer?.index === link.index ? { name: link.name, mdown: false } : nameAndLink(ns, link, false, true);
  let s = `${link.index}: ${name}: ${flagsText(link, mdown)} mtu ${link.mtu} `;
  if (!v6) s += `qdisc ${link.qdisc} ${link.master ? `master ${link.master} ` : ''}`;
  if (link.txqlen) s += `qlen ${link.txqlen}`;
  if (!family || family === 'link') s += `${oneline ? '\\' : '\n'}    link/${link.linkType} ${link.mac} brd ${link.broadcastMac}`;
  return `${s}\n`;
}

function ipAddr(ns: NetnsView, args: string[], family: Family, oneline: boolean, code: number): string {
  const nl = oneline ? '\\' : '\n';
  const addrFamily = family === 'link' ? undefined : family;
  let out = '';
  for (const l of selectLinks(ns, args, code)) {
    const addresses = family === 'link' ? [] : l.addresses.filter((a) => !addrFamily || a.family === addrFamily);
    if (addrFamily && addresses.length === 0) continue;
    if (!(oneline && family !== 'link')) out += linkText(ns, l, family, oneline);
    for (const a of addresses) out += `${oneline ? `${l.index}: ${l.name}` : ''}${addressText(l, a, nl)}\n`;
  }
  return out;
}

/** print_route: no proto, ` src`/` metric` with a leading space, the table only when listing every table. */
function routeText(r: Route, allTables: boolean): string {
  let s = r.type !== 'unicast' ? `${r.type} ` : '';
  s += `${routeDst(r)} `;
  if (r.via) s += `via ${r.via} `;
  if (r.dev) s += `dev ${r.dev} `;
  if (allTables && r.table !== 'main') s += `table ${r.table} `;
  if (r.scope !== 'universe') s += `scope ${r.scope} `;
  if (r.src) s += ` src ${r.src} `;
  // The kernel sends RTA_PRIORITY for every IPv6 route, for IPv4 only when it is set.
  if (r.metric !== undefined && (r.family === 'inet6' || r.metric !== 0)) s += ` metric ${r.metric} `;
  if (r.onlink) s += 'onlink ';
  return s;
}

function ipRoute(ns: NetnsView, argv: string[], family: Family): string {
  const cmd = argv.length === 0 ? 7 : substring(['a', 'add', 'append', 'change', 'chg', 'delete', 'get', 'list', 'show', 'prepend', 'replace', 'test', 'flush'], argv[0]);
  if (cmd < 0) throw die(`invalid argument '${argv[0]}' to 'ip'`, 1);
  if (cmd !== 7 && cmd !== 8) throw notEmulated(`ip route ${argv[0]}`);
  const args = argv.slice(1);
  let table = 'main' as 'main' | 'local' | 'all';
  let dev: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const kw = substring(['protocol', 'dev', 'oif', 'iif', 'via', 'table', 'cache', 'from', 'to', 'scope'], args[i]);
    if (kw === 1 || kw === 2 || kw === 5) {
      if (++i >= args.length) throw die('command line is not complete, try "help"', 1);
      if (kw !== 5) dev = args[i];
      else if (['all', 'main', 'local'].includes(args[i])) table = args[i] as typeof table;
      else throw notEmulated(`ip route show table ${args[i]}`);
    } else throw notEmulated(`ip route show ${args[i]}`);
  }
  if (dev !== undefined && !ns.interfaces.some((l) => l.name === dev)) throw die(`can't find device '${dev}'`, 1);
  const families = family === 'inet' || family === 'inet6' ? [family] : table === 'all' ? ['inet', 'inet6'] : ['inet'];
  return ns.routes
    .filter((r) => families.includes(r.family) && (dev === undefined || r.dev === dev))
    .filter((r) => {
      if (table === 'all') return true;
      // For IPv6 busybox filters on the route type, not the table: "main" hides local routes only.
      if (r.family === 'inet6') return table === 'main' ? r.type !== 'local' : r.type === 'local';
      return r.table === table;
    })
    .map((r) => `${routeText(r, table === 'all')}\n`)
    .join('');
}

/** Runs busybox `ip argv…`; returns stdout or throws CommandExit. */
export function runBusyboxIp(ns: NetnsView, argv: string[]): string {
  const { family, oneline, rest } = commonArgs(argv);
  const key = rest.length === 0 ? -1 : substring(['address', 'route', 'r', 'link', 'tunnel', 'tunl', 'rule', 'neigh'], rest[0]);
  if (key < 0) throw usage();
  const args = rest.slice(1);
  if (key === 1 || key === 2) return ipRoute(ns, args, family);
  if (key !== 0 && key !== 3) throw notEmulated(`ip ${rest[0]}`);
  // do_iplink sets xfunc_error_retval to 2 before parsing; do_ipaddr keeps 1.
  const code = key === 3 ? 2 : 1;
  const verbs = key === 3 ? ['add', 'delete', 'set', 'show', 'lst', 'list'] : ['add', 'change', 'chg', 'replace', 'delete', 'list', 'show', 'lst', 'flush'];
  const verb = args.length === 0 ? (key === 3 ? 3 : 6) : substring(verbs, args[0]);
  if (verb < 0) throw die(`invalid argument '${args[0]}' to 'ip'`, code);
  if (!['show', 'list', 'lst'].includes(verbs[verb])) throw notEmulated(`ip ${key === 3 ? 'link' : 'addr'} ${verbs[verb]}`);
  return ipAddr(ns, args.slice(1), key === 3 ? 'link' : family, oneline, code);
}
