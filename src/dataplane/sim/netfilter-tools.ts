// The netfilter and IPVS tools of a node, answered from the rules kube-proxy renders for it: `iptables -L -n` and
// `-S`, `iptables-save`, `nft list ...` and `ipvsadm -Ln`/`-Sn`, each in the proxy mode that writes it, and what
// iptables 1.8.9 (nf_tables, Debian 12 as on kind nodes) or nft prints where the mode writes nothing. Read-only: a
// command that would change rules says it is not emulated.

import type { ProxyMode } from '../../core/cluster-config.js';
import { LIST_HEADER, listView } from '../../proxy/backends/iptables/list-view.js';
import { renderJumpRules } from '../../proxy/backends/iptables/jump-rules.js';
import { IptablesRenderer } from '../../proxy/backends/iptables/render.js';
import { chainOrder, nodeRuleset, saveRule, saveView } from '../../proxy/backends/iptables/save-view.js';
import { renderIpvs } from '../../proxy/backends/ipvs/render.js';
import { ipvsadmSave, ipvsadmView } from '../../proxy/backends/ipvs/views.js';
import { listChain, listTable } from '../../proxy/backends/nftables/list-view.js';
import { NftablesRenderer } from '../../proxy/backends/nftables/render.js';
import { tableFromScripts } from '../../proxy/backends/nftables/table.js';
import type { NodeProxyView } from '../../proxy/model.js';
import type { Ruleset } from '../../proxy/tracer/iptables-rules.js';
import { CommandExit, run, type CommandResult } from './layout/command-exit.js';

/** What the tools read: the node's proxy view in its mode, the Service CIDRs (nftables), and the time (iptables-save). */
export interface NodeRules {
  mode: ProxyMode;
  /**
   * False when Cilium's kube-proxy replacement runs instead of kube-proxy: then nothing writes Service rules into
   * iptables, nftables or IPVS, and the tools show what a node without kube-proxy has (Cilium's own CILIUM_* chains
   * are not modelled). Default true.
   */
  kubeProxy?: boolean;
  view: NodeProxyView;
  serviceCIDRs: string[];
  now: Date;
}

const IPTABLES = 'iptables v1.8.9 (nf_tables)';
const TRY = "Try `iptables -h' or 'iptables --help' for more information.\n";

/** Built-in chains of every table, in hook order (iptables-nft creates a table's base chains when it is first listed). */
const BUILTINS: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

function notEmulated(what: string, instead = ''): CommandExit {
  return new CommandExit(`flatnet: \`${what}\` is not emulated${instead ? `; ${instead}` : ''}\n`, 2);
}

/** The iptables rules kube-proxy leaves on the node in iptables mode; an empty ruleset in nftables mode. */
function ruleset(r: NodeRules): Ruleset {
  if (r.kubeProxy === false) return new Map();
  if (r.mode === 'ipvs') throw notEmulated('iptables in IPVS mode (its rules match ipsets)', 'see `flatnet rules --mode ipvs --view restore` and `--view ipset`');
  if (r.mode !== 'iptables') return new Map();
  const renderer = new IptablesRenderer(r.view);
  return nodeRuleset(renderJumpRules(renderer.options), renderer.render());
}

/** A table as the node has it: kube-proxy's, or only its built-in chains (what iptables-nft creates on first use). */
function tableOf(rs: Ruleset, table: string): Ruleset {
  if (rs.has(table)) return rs;
  const chains = new Map(BUILTINS[table].map((c) => [c, { name: c, policy: 'ACCEPT', rules: [] }]));
  return new Map([...rs, [table, { name: table, chains }]]);
}

interface IptablesArgs {
  table: string;
  command?: 'L' | 'S';
  chain?: string;
  numeric: boolean;
}

function badUsage(message: string): CommandExit {
  return new CommandExit(`${IPTABLES}: ${message}\n${TRY}`, 2);
}

