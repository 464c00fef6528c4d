// `ip` and `bridge` run against a laid-out network namespace: iproute2 6.1's read-only views (address, link,
// route, neigh; bridge link) with its option and object matching, error texts and exit codes, or busybox's applet.
//
// @example
// runIp(layout.node('node-1')!, ['route'], 'iproute2');   // { stdout: 'default via 172.18.0.1 dev eth0 \n…', exitCode: 0 }
// runBridge(layout.node('node-1')!, ['link', 'show']);    // the veths enslaved to cni0

import { runBusyboxIp } from './busybox-ip.js';
import { addressText, briefText, bridgeLinkText, linkText, neighborText, routeText, type LinkTextOptions } from './iproute2-format.js';
import { CommandExit, matches, notEmulated, run, type CommandResult } from './command-exit.js';
import type { NetInterface, NetnsView, Route } from './network-namespace.js';

export type { CommandResult };

export type IpFlavour = 'iproute2' | 'busybox';

export const IP_USAGE = `Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |
                   link | macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | mpls | bridge | link } |
                    -4 | -6 | -M | -B | -0 |
                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor]}
`;

const BRIDGE_USAGE = `Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }
       bridge [ -force ] -batch filename
where  OBJECT := { link | fdb | mdb | vlan | monitor }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] |
                    -o[neline] | -t[imestamp] | -n[etns] name |
                    -c[ompressvlans] -color -p[retty] -j[son] }
`;

interface IpOptions {
  family?: 'inet' | 'inet6';
  details: boolean;
  oneline: boolean;
  brief: boolean;
}

/** ip.c main's option chain, in its order (so `-h` is -human and `-b` is -batch, as upstream). */
const IP_OPTIONS = ['-loops', '-family', '-4', '-6', '-0', '-M', '-B', '-human', '-iec', '-stats', '-details', '-resolve', '-oneline', '-timestamp', '-tshort', '-Version', '-force', '-batch', '-brief', '-json', '-pretty', '-rcvbuf', '-color', '-help', '-netns', '-Numeric', '-all', '-echo'];
const EXACT = new Set(['-4', '-6', '-0', '-M', '-B', '-echo']);
/** ip.c's object table, in its order (so `l` is link and `n` is neighbor). */
const IP_OBJECTS = ['address', 'addrlabel', 'maddress', 'route', 'rule', 'neighbor', 'neighbour', 'ntable', 'ntbl', 'link', 'l2tp', 'fou', 'ila', 'macsec', 'tunnel', 'tunl', 'tuntap', 'tap', 'token', 'tcpmetrics', 'tcp_metrics', 'monitor', 'xfrm', 'mroute', 'mrule', 'netns', 'netconf', 'vrf', 'sr', 'nexthop', 'mptcp', 'ioam', 'help', 'stats'];

function parseIpOptions(argv: string[]): { o: IpOptions; rest: string[]; version?: boolean } {
  const o: IpOptions = { details: false, oneline: false, brief: false };
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    if (argv[i] === '--') return { o, rest: argv.slice(i + 1) };
    const opt = argv[i].startsWith('--') ? argv[i].slice(1) : argv[i];
    const name = IP_OPTIONS.find((k) => (EXACT.has(k) ? opt === k : matches(opt, k) || (k === '-human' && matches(opt, '-human-readable')) || (k === '-stats' && matches(opt, '-statistics'))));
    if (name === undefined) throw new CommandExit(`Option "${opt}" is unknown, try "ip -help".\n`, 255);
    if (name === '-4' || name === '-6') o.family = name === '-4' ? 'inet' : 'inet6';
    else if (name === '-family') {
      const f = argv[++i];
      if (f === undefined || f === 'help') throw new CommandExit(IP_USAGE, 255);
      if (f === 'inet' || f === 'inet6') o.family = f;
      else if (f !== 'link') throw notEmulated(`ip -family ${f}`);
    } else if (name === '-details') o.details = true;
    else if (name === '-oneline') o.oneline = true;
    else if (name === '-brief') o.brief = true;
    else if (name === '-Version') return { o, rest: [], version: true };
    else if (name === '-help') throw new CommandExit(IP_USAGE, 255);
    else throw notEmulated(`ip ${opt}`);
  }
  return { o, rest: argv.slice(i) };
}

