// What `iptables-save` prints after kube-proxy loaded its rules: built-in chains first, user chains sorted, address
// and protocol matches moved to the front with prefix lengths, canonical module options (verified, iptables 1.8.9).

import { loadRestore } from '../../tracer/iptables-ruleset.js';
import { Rule, Ruleset, tokenize } from '../../tracer/iptables-rules.js';
import { BUILTIN_CHAINS } from '../../tracer/iptables-ruleset.js';

/** One `-m` module of a rule with its options, as written. */
export interface RuleModule {
  name: string;
  /** Option tokens, `!` included, in written order. */
  args: string[];
}

/** A rule split the way iptables stores it: address/protocol fields, matches in order, target with options. */
export interface RuleAnatomy {
  src?: { invert: boolean; cidr: string };
  dst?: { invert: boolean; cidr: string };
  proto?: { invert: boolean; name: string };
  modules: RuleModule[];
  target?: { name: string; args: string[] };
}

function withPrefix(a: string): string {
  return a.includes('/') ? a : `${a}/32`;
}

/** Splits a rule's arguments into its anatomy (options after `-m X` belong to X until the next `-m` or `-j`). */
export function ruleAnatomy(rule: Rule): RuleAnatomy {
  const args = tokenize(rule.spec);
  const a: RuleAnatomy = { modules: [] };
  let invert = false;
  for (let i = 0; i < args.length; i++) {
    const t = args[i];
    if (t === '!') {
      invert = true;
      continue;
    }
    if (t === '-s' || t === '-d') a[t === '-s' ? 'src' : 'dst'] = { invert, cidr: withPrefix(args[++i]) };
    else if (t === '-p') a.proto = { invert, name: args[++i] };
    else if (t === '-m') a.modules.push({ name: args[++i], args: [] });
    else if (t === '-j') {
      a.target = { name: args[i + 1], args: args.slice(i + 2) };
      break;
    } else a.modules[a.modules.length - 1].args.push(...(invert ? ['!', t] : [t]));
    invert = false;
  }
  return a;
}

/** xtables_save_string: bare when only [A-Za-z0-9_-], else double-quoted with \" \\ \' escaped. */
export function saveString(s: string): string {
  return /^[A-Za-z0-9_-]+$/.test(s) ? s : `"${s.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** A hex number as iptables prints marks: `0x4000`. */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** A probability as the kernel stores it (a 31-bit fraction) and iptables-save prints it (11 decimals). */
export function savedProbability(p: number): string {
  return (Math.round(p * 2 ** 31) / 2 ** 31).toFixed(11);
}

/** The value following `flag` in an option list, and whether it was negated. */
export function option(args: string[], flag: string): { value?: string; invert: boolean } {
  const k = args.indexOf(flag);
  return k < 0 ? { invert: false } : { value: args[k + 1], invert: args[k - 1] === '!' };
}

function markPair(s: string): string {
  const [v, m] = s.split('/');
  return m === undefined ? hex(Number(v)) : `${hex(Number(v))}/${hex(Number(m))}`;
}

function saveModule(m: RuleModule): string {
  const o = (flag: string) => option(m.args, flag);
  const neg = (flag: string) => (o(flag).invert ? '! ' : '');
  switch (m.name) {
    case 'comment': return `-m comment --comment ${saveString(o('--comment').value!)}`;
    case 'tcp': case 'udp': case 'sctp': return o('--dport').value ? `-m ${m.name} ${neg('--dport')}--dport ${o('--dport').value}` : `-m ${m.name}`;
    case 'addrtype': return `-m addrtype ${m.args.filter((x) => x !== '!').join(' ').replace(/^/, o('--dst-type').invert || o('--src-type').invert ? '! ' : '')}`;
    case 'statistic': return `-m statistic --mode random --probability ${savedProbability(Number(o('--probability').value))}`;
    case 'recent': {
      const name = o('--name').value!;
      if (m.args.includes('--set')) return `-m recent --set --name ${name} --mask 255.255.255.255 --rsource`;
      return `-m recent --rcheck --seconds ${o('--seconds').value} --reap --name ${name} --mask 255.255.255.255 --rsource`;
    }
    case 'mark': return `-m mark ${neg('--mark')}--mark ${markPair(o('--mark').value!)}`;
    case 'conntrack': return `-m conntrack ${neg('--ctstate')}--ctstate ${o('--ctstate').value}`;
    case 'nfacct': return `-m nfacct --nfacct-name ${saveString(o('--nfacct-name').value!)}`;
    default: throw new Error(`save view: module ${m.name} is not supported`);
  }
}

function saveTarget(t: { name: string; args: string[] }): string {
  const o = (flag: string) => option(t.args, flag).value;
  if (t.name === 'MARK') {
    const or = o('--or-mark');
    const xor = o('--xor-mark');
    return `-j MARK --set-xmark ${or ? `${hex(Number(or))}/${hex(Number(or))}` : xor ? `${hex(Number(xor))}/0x0` : markPair(o('--set-xmark')!)}`;
  }
  if (t.name === 'REJECT') return '-j REJECT --reject-with icmp-port-unreachable';
  return ['-j', t.name, ...t.args].join(' ');
}

/** One rule as iptables-save prints it (without `-A <chain>`). */
export function saveRule(rule: Rule): string {
  const a = ruleAnatomy(rule);
  const parts: string[] = [];
  if (a.src) parts.push(`${a.src.invert ? '! ' : ''}-s ${a.src.cidr}`);
  if (a.dst) parts.push(`${a.dst.invert ? '! ' : ''}-d ${a.dst.cidr}`);
  if (a.proto) parts.push(`${a.proto.invert ? '! ' : ''}-p ${a.proto.name}`);
  for (const m of a.modules) parts.push(saveModule(m));
  if (a.target) parts.push(saveTarget(a.target));
  return parts.join(' ');
}

/** Chains of a table in iptables-save order: built-in chains in hook order, then user chains sorted bytewise. */
export function chainOrder(rs: Ruleset, table: string): string[] {
  const t = rs.get(table);
  if (!t) return [];
  const builtins = (BUILTIN_CHAINS[table] ?? []).filter((c) => t.chains.has(c));
  const user = [...t.chains.keys()].filter((c) => !builtins.includes(c)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...builtins, ...user];
}

/** `iptables-save` text for the given tables of a ruleset (without the `# Generated by` / `# Completed on` lines). */
export function saveView(rs: Ruleset, tables: string[] = ['filter', 'nat']): string {
  const out: string[] = [];
  for (const name of tables) {
    const t = rs.get(name);
    if (!t) continue;
    const order = chainOrder(rs, name);
    out.push(`*${name}`);
    for (const c of order) out.push(`:${c} ${t.chains.get(c)!.policy ?? '-'} [0:0]`);
    for (const c of order) for (const r of t.chains.get(c)!.rules) out.push(`-A ${c} ${saveRule(r)}`.trimEnd());
    out.push('COMMIT');
  }
  return out.join('\n') + '\n';
}

/** The node's state after kube-proxy ran: the built-in chain jumps plus the restore payload, as a Ruleset. */
export function nodeRuleset(jumps: string, payload: string): Ruleset {
  return loadRestore(payload, loadRestore(jumps));
}