/** iptables' options, as its getopt loop reads them: clusters (`-nL`), `-t nat`/`-tnat`, `-L [chain]` directly after. */
function parseIptables(argv: string[]): IptablesArgs | 'version' {
  const a: IptablesArgs = { table: 'filter', numeric: false };
  const writes = 'AIDRFZNXPE';
  const optionalChain = (i: number) => (argv[i + 1] !== undefined && !argv[i + 1].startsWith('-') ? argv[i + 1] : undefined);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [name, value] = arg.slice(2).split('=', 2);
      if (name === 'table') a.table = value ?? argv[++i] ?? '';
      else if (name === 'list' || name === 'list-rules') {
        a.command = name === 'list' ? 'L' : 'S';
        a.chain = optionalChain(i);
        if (a.chain !== undefined) i++;
      } else if (name === 'numeric') a.numeric = true;
      else if (name === 'version') return 'version';
      else if (['append', 'insert', 'delete', 'replace', 'flush', 'zero', 'new-chain', 'delete-chain', 'policy', 'rename-chain'].includes(name)) throw notEmulated(`iptables ${arg}`, "the node's rules are kube-proxy's, rendered from the cluster: change the Services and EndpointSlices instead");
      else if (['verbose', 'exact', 'line-numbers', 'help', 'check'].includes(name)) throw notEmulated(`iptables ${arg}`);
      else throw badUsage(`unknown option "${arg}"`);
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') throw new CommandExit(`Bad argument \`${arg}'\n${TRY}`, 2);
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j];
      if (c === 't') {
        a.table = j + 1 < arg.length ? arg.slice(j + 1) : (argv[++i] ?? '');
        break;
      }
      if (c === 'L' || c === 'S') {
        a.command = c;
        if (j === arg.length - 1) {
          a.chain = optionalChain(i);
          if (a.chain !== undefined) i++;
        }
      } else if (c === 'n') a.numeric = true;
      else if (c === 'V') return 'version';
      else if (writes.includes(c)) throw notEmulated(`iptables -${c}`, "the node's rules are kube-proxy's, rendered from the cluster: change the Services and EndpointSlices instead");
      else if ('vxh'.includes(c) || c === 'C') throw notEmulated(`iptables -${c}`);
      else throw badUsage(`unknown option "-${c}"`);
    }
  }
  return a;
}

/** Chains in iptables-save order: chainOrder knows filter's and nat's built-ins; other tables hold only theirs here. */
function orderOf(rs: Ruleset, table: string): string[] {
  return table === 'filter' || table === 'nat' ? chainOrder(rs, table) : BUILTINS[table];
}

/** `iptables -S [chain]`: policies (`-P`), then user chains (`-N`), then every rule (`-A`), in iptables-save order. */
function listRules(rs: Ruleset, table: string, chain?: string): string {
  const t = rs.get(table)!;
  const chains = chain !== undefined ? [chain] : orderOf(rs, table);
  const out: string[] = [];
  for (const c of chains) out.push(t.chains.get(c)!.policy ? `-P ${c} ${t.chains.get(c)!.policy}` : `-N ${c}`);
  for (const c of chains) for (const rule of t.chains.get(c)!.rules) out.push(`-A ${c} ${saveRule(rule)}`.trimEnd());
  return `${out.join('\n')}\n`;
}

/** Built-in chains only, listed in hook order. */
function listBuiltins(table: string): string {
  return `${BUILTINS[table].map((c) => `Chain ${c} (policy ACCEPT)\n${LIST_HEADER}`).join('\n\n')}\n`;
}

/** `iptables [-t TABLE] -L [CHAIN] -n` and `-S [CHAIN]`, as iptables 1.8.9 (nf_tables) prints them. */
export function runIptables(r: NodeRules, argv: string[]): CommandResult {
  return run(() => {
    const a = parseIptables(argv);
    if (a === 'version') return `${IPTABLES}\n`;
    if (!a.command) throw badUsage('no command specified');
    if (!(a.table in BUILTINS)) throw new CommandExit(`${IPTABLES}: table '${a.table}' does not exist\nPerhaps iptables or your kernel needs to be upgraded.\n`, 3);
    if (a.command === 'L' && !a.numeric) throw notEmulated('iptables -L without -n', 'it prints names from /etc/services and reverse DNS; add -n');
    const rs = tableOf(ruleset(r), a.table);
    // iptables 1.8.9's nft backend reports a missing chain this way (nft_chain_list_get / nft_is_chain_compatible).
    if (a.chain !== undefined && !rs.get(a.table)!.chains.has(a.chain)) throw new CommandExit(`${IPTABLES}: chain \`${a.chain}' in table \`${a.table}' is incompatible, use 'nft' tool.\n`, 1);
    if (a.command === 'S') return listRules(rs, a.table, a.chain);
    return a.table === 'filter' || a.table === 'nat' || a.chain !== undefined ? listView(rs, a.table, a.chain) : listBuiltins(a.table);
  });
}

/** ctime(3) in UTC, as iptables-save stamps its output: `Mon Nov 23 10:00:00 2026`. */
export function ctime(d: Date): string {
  const [day, mon] = [d.toUTCString().slice(0, 3), d.toUTCString().slice(8, 11)];
  const two = (n: number) => String(n).padStart(2, '0');
  return `${day} ${mon} ${String(d.getUTCDate()).padStart(2)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** `iptables-save [-t TABLE]`: each table between its `# Generated by` and `# Completed on` lines. */
export function runIptablesSave(r: NodeRules, argv: string[]): CommandResult {
  return run(() => {
    let table: string | undefined;
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === '-t' || arg === '--table') table = argv[++i];
      else if (arg.startsWith('-t') && arg.length > 2) table = arg.slice(2);
      else if (arg.startsWith('--table=')) table = arg.slice('--table='.length);
      else if (arg === '-V' || arg === '--version') return `iptables-save v1.8.9 (nf_tables)\n`;
      else throw notEmulated(`iptables-save ${arg}`);
    }
    if (table !== undefined && !(table in BUILTINS)) throw new CommandExit(`Table \`${table}' does not exist\n`, 1);
    const rs = table !== undefined ? tableOf(ruleset(r), table) : ruleset(r);
    const stamp = ctime(r.now);
    const tables = (table !== undefined ? [table] : ['filter', 'nat']).filter((t) => rs.has(t));
    return tables
      .map((t) => {
        const body = t === 'filter' || t === 'nat' ? saveView(rs, [t]) : `*${t}\n${BUILTINS[t].map((c) => `:${c} ACCEPT [0:0]`).join('\n')}\nCOMMIT\n`;
        return `# Generated by iptables-save v1.8.9 (nf_tables) on ${stamp}\n${body}# Completed on ${stamp}\n`;
      })
      .join('');
  });
}