/** Consumes the argument after a keyword (NEXT_ARG), or fails as iproute2's incomplete_command() does. */
function nextArg(args: string[], i: number): string {
  if (i + 1 >= args.length) throw new CommandExit('Command line is not complete. Try option "help"\n', 255);
  return args[i + 1];
}

function findLink(ns: NetnsView, name: string): NetInterface | undefined {
  return ns.interfaces.find((l) => l.name === name);
}

/** The selectors `ip addr show` and `ip link show` share (ipaddr_list_flush_or_save). */
function selectLinks(ns: NetnsView, args: string[], what: string): NetInterface[] {
  let dev: string | undefined;
  let up = false;
  let kind: string | undefined;
  let master: NetInterface | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === 'up') up = true;
    else if (a === 'type') kind = nextArg(args, i++);
    else if (a === 'master') {
      const m = nextArg(args, i++);
      master = findLink(ns, m);
      if (!master) throw new CommandExit(`Error: argument "${m}" is wrong: Device does not exist\n\n`, 255);
    } else if (['to', 'scope', 'label', 'group', 'vrf', 'nomaster', 'dynamic', 'permanent', 'tentative', 'secondary', 'primary'].includes(a)) throw notEmulated(`ip ${what} show ${a}`);
    else {
      const name = a === 'dev' ? nextArg(args, i++) : a;
      if (a !== 'dev' && matches(a, 'help')) throw notEmulated(`ip ${what} help`);
      if (dev !== undefined) throw new CommandExit(`Error: either "dev" is duplicate, or "${name}" is a garbage.\n`, 255);
      dev = name;
    }
  }
  if (dev !== undefined && !findLink(ns, dev)) throw new CommandExit(`Device "${dev}" does not exist.\n`, 1);
  return ns.interfaces.filter((l) => {
    if (dev !== undefined && l.name !== dev) return false;
    if (up && !l.flags.includes('UP')) return false;
    if (master && l.master !== master.name) return false;
    if (kind?.endsWith('_slave')) return l.master !== undefined && findLink(ns, l.master)?.kind === kind.slice(0, -'_slave'.length);
    return kind === undefined || l.kind === kind;
  });
}

function ipAddress(ns: NetnsView, args: string[], o: IpOptions): string {
  const links = selectLinks(ns, args, 'address').filter((l) => !o.family || l.addresses.some((a) => a.family === o.family));
  const text: LinkTextOptions = { link: false, details: o.details, oneline: o.oneline, ...(o.family ? { family: o.family } : {}) };
  const nl = o.oneline ? '\\' : '\n';
  let out = '';
  for (const l of links) {
    if (o.brief) {
      out += `${briefText(ns, l, o.family, false)}\n`;
      continue;
    }
    const addresses = l.addresses.filter((a) => !o.family || a.family === o.family);
    if (o.oneline) for (const a of addresses) out += `${l.index}: ${l.name}${addressText(l, a, nl)}\n`;
    else out += `${linkText(ns, l, text)}\n${addresses.map((a) => `${addressText(l, a, nl)}\n`).join('')}`;
  }
  return out;
}

function ipLink(ns: NetnsView, args: string[], o: IpOptions): string {
  const text: LinkTextOptions = { link: true, details: o.details, oneline: o.oneline };
  return selectLinks(ns, args, 'link')
    .map((l) => (o.brief ? `${briefText(ns, l, undefined, true)}\n` : `${linkText(ns, l, text)}\n`))
    .join('');
}

const TABLES: Record<string, Route['table'] | 'all'> = { main: 'main', '254': 'main', local: 'local', '255': 'local', all: 'all', '0': 'all' };

