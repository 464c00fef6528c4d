// What `iptables -t <table> -L [CHAIN] -n` prints (iptables 1.8.9, nf_tables): chain headers with policy or
// reference count, numeric protocol, fixed-width source and destination, then each match's and the target's text.

import type { Rule, Ruleset } from '../../tracer/iptables-rules.js';
import { chainOrder, hex, option, ruleAnatomy, RuleModule, savedProbability } from './save-view.js';

/** Protocol numbers `-n` prints (xtables_chain_protos). */
const PROTO_NUMBERS: Record<string, number> = { all: 0, tcp: 6, udp: 17, sctp: 132, icmp: 1 };

/** The column header line of every listed chain. */
export const LIST_HEADER = 'target     prot opt source               destination         ';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** An address as `-n` shows it: no `/32`, `0.0.0.0/0` for anywhere. */
function address(a?: { invert: boolean; cidr: string }): string {
  if (!a) return ' ' + pad('0.0.0.0/0', 19) + ' ';
  return (a.invert ? '!' : ' ') + pad(a.cidr.endsWith('/32') ? a.cidr.slice(0, -3) : a.cidr, 19) + ' ';
}

function markPair(s: string): string {
  const [v, m] = s.split('/');
  return m === undefined ? hex(Number(v)) : `${hex(Number(v))}/${hex(Number(m))}`;
}

function listModule(m: RuleModule): string {
  const o = (flag: string) => option(m.args, flag);
  switch (m.name) {
    case 'comment': return ` /* ${o('--comment').value} */`;
    case 'tcp': case 'udp': case 'sctp': {
      const d = o('--dport');
      return d.value ? ` ${m.name} dpt:${d.invert ? '!' : ''}${d.value}` : ` ${m.name}`;
    }
    case 'addrtype': {
      const which = o('--dst-type').value !== undefined ? 'dst' : 'src';
      const v = o(`--${which}-type`);
      return ` ADDRTYPE match ${which}-type ${v.invert ? '!' : ''}${v.value}`;
    }
    case 'statistic': return ` statistic mode random probability ${savedProbability(Number(o('--probability').value))}`;
    case 'recent': {
      const name = o('--name').value;
      if (m.args.includes('--set')) return ` recent: SET name: ${name} side: source mask: 255.255.255.255`;
      return ` recent: CHECK seconds: ${o('--seconds').value} reap name: ${name} side: source mask: 255.255.255.255`;
    }
    case 'mark': return ` mark match ${o('--mark').invert ? '! ' : ''}${markPair(o('--mark').value!)}`;
    case 'conntrack': return ` ${o('--ctstate').invert ? '! ' : ''}ctstate ${o('--ctstate').value}`;
    case 'nfacct': return ` nfacct-name  ${o('--nfacct-name').value}`;
    default: throw new Error(`list view: module ${m.name} is not supported`);
  }
}

function listTarget(t?: { name: string; args: string[] }): string {
  if (!t) return '';
  const o = (flag: string) => option(t.args, flag).value;
  switch (t.name) {
    case 'MARK': return o('--or-mark') ? ` MARK or ${hex(Number(o('--or-mark')))}` : o('--xor-mark') ? ` MARK xor ${hex(Number(o('--xor-mark')))}` : ` MARK set ${markPair(o('--set-xmark')!)}`;
    case 'REJECT': return ' reject-with icmp-port-unreachable';
    case 'DNAT': return ` to:${o('--to-destination')}`;
    case 'MASQUERADE': return t.args.includes('--random-fully') ? ' random-fully' : '';
    default: return '';
  }
}

/** One rule as `iptables -L -n` prints it. */
export function listRule(rule: Rule): string {
  const a = ruleAnatomy(rule);
  const proto = a.proto ? String(PROTO_NUMBERS[a.proto.name] ?? a.proto.name) : '0';
  const head = `${pad(a.target?.name ?? '', 9)} ${a.proto?.invert ? '!' : ' '}${pad(proto, 5)}-- ${address(a.src)}${address(a.dst)}`;
  return head + a.modules.map(listModule).join('') + listTarget(a.target);
}

/** How many rules of the table jump to `chain` (the "(N references)" of a user chain). */
function references(rs: Ruleset, table: string, chain: string): number {
  let n = 0;
  for (const c of rs.get(table)!.chains.values()) for (const r of c.rules) if (r.target?.kind === 'jump' && r.target.chain === chain) n++;
  return n;
}

function listChain(rs: Ruleset, table: string, chain: string): string[] {
  const c = rs.get(table)!.chains.get(chain)!;
  const title = c.policy ? `Chain ${chain} (policy ${c.policy})` : `Chain ${chain} (${references(rs, table, chain)} references)`;
  return [title, LIST_HEADER, ...c.rules.map(listRule)];
}

/**
 * `iptables -t <table> -L [chain] -n`. Throws for an unknown chain with iptables' own message
 * (`iptables: No chain/target/match by that name.`).
 */
export function listView(rs: Ruleset, table: string, chain?: string): string {
  const t = rs.get(table);
  if (chain !== undefined) {
    if (!t?.chains.has(chain)) throw new Error('iptables: No chain/target/match by that name.');
    return listChain(rs, table, chain).join('\n') + '\n';
  }
  if (!t) return '';
  return chainOrder(rs, table).map((c) => listChain(rs, table, c).join('\n')).join('\n\n') + '\n';
}
