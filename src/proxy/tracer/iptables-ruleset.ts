// Loads iptables-restore text into a Ruleset the way `iptables-restore --noflush` applies it (chain lines flush,
// -A/-I/-D/-X edit), so deltas can be replayed on earlier state, and prints rulesets in a canonical order.

import { IptablesParseError, parseRuleSpec, Rule, Ruleset, Table, tokenize } from './iptables-rules.js';

/** Built-in chains per table, in iptables-save order, with their policy. */
export const BUILTIN_CHAINS: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

function newTable(name: string): Table {
  const t: Table = { name, chains: new Map() };
  for (const c of BUILTIN_CHAINS[name] ?? []) t.chains.set(c, { name: c, policy: 'ACCEPT', rules: [] });
  return t;
}

function chainOf(t: Table, name: string, line: number) {
  const c = t.chains.get(name);
  if (!c) throw new IptablesParseError(`chain ${name} does not exist in table ${t.name}`, line);
  return c;
}

function applyCommand(t: Table, args: string[], line: number): void {
  const [cmd, chain] = args;
  if (cmd === '-X') {
    const c = chainOf(t, chain, line);
    if (c.policy) throw new IptablesParseError(`cannot delete built-in chain ${chain}`, line);
    for (const other of t.chains.values()) if (other.rules.some((r) => r.target?.kind === 'jump' && r.target.chain === chain)) throw new IptablesParseError(`chain ${chain} is still referenced`, line);
    t.chains.delete(chain);
    return;
  }
  if (cmd === '-N') {
    if (t.chains.has(chain)) throw new IptablesParseError(`chain ${chain} already exists`, line);
    t.chains.set(chain, { name: chain, rules: [] });
    return;
  }
  if (cmd === '-F') {
    chainOf(t, chain, line).rules = [];
    return;
  }
  const c = chainOf(t, chain, line);
  if (cmd === '-A') c.rules.push(parseRuleSpec(chain, args.slice(2)));
  else if (cmd === '-I') {
    const pos = /^\d+$/.test(args[2] ?? '') ? Number(args[2]) : 1;
    c.rules.splice(pos - 1, 0, parseRuleSpec(chain, args.slice(/^\d+$/.test(args[2] ?? '') ? 3 : 2)));
  } else if (cmd === '-D') {
    const spec = parseRuleSpec(chain, args.slice(2)).spec;
    const k = c.rules.findIndex((r) => r.spec === spec);
    if (k < 0) throw new IptablesParseError(`-D ${chain}: no such rule: ${spec}`, line);
    c.rules.splice(k, 1);
  } else throw new IptablesParseError(`unsupported command "${cmd}"`, line);
}

/**
 * Applies restore input to `into` (a fresh ruleset when omitted), as `iptables-restore --noflush` would:
 * `:CHAIN` lines create or flush a chain, rules are validated on the way. Returns the ruleset.
 */
export function loadRestore(text: string, into: Ruleset = new Map()): Ruleset {
  let table: Table | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const l = raw.trim();
    if (l === '' || l.startsWith('#')) return;
    if (l.startsWith('*')) {
      const name = l.slice(1);
      if (!BUILTIN_CHAINS[name]) throw new IptablesParseError(`unsupported table "${name}"`, line);
      if (!into.has(name)) into.set(name, newTable(name));
      table = into.get(name);
      return;
    }
    if (!table) throw new IptablesParseError(`"${l}" outside a table`, line);
    if (l === 'COMMIT') {
      table = undefined;
      return;
    }
    if (l.startsWith(':')) {
      const [name, policy] = l.slice(1).split(/\s+/);
      const c = table.chains.get(name);
      if (c) c.rules = [];
      else table.chains.set(name, { name, rules: [] });
      if (policy && policy !== '-') table.chains.get(name)!.policy = policy;
      return;
    }
    try {
      applyCommand(table, tokenize(l), line);
    } catch (e) {
      if (e instanceof IptablesParseError && e.line === undefined) throw new IptablesParseError(e.message, line);
      throw e;
    }
  });
  if (table) throw new IptablesParseError(`table ${table.name} has no COMMIT`);
  return into;
}

/** The service name a top-level rule's comment starts with (upstream sortIPTablesRules' key). */
function commentServiceName(r: Rule): string {
  const c = r.matches.find((m) => m.kind === 'comment');
  return c && c.kind === 'comment' ? c.comment.split(/[ :]/)[0] : '';
}

/**
 * A canonical text form for comparing rulesets, after upstream's sortIPTablesRules: tables by name; chains
 * KUBE-NODEPORTS, KUBE-SERVICES, other KUBE-* alphabetically, then the rest; KUBE-SERVICES and KUBE-NODEPORTS rules
 * stably sorted by the service name in their comment, the "must be the last rule" rule kept last.
 */
export function canonicalText(rs: Ruleset): string {
  const out: string[] = [];
  const rank = (n: string) => (n === 'KUBE-NODEPORTS' ? '0' : n === 'KUBE-SERVICES' ? '1' : n.startsWith('KUBE-') ? `2${n}` : `3${n}`);
  for (const name of [...rs.keys()].sort()) {
    const t = rs.get(name)!;
    out.push(`*${name}`);
    const chains = [...t.chains.values()].sort((a, b) => (rank(a.name) < rank(b.name) ? -1 : rank(a.name) > rank(b.name) ? 1 : 0));
    for (const c of chains) out.push(`:${c.name} ${c.policy ?? '-'} [0:0]`);
    for (const c of chains) {
      let rules = c.rules;
      if (c.name === 'KUBE-SERVICES' || c.name === 'KUBE-NODEPORTS') {
        const isLast = (r: Rule) => commentServiceName(r) === 'kubernetes' && r.target?.kind === 'jump' && r.target.chain === 'KUBE-NODEPORTS';
        const keyed = rules.map((r, i) => ({ r, i, k: isLast(r) ? '\uffff' : commentServiceName(r) }));
        rules = keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i)).map((x) => x.r);
      }
      for (const r of rules) out.push(`-A ${c.name} ${r.spec}`);
    }
    out.push('COMMIT');
  }
  return out.join('\n') + '\n';
}

/** Checks upstream's checkIPTablesRuleJumps invariants: every jump target exists; no KUBE chain is unreferenced. */
export function checkJumps(rs: Ruleset, topLevel: string[] = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ', 'KUBE-FIREWALL']): string[] {
  const problems: string[] = [];
  for (const t of rs.values()) {
    const referenced = new Set<string>();
    for (const c of t.chains.values())
      for (const r of c.rules)
        if (r.target?.kind === 'jump') {
          referenced.add(r.target.chain);
          const target = t.chains.get(r.target.chain);
          if (!target) problems.push(`${t.name} ${c.name} jumps to missing chain ${r.target.chain}`);
          // Built-in chains jump to kube-proxy's top-level chains whether or not they hold rules.
          else if (target.rules.length === 0 && r.target.chain !== 'KUBE-NODEPORTS' && !c.policy) problems.push(`${t.name} ${c.name} jumps to empty chain ${r.target.chain}`);
        }
    for (const c of t.chains.values()) if (!c.policy && !topLevel.includes(c.name) && !referenced.has(c.name)) problems.push(`${t.name} chain ${c.name} is never jumped to`);
  }
  return problems;
}