function ipRoute(ns: NetnsView, args: string[], o: IpOptions): string {
  let table: Route['table'] | 'all' = 'main';
  let dev: string | undefined;
  let exact: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === 'table') {
      const t = nextArg(args, i++);
      if (TABLES[t] !== undefined) table = TABLES[t];
      else if (/^\d+$/.test(t)) throw new CommandExit('Error: ipv4: FIB table does not exist.\nDump terminated\n', 2);
      else throw new CommandExit(`Error: argument "${t}" is wrong: table id value is invalid\n\n`, 255);
    } else if (a === 'dev' || a === 'oif') dev = nextArg(args, i++);
    else if (['to', 'exact'].includes(a) || matches(a, 'exact')) exact = nextArg(args, i++);
    else if (['proto', 'scope', 'type', 'via', 'src', 'from', 'root', 'match', 'vrf', 'cached', 'cloned', 'iif', 'mark', 'metric', 'tos', 'dsfield', 'realm', 'realms'].includes(a)) throw notEmulated(`ip route show ${a}`);
    else exact = a;
  }
  if (dev !== undefined && !findLink(ns, dev)) throw new CommandExit(`Cannot find device "${dev}"\n`, 1);
  const families = o.family ? [o.family] : table === 'all' ? ['inet', 'inet6'] : ['inet'];
  let want: { dst: string; family: Route['family'] } | undefined;
  if (exact !== undefined) {
    const m = /^(default|all|any)$/.test(exact) ? 'default' : exact;
    if (m === 'default') want = { dst: o.family === 'inet6' ? '::/0' : '0.0.0.0/0', family: o.family ?? 'inet' };
    else if (/^\d+(\.\d+){0,3}(\/\d+)?$/.test(m)) want = { dst: m.includes('/') ? m : `${m}/32`, family: 'inet' };
    else if (/^[0-9a-f:]+(\/\d+)?$/i.test(m) && m.includes(':')) want = { dst: m.includes('/') ? m : `${m}/128`, family: 'inet6' };
    else throw new CommandExit(`Error: any valid prefix is expected rather than "${exact}".\n`, 1);
  }
  return ns.routes
    .filter((r) => families.includes(r.family) && (table === 'all' || r.table === table) && (dev === undefined || r.dev === dev))
    .filter((r) => !want || (r.family === want.family && r.dst === want.dst))
    .map((r) => `${routeText(r, { showDev: dev === undefined, showTable: table === 'all' })}\n`)
    .join('');
}

function ipNeigh(ns: NetnsView, args: string[], o: IpOptions): string {
  let dev: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === 'dev') dev = nextArg(args, i++);
    else throw notEmulated(`ip neigh show ${args[i]}`);
  }
  if (dev !== undefined && !findLink(ns, dev)) throw new CommandExit(`Cannot find device "${dev}"\n`, 1);
  if (o.family === 'inet6') return '';
  return ns.neighbors
    .filter((n) => dev === undefined || n.dev === dev)
    .map((n) => `${neighborText(n, dev === undefined)}\n`)
    .join('');
}

/** The read-only commands of each emulated object; the rest of an object's commands change state. */
const IP_COMMANDS: Record<string, { name: string; order: string[]; list: (ns: NetnsView, args: string[], o: IpOptions) => string }> = {
  address: { name: 'address', order: ['add', 'change', 'replace', 'delete', 'list', 'show', 'lst', 'flush', 'save', 'showdump', 'restore', 'help'], list: ipAddress },
  link: { name: 'link', order: ['add', 'set', 'change', 'replace', 'delete', 'show', 'lst', 'list', 'xstats', 'afstats', 'property', 'help'], list: ipLink },
  route: { name: 'route', order: ['add', 'change', 'replace', 'prepend', 'append', 'test', 'delete', 'list', 'show', 'lst', 'get', 'flush', 'save', 'restore', 'showdump', 'help'], list: ipRoute },
  neighbor: { name: 'neigh', order: ['add', 'change', 'replace', 'delete', 'get', 'show', 'lst', 'list', 'flush', 'help'], list: ipNeigh },
};

