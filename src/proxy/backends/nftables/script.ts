// Parses the `nft -f` scripts flatnet renders (knftables' flat `add`/`flush`/`delete` commands) into commands.
// Only the command shapes kube-proxy emits are accepted; anything else is an error naming the line.

export type NftObjectKind = 'table' | 'chain' | 'set' | 'map' | 'rule' | 'element';
export type NftVerb = 'add' | 'flush' | 'delete';

/** A chain's, set's or table's `{ ... ; }` declaration, parsed. */
export interface NftSpec {
  type?: string;
  typeof?: string;
  hook?: string;
  priority?: number;
  flags?: string[];
  timeout?: number;
  comment?: string;
}

export interface NftElement {
  /** Key text as written, e.g. `172.30.0.41 . tcp . 80`. */
  key: string;
  /** Verdict or data, e.g. `goto service-…` or `drop`; absent in plain sets. */
  value?: string;
  comment?: string;
}

export interface NftCommand {
  verb: NftVerb;
  kind: NftObjectKind;
  /** Object name (chain, set, map); the chain for a rule; the set or map for an element. */
  name: string;
  spec?: NftSpec;
  rule?: string;
  elements?: NftElement[];
  /** 1-based line in the script, for error messages. */
  line: number;
}

export class NftScriptError extends Error {
  constructor(
    readonly line: number,
    readonly text: string,
    readonly reason: string,
  ) {
    super(`nft script line ${line}: ${reason}: ${text}`);
    this.name = 'NftScriptError';
  }
}

/** Splits on `sep` outside double quotes and braces, trimming each part and dropping empty ones. */
export function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (depth === 0 && s.startsWith(sep, i)) {
      out.push(s.slice(start, i).trim());
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  out.push(s.slice(start).trim());
  return out.filter((p) => p !== '');
}

/** Duration text as nft accepts it (`10800s`, `3h`, `1m40s`) to seconds. */
export function parseDuration(s: string): number | undefined {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(s);
  if (!m || s === '') return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

function unquote(s: string): string | undefined {
  return /^"[^"]*"$/.test(s) ? s.slice(1, -1) : undefined;
}

function parseSpec(body: string, fail: (why: string) => never): NftSpec {
  const spec: NftSpec = {};
  for (const part of splitTopLevel(body, ';')) {
    let m: RegExpExecArray | null;
    if ((m = /^comment ("[^"]*")$/.exec(part))) spec.comment = unquote(m[1]);
    else if ((m = /^type (filter|nat) hook (\w+) priority (-?\d+)$/.exec(part))) {
      spec.type = m[1];
      spec.hook = m[2];
      spec.priority = Number(m[3]);
    } else if ((m = /^type (.+)$/.exec(part))) spec.type = m[1];
    else if ((m = /^typeof (.+)$/.exec(part))) spec.typeof = m[1];
    else if ((m = /^flags ([a-z,]+)$/.exec(part))) spec.flags = m[1].split(',');
    else if ((m = /^timeout (\S+)$/.exec(part))) {
      const t = parseDuration(m[1]);
      if (t === undefined) fail(`bad timeout ${m[1]}`);
      spec.timeout = t;
    } else fail(`unsupported declaration "${part}"`);
  }
  return spec;
}

/** Parses one element `KEY [comment "c"] [: VALUE]`. */
export function parseElement(text: string): NftElement | undefined {
  const m = /^(.+?)(?: comment ("[^"]*"))?(?: : (.+))?$/.exec(text.trim());
  if (!m) return undefined;
  const e: NftElement = { key: m[1] };
  if (m[2] !== undefined) e.comment = unquote(m[2]);
  if (m[3] !== undefined) e.value = m[3];
  return e;
}

function braced(rest: string, fail: (why: string) => never): string {
  if (!rest.startsWith('{') || !rest.endsWith('}')) fail('expected { ... }');
  return rest.slice(1, -1);
}

const HEAD = /^(add|flush|delete) (table|chain|set|map|rule|element) ip kube-proxy(?: (\S+))?(?: (.*))?$/;

/** Parses one non-blank, non-comment line. */
export function parseCommand(text: string, line: number): NftCommand {
  const fail = (why: string): never => {
    throw new NftScriptError(line, text, why);
  };
  const m = HEAD.exec(text);
  if (!m) return fail('not a kube-proxy table command');
  const verb = m[1] as NftVerb;
  const kind = m[2] as NftObjectKind;
  if (kind === 'table') {
    const spec = m[3] ? parseSpec(braced(`${m[3]} ${m[4] ?? ''}`.trim(), fail), fail) : undefined;
    return { verb, kind, name: 'kube-proxy', spec, line };
  }
  const name = m[3] ?? fail('missing object name');
  const rest = (m[4] ?? '').trim();
  if (kind === 'rule') {
    if (verb !== 'add' || rest === '') fail('only "add rule CHAIN RULE" is supported');
    return { verb, kind, name, rule: rest, line };
  }
  if (kind === 'element') {
    const elements = splitTopLevel(braced(rest, fail), ',').map((e) => parseElement(e) ?? fail(`bad element "${e}"`));
    if (verb === 'flush') fail('flush element is not a command');
    return { verb, kind, name, elements, line };
  }
  if (rest !== '' && verb !== 'add') fail(`${verb} ${kind} takes no declaration`);
  return { verb, kind, name, spec: rest ? parseSpec(braced(rest, fail), fail) : undefined, line };
}

/** Parses a whole script; `#` comment lines and blank lines are skipped. */
export function parseScript(text: string): NftCommand[] {
  const out: NftCommand[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l === '' || l.startsWith('#')) continue;
    out.push(parseCommand(l, i + 1));
  }
  return out;
}
