// Parses iptables-restore input (and iptables-save output) into tables, chains and rules with typed matches and
// targets; anything it does not understand is an error, so a test can never pass over a rule it cannot check.

/** A parse failure, naming the line and the token. */
export class IptablesParseError extends Error {
  constructor(message: string, readonly line?: number) {
    super(line !== undefined ? `line ${line}: ${message}` : message);
    this.name = 'IptablesParseError';
  }
}

export type Match =
  | { kind: 'protocol'; invert: boolean; protocol: string }
  | { kind: 'source' | 'destination'; invert: boolean; cidr: string }
  | { kind: 'dport'; invert: boolean; port: number }
  | { kind: 'comment'; comment: string }
  | { kind: 'addrtype'; invert: boolean; which: 'src' | 'dst'; type: string }
  | { kind: 'statistic'; probability: number }
  | { kind: 'recent'; op: 'set' | 'rcheck'; name: string; seconds?: number }
  | { kind: 'mark'; invert: boolean; value: number; mask: number }
  | { kind: 'ctstate'; invert: boolean; states: string[] }
  | { kind: 'nfacct'; name: string };

export type Target =
  | { kind: 'jump'; chain: string }
  | { kind: 'verdict'; verdict: 'ACCEPT' | 'DROP' | 'REJECT' | 'RETURN' }
  | { kind: 'DNAT'; to: string }
  | { kind: 'MASQUERADE'; randomFully: boolean }
  | { kind: 'MARK'; value: number; mask: number };

export interface Rule {
  chain: string;
  /** The rule as written, without `-A <chain> `. */
  spec: string;
  matches: Match[];
  target?: Target;
}

export interface Chain {
  name: string;
  /** Built-in chains have a policy; user chains have none. */
  policy?: string;
  rules: Rule[];
}

export interface Table {
  name: string;
  chains: Map<string, Chain>;
}

/** A whole ruleset: tables by name. */
export type Ruleset = Map<string, Table>;

const VERDICTS = ['ACCEPT', 'DROP', 'REJECT', 'RETURN'];