/** `nft list ruleset | tables | table ip kube-proxy | chain ip kube-proxy CHAIN`, in nftables mode. */
export function runNft(r: NodeRules, argv: string[]): CommandResult {
  return run(() => {
    if (argv[0] === '-v' || argv[0] === '--version') return 'nftables v1.0.6 (Lester Gooch #5)\n';
    if (argv[0] !== 'list') throw notEmulated(`nft ${argv.join(' ')}`, 'the node answers nft list ruleset, list tables, list table and list chain');
    if (r.kubeProxy === false) throw notEmulated(`nft ${argv.join(' ')}`, "this node runs no kube-proxy, and the tables Cilium's own iptables-nft chains live in are not modelled");
    if (r.mode !== 'nftables') {
      if (argv[1] === 'ruleset' && r.mode === 'iptables') throw notEmulated(`nft list ruleset in iptables mode`, 'iptables-nft keeps kube-proxy\'s rules in tables ip filter and ip nat, which nft would print translated; see iptables-save');
      if (r.mode === 'iptables' && argv[1] === 'tables') return 'table ip filter\ntable ip nat\n';
      throw notEmulated(`nft ${argv.join(' ')} in ${r.mode} mode`, 'kube-proxy writes no nftables table in this mode');
    }
    const table = tableFromScripts(new NftablesRenderer(r.view, { serviceCIDRs: r.serviceCIDRs }).render());
    const [, what, family, name, chain] = argv;
    if (what === 'ruleset' && argv.length === 2) return listTable(table);
    if (what === 'tables' && argv.length === 2) return 'table ip kube-proxy\n';
    if (what === 'table' && family === 'ip' && name === 'kube-proxy' && argv.length === 4) return listTable(table);
    if (what === 'chain' && family === 'ip' && name === 'kube-proxy' && chain !== undefined && argv.length === 5) {
      const text = listChain(table, chain);
      if (text === undefined) throw new CommandExit(`Error: No such file or directory\nlist chain ip kube-proxy ${chain}\n${' '.repeat(25)}${'^'.repeat(chain.length)}\n`, 1);
      return text;
    }
    if ((what === 'table' || what === 'chain') && family === 'ip' && name !== undefined && name !== 'kube-proxy') {
      const cmd = argv.slice(1).join(' ');
      throw new CommandExit(`Error: No such file or directory\nlist ${cmd}\n${' '.repeat(`list ${what} ip `.length)}${'^'.repeat(name.length)}\n`, 1);
    }
    throw notEmulated(`nft ${argv.join(' ')}`, 'the node answers nft list ruleset, list tables, list table ip kube-proxy and list chain ip kube-proxy CHAIN');
  });
}

/** `ipvsadm -Ln` and `-Sn`: IPVS mode's virtual servers; an empty table where kube-proxy programs none. */
export function runIpvsadm(r: NodeRules, argv: string[]): CommandResult {
  return run(() => {
    const flags = new Set<string>();
    for (const arg of argv) {
      if (arg === '--list') flags.add('L');
      else if (arg === '--numeric') flags.add('n');
      else if (arg === '--save') flags.add('S');
      else if (/^-[LlnS]+$/.test(arg)) for (const c of arg.slice(1)) flags.add(c === 'l' ? 'L' : c);
      else throw notEmulated(`ipvsadm ${arg}`, 'the node answers ipvsadm -Ln and ipvsadm -Sn');
    }
    // Without -n (and with no arguments, which lists) ipvsadm prints host and service names.
    if (!flags.has('n')) throw notEmulated(`ipvsadm${argv.length ? ` ${argv.join(' ')}` : ''}`, 'without -n it prints host and service names; add -n');
    // Outside IPVS mode nothing programs IPVS: ipvsadm (which loads ip_vs itself) prints an empty table.
    const state = r.mode === 'ipvs' && r.kubeProxy !== false ? renderIpvs(r.view) : { virtualServers: [], dummyAddresses: [], ipsets: [], iptables: '', jumpRules: [], restore: '' };
    return flags.has('S') ? ipvsadmSave(state) : ipvsadmView(state);
  });
}