function iproute2Ip(ns: NetnsView, argv: string[]): string {
  const { o, rest, version } = parseIpOptions(argv);
  if (version) return 'ip utility, iproute2-6.1.0, libbpf 1.1.2\n';
  if (rest.length === 0) throw new CommandExit(IP_USAGE, 255);
  const object = IP_OBJECTS.find((k) => matches(rest[0], k));
  if (object === undefined) throw new CommandExit(`Object "${rest[0]}" is unknown, try "ip help".\n`, 1);
  if (object === 'help') throw new CommandExit(IP_USAGE, 255);
  const cmd = IP_COMMANDS[object === 'neighbour' ? 'neighbor' : object];
  if (!cmd) throw notEmulated(`ip ${object}`);
  const [verb, ...args] = rest.slice(1);
  if (verb === undefined) return cmd.list(ns, [], o);
  const command = cmd.order.find((c) => matches(verb, c) || (c === 'change' && verb === 'chg'));
  if (command === undefined) throw new CommandExit(`Command "${verb}" is unknown, try "ip ${cmd.name === 'address' ? 'address' : cmd.name} help".\n`, 255);
  if (!['show', 'list', 'lst'].includes(command)) throw notEmulated(`ip ${cmd.name} ${command}`);
  return cmd.list(ns, args, o);
}

/** Runs `ip argv…` in the namespace: iproute2 6.1 (Debian bookworm's) or busybox 1.36's applet. */
export function runIp(ns: NetnsView, argv: string[], flavour: IpFlavour = 'iproute2'): CommandResult {
  return run(() => (flavour === 'busybox' ? runBusyboxIp(ns, argv) : iproute2Ip(ns, argv)));
}

/** Runs `bridge argv…` (iproute2 6.1) in the namespace: `bridge [-d] link [show] [dev DEV]`. */
export function runBridge(ns: NetnsView, argv: string[]): CommandResult {
  return run(() => {
    let details = false;
    let i = 0;
    for (; i < argv.length && argv[i].startsWith('-'); i++) {
      if (argv[i] === '--') {
        i++;
        break;
      }
      const opt = argv[i].startsWith('--') ? argv[i].slice(1) : argv[i];
      const known = ['-help', '-Version', '-stats', '-statistics', '-details', '-oneline', '-timestamp', '-family', '-4', '-6', '-netns', '-color', '-compressvlans', '-force', '-json', '-pretty', '-batch'];
      const name = known.find((k) => (k === '-4' || k === '-6' ? opt === k : matches(opt, k)));
      if (name === undefined) throw new CommandExit(`Option "${opt}" is unknown, try "bridge help".\n`, 255);
      if (name === '-help') throw new CommandExit(BRIDGE_USAGE, 255);
      if (name === '-Version') return 'bridge utility, 6.1.0\n';
      if (name === '-details') details = true;
      else throw notEmulated(`bridge ${opt}`);
    }
    const [object, verb, ...args] = argv.slice(i);
    if (object === undefined) throw new CommandExit(BRIDGE_USAGE, 255);
    const obj = ['link', 'fdb', 'mdb', 'vlan', 'monitor', 'help'].find((k) => matches(object, k));
    if (obj === undefined) throw new CommandExit(`Object "${object}" is unknown, try "bridge help".\n`, 255);
    if (obj === 'help') throw new CommandExit(BRIDGE_USAGE, 255);
    if (obj !== 'link') throw notEmulated(`bridge ${obj}`);
    if (verb !== undefined) {
      if (matches(verb, 'set') || matches(verb, 'change')) throw notEmulated('bridge link set');
      if (!['show', 'lst', 'list'].some((k) => matches(verb, k))) {
        if (matches(verb, 'help')) throw notEmulated('bridge link help');
        throw new CommandExit(`Command "${verb}" is unknown, try "bridge link help".\n`, 255);
      }
    }
    let dev: string | undefined;
    for (let j = 0; j < args.length; j++)
      if (args[j] === 'dev') {
        const d = nextArg(args, j++);
        if (dev !== undefined) throw new CommandExit(`Error: duplicate "dev": "${d}" is the second value.\n`, 255);
        dev = d;
      }
    if (dev !== undefined && !findLink(ns, dev)) throw new CommandExit(`Cannot find device "${dev}"\n`, 255);
    return ns.interfaces
      .filter((l) => l.bridgePort && (dev === undefined || l.name === dev))
      .map((l) => bridgeLinkText(ns, l, details))
      .join('');
  });
}
