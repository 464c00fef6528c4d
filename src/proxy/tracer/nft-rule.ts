// Parses the nft rule texts flatnet renders into matches and one statement, for the nft tracer. Only the shapes
// kube-proxy's nftables mode writes are understood; any other text is an error, so no rule is silently skipped.

/** A condition on the packet. */
export type NftMatch =
  | { kind: 'ctstate'; states: string[] }
  | { kind: 'addr'; field: 'saddr' | 'daddr'; negate: boolean; values: string[] }
  | { kind: 'addrset'; field: 'saddr' | 'daddr'; negate: boolean; set: string }
  | { kind: 'fiblocal'; field: 'saddr' | 'daddr' }
  | { kind: 'l4proto'; protocol: string }
  | { kind: 'dport'; protocol: string; port: number }
  | { kind: 'mark'; mask: number; value: number }
  /** `numgen random mod M V`: true with probability 1/M (when V < M). */
  | { kind: 'numgen'; mod: number; value: number };

/** What a rule does when its matches hold. */
export type NftStatement =
  | { kind: 'verdict'; verdict: 'accept' | 'drop' | 'reject' | 'return' }
  | { kind: 'jump' | 'goto'; chain: string }
  | { kind: 'lookup'; keys: ('daddr' | 'l4proto' | 'dport')[]; map: string }
  | { kind: 'numgen'; mod: number; map?: string; elements?: Map<number, NftStatement> }
  | { kind: 'dnat'; ip: string; port: number }
  | { kind: 'masquerade' }
  | { kind: 'markset'; op: 'or' | 'xor'; value: number }
  | { kind: 'update'; set: string };

export interface NftRule {
  text: string;
  matches: NftMatch[];
  /** Non-terminal statements before the last one (none in kube-proxy's rules) are not supported. */
  statement?: NftStatement;
  comment?: string;
}

/** A rule (or map element value) the tracer does not understand. */
export class NftRuleError extends Error {
  constructor(readonly rule: string, readonly rest: string) {
    super(`nft tracer: cannot interpret "${rest}" in rule "${rule}"`);
    this.name = 'NftRuleError';
  }
}

const field = (s: string) => s as 'saddr' | 'daddr';
const ADDR = String.raw`\d+\.\d+\.\d+\.\d+(?:/\d+)?`;

type Step = [RegExp, (m: RegExpExecArray) => NftMatch | NftStatement];

const MATCHES: Step[] = [
  [/^ct state ([a-z,]+)/, (m) => ({ kind: 'ctstate', states: m[1].split(',') })],
  [/^ip (saddr|daddr) (!= )?@(\S+)/, (m) => ({ kind: 'addrset', field: field(m[1]), negate: !!m[2], set: m[3] })],
  [new RegExp(String.raw`^ip (saddr|daddr) (!= )?\{ ([^}]*) \}`), (m) => ({ kind: 'addr', field: field(m[1]), negate: !!m[2], values: m[3].split(',').map((s) => s.trim()) })],
  [new RegExp(String.raw`^ip (saddr|daddr) (!= )?(${ADDR})(?= |$)`), (m) => ({ kind: 'addr', field: field(m[1]), negate: !!m[2], values: [m[3]] })],
  [/^fib (saddr|daddr) type local/, (m) => ({ kind: 'fiblocal', field: field(m[1]) })],
  [/^(tcp|udp|sctp) dport (\d+)/, (m) => ({ kind: 'dport', protocol: m[1], port: Number(m[2]) })],
  [/^meta l4proto (tcp|udp|sctp)(?= |$)/, (m) => ({ kind: 'l4proto', protocol: m[1] })],
  [/^mark and (0x[0-9a-f]+) == (0x[0-9a-f]+|\d+)/, (m) => ({ kind: 'mark', mask: Number(m[1]), value: Number(m[2]) })],
  [/^numgen random mod (\d+) (?:== )?(\d+)(?= |$)/, (m) => ({ kind: 'numgen', mod: Number(m[1]), value: Number(m[2]) })],
];

const STATEMENTS: Step[] = [
  [/^ip daddr \. meta l4proto \. th dport vmap @(\S+)$/, (m) => ({ kind: 'lookup', keys: ['daddr', 'l4proto', 'dport'], map: m[1] })],
  [/^meta l4proto \. th dport vmap @(\S+)$/, (m) => ({ kind: 'lookup', keys: ['l4proto', 'dport'], map: m[1] })],
  [/^numgen random mod (\d+) vmap @(\S+)$/, (m) => ({ kind: 'numgen', mod: Number(m[1]), map: m[2] })],
  [/^numgen random mod (\d+) vmap \{ (.*) \}$/, (m) => ({ kind: 'numgen', mod: Number(m[1]), elements: numgenElements(m[0], m[2]) })],
  [/^mark set mark (or|xor) (0x[0-9a-f]+)$/, (m) => ({ kind: 'markset', op: m[1] as 'or' | 'xor', value: Number(m[2]) })],
  [/^update @(\S+) \{ ip saddr \}$/, (m) => ({ kind: 'update', set: m[1] })],
  [/^meta l4proto (?:tcp|udp|sctp) dnat to (\d+\.\d+\.\d+\.\d+):(\d+)$/, (m) => ({ kind: 'dnat', ip: m[1], port: Number(m[2]) })],
  [/^masquerade(?: fully-random)?$/, () => ({ kind: 'masquerade' })],
];

/** A verdict as a statement: `goto X`, `jump X`, `accept`, `drop`, `reject`, `return`. */
export function parseVerdict(text: string, rule = text): NftStatement {
  const t = text.trim();
  const m = /^(jump|goto) (\S+)$/.exec(t);
  if (m) return { kind: m[1] as 'jump' | 'goto', chain: m[2] };
  if (/^(accept|drop|reject|return)$/.test(t)) return { kind: 'verdict', verdict: t as 'accept' | 'drop' | 'reject' | 'return' };
  throw new NftRuleError(rule, t);
}

function numgenElements(rule: string, body: string): Map<number, NftStatement> {
  const out = new Map<number, NftStatement>();
  for (const part of body.split(' , ')) {
    const m = /^(\d+) : (.+)$/.exec(part.trim());
    if (!m) throw new NftRuleError(rule, part);
    out.set(Number(m[1]), parseVerdict(m[2], rule));
  }
  return out;
}

function parse(text: string): NftRule {
  const rule: NftRule = { text, matches: [] };
  let rest = text.trim();
  const c = / comment "([^"]*)"$/.exec(rest);
  if (c) {
    rule.comment = c[1];
    rest = rest.slice(0, c.index).trim();
  }
  while (rest !== '') {
    const st = STATEMENTS.find(([re]) => re.test(rest));
    if (st) {
      rule.statement = st[1](st[0].exec(rest)!) as NftStatement;
      return rule;
    }
    const mt = MATCHES.find(([re]) => re.test(rest));
    if (!mt) {
      rule.statement = parseVerdict(rest, text);
      return rule;
    }
    const m = mt[0].exec(rest)!;
    rule.matches.push(mt[1](m) as NftMatch);
    rest = rest.slice(m[0].length).trim();
  }
  return rule;
}

const cache = new Map<string, NftRule>();

/** Parses a rule (cached: rule texts repeat across traces); throws NftRuleError for anything not understood. */
export function parseNftRule(text: string): NftRule {
  let r = cache.get(text);
  if (!r) {
    r = parse(text);
    if (cache.size > 100_000) cache.clear();
    cache.set(text, r);
  }
  return r;
}