/** Splits a rule line into arguments, honouring double quotes as iptables-restore does. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m;
  while ((m = re.exec(line))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

function parseMarkPair(s: string): { value: number; mask: number } {
  const [v, m] = s.split('/');
  const value = Number(v);
  const mask = m === undefined ? 0xffffffff : Number(m);
  if (!Number.isFinite(value) || !Number.isFinite(mask)) throw new IptablesParseError(`bad mark "${s}"`);
  return { value, mask };
}

function withPrefix(cidr: string): string {
  return cidr.includes('/') ? cidr : `${cidr}/32`;
}

/** Parses the arguments of one rule (everything after `-A <chain>`). */
export function parseRuleSpec(chain: string, args: string[]): Rule {
  const rule: Rule = { chain, spec: args.map((a) => (/[\s"]/.test(a) || a === '' ? `"${a}"` : a)).join(' '), matches: [] };
  let invert = false;
  let module = '';
  let recent: { kind: 'recent'; op: 'set' | 'rcheck'; name: string; seconds?: number } | undefined;
  const next = (i: number) => {
    if (i + 1 >= args.length) throw new IptablesParseError(`"${args[i]}" needs a value in: -A ${chain} ${rule.spec}`);
    return args[i + 1];
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const take = () => next(i++);
    const inv = invert;
    invert = false;
    switch (a) {
      case '!': invert = true; break;
      case '-m':
        module = take();
        if (module === 'recent') rule.matches.push((recent = { kind: 'recent', op: undefined as any, name: '' }));
        break;
      case '-p': rule.matches.push({ kind: 'protocol', invert: inv, protocol: take() }); break;
      case '-s': rule.matches.push({ kind: 'source', invert: inv, cidr: withPrefix(take()) }); break;
      case '-d': rule.matches.push({ kind: 'destination', invert: inv, cidr: withPrefix(take()) }); break;
      case '--dport': rule.matches.push({ kind: 'dport', invert: inv, port: Number(take()) }); break;
      case '--comment': rule.matches.push({ kind: 'comment', comment: take() }); break;
      case '--dst-type': case '--src-type': rule.matches.push({ kind: 'addrtype', invert: inv, which: a === '--dst-type' ? 'dst' : 'src', type: take() }); break;
      case '--mode': if (take() !== 'random') throw new IptablesParseError(`statistic mode "${args[i]}" is not supported`); break;
      case '--probability': rule.matches.push({ kind: 'statistic', probability: Number(take()) }); break;
      case '--name': if (module === 'recent') recent!.name = take(); else throw new IptablesParseError(`--name outside -m recent`); break;
      case '--set': case '--rcheck': if (module !== 'recent') throw new IptablesParseError(`${a} outside -m recent`); recent!.op = a === '--set' ? 'set' : 'rcheck'; break;
      case '--seconds': if (module !== 'recent') throw new IptablesParseError('--seconds outside -m recent'); recent!.seconds = Number(take()); break;
      case '--reap': case '--rsource': break;
      case '--mask': if (take() !== '255.255.255.255') throw new IptablesParseError('recent --mask other than /32 is not supported'); break;
      case '--mark': rule.matches.push({ kind: 'mark', invert: inv, ...parseMarkPair(take()) }); break;
      case '--ctstate': rule.matches.push({ kind: 'ctstate', invert: inv, states: take().split(',') }); break;
      case '--nfacct-name': rule.matches.push({ kind: 'nfacct', name: take() }); break;
      case '-j': i = parseTarget(rule, args, i); break;
      default: throw new IptablesParseError(`unsupported argument "${a}" in: -A ${chain} ${rule.spec}`);
    }
  }
  if (rule.matches.some((m) => m.kind === 'recent' && (!m.op || !m.name))) throw new IptablesParseError(`-m recent needs --name and --set or --rcheck in: -A ${chain} ${rule.spec}`);
  return rule;
}

/** Parses `-j TARGET [options]` starting at args[i] === '-j'; returns the index of the last argument used. */
function parseTarget(rule: Rule, args: string[], i: number): number {
  const name = args[i + 1];
  if (name === undefined) throw new IptablesParseError(`-j without a target in: -A ${rule.chain} ${rule.spec}`);
  const rest = args.slice(i + 2);
  const opt = (flag: string) => {
    const k = rest.indexOf(flag);
    return k >= 0 ? rest[k + 1] : undefined;
  };
  const known = (flags: string[]) => {
    for (let k = 0; k < rest.length; k++) {
      if (!flags.includes(rest[k])) throw new IptablesParseError(`unsupported ${name} option "${rest[k]}" in: -A ${rule.chain} ${rule.spec}`);
      if (rest[k] !== '--random-fully') k++;
    }
  };
  if (VERDICTS.includes(name)) { known([]); rule.target = { kind: 'verdict', verdict: name as any }; }
  else if (name === 'DNAT') { known(['--to-destination']); rule.target = { kind: 'DNAT', to: opt('--to-destination')! }; }
  else if (name === 'MASQUERADE') { known(['--random-fully']); rule.target = { kind: 'MASQUERADE', randomFully: rest.includes('--random-fully') }; }
  else if (name === 'MARK') {
    known(['--or-mark', '--xor-mark', '--set-xmark']);
    const or = opt('--or-mark');
    const xor = opt('--xor-mark');
    const set = opt('--set-xmark');
    // --or-mark X is --set-xmark X/X; --xor-mark X is --set-xmark X/0 (what iptables-save prints).
    rule.target = or ? { kind: 'MARK', value: Number(or), mask: Number(or) } : xor ? { kind: 'MARK', value: Number(xor), mask: 0 } : { kind: 'MARK', ...parseMarkPair(set!) };
  } else if (/^[A-Z]/.test(name) && /^(KUBE-|[A-Z][A-Z0-9-]*$)/.test(name) && !name.includes(' ')) {
    if (rest.length) throw new IptablesParseError(`unexpected "${rest[0]}" after -j ${name}`);
    rule.target = { kind: 'jump', chain: name };
  } else throw new IptablesParseError(`unsupported target "${name}"`);
  return args.length - 1;
}
