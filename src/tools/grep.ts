// `grep` over standard input, as GNU grep 3.8 filters a pipeline: basic (default), extended (-E) or fixed (-F)
// patterns, with -i, -v, -c, -n, -q, -w and -e. Files are not read: the simulation has no node file system.

import { fail, ok, type ToolResult } from './tool-context.js';

interface GrepOptions {
  patterns: string[];
  mode: 'basic' | 'extended' | 'fixed';
  ignoreCase: boolean;
  invert: boolean;
  count: boolean;
  lineNumbers: boolean;
  quiet: boolean;
  word: boolean;
}

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v', blank: ' \\t', punct: '!-\\/:-@\\[-`{-~', xdigit: '0-9A-Fa-f',
};

/** A bracket expression (`[...]`, brackets included) as a JavaScript character class: POSIX classes expanded, `\\`, `[` and a leading `]` escaped (all literal in POSIX brackets). */
function bracket(expr: string): string {
  let inner = expr.slice(1, -1);
  const negate = inner.startsWith('^') ? '^' : '';
  if (negate) inner = inner.slice(1);
  let out = '';
  for (let k = 0; k < inner.length; k++) {
    if (inner.startsWith('[:', k)) {
      const close = inner.indexOf(':]', k + 2);
      const name = inner.slice(k + 2, close);
      if (!(name in POSIX_CLASSES)) throw new Error('Invalid character class name');
      out += POSIX_CLASSES[name];
      k = close + 1;
      continue;
    }
    const ch = inner[k];
    out += ch === '\\' || ch === ']' || ch === '[' ? `\\${ch}` : ch;
  }
  return `[${negate}${out}]`;
}

/**
 * A POSIX pattern as a JavaScript one. In a basic pattern `( ) { } | + ?` are literal and their backslashed forms
 * are operators (GNU extensions); in an extended one it is the other way round. A `*` with nothing to repeat is
 * literal in a basic pattern.
 */
export function posixToRegExpSource(pattern: string, extended: boolean): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '[') {
      const end = bracketEnd(pattern, i);
      if (end < 0) throw new Error('Unmatched [, [^, [:, [., or [=');
      out += bracket(pattern.slice(i, end + 1));
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[++i];
      if ('(){}|+?'.includes(n)) out += extended ? `\\${n}` : n;
      else if (/[wWsSbB]/.test(n)) out += `\\${n}`;
      else if (/[<>]/.test(n)) out += '\\b';
      else out += /[a-zA-Z0-9]/.test(n) ? n : `\\${n}`;
    } else if ('(){}|+?'.includes(c)) out += extended ? c : `\\${c}`;
    else if (c === '*' && !extended && (out === '' || out === '^' || out.endsWith('('))) out += '\\*';
    else out += c;
  }
  return out;
}

/** The index of the `]` closing the bracket expression opened at `start`, or -1. */
function bracketEnd(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === '^') i++;
  if (p[i] === ']') i++;
  for (; i < p.length; i++) {
    if (p[i] === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':]', i + 2);
      if (close < 0) return -1;
      i = close + 1;
    } else if (p[i] === ']') return i;
  }
  return -1;
}

function parse(args: string[]): GrepOptions | ToolResult {
  const o: GrepOptions = { patterns: [], mode: 'basic', ignoreCase: false, invert: false, count: false, lineNumbers: false, quiet: false, word: false };
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      rest.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      if (c === 'e') {
        const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
        if (v === undefined) return fail(2, "grep: option requires an argument -- 'e'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n");
        o.patterns.push(v);
        break;
      }
      if (c === 'E') o.mode = 'extended';
      else if (c === 'F') o.mode = 'fixed';
      else if (c === 'G') o.mode = 'basic';
      else if (c === 'i') o.ignoreCase = true;
      else if (c === 'v') o.invert = true;
      else if (c === 'c') o.count = true;
      else if (c === 'n') o.lineNumbers = true;
      else if (c === 'q') o.quiet = true;
      else if (c === 'w') o.word = true;
      else return fail(2, `flatnet: grep -${c} is not emulated (grep here knows -E -F -G -i -v -c -n -q -w -e)\n`);
    }
  }
  if (o.patterns.length === 0) {
    const p = rest.shift();
    if (p === undefined) return fail(2, "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n");
    o.patterns.push(...p.split('\n'));
  }
  if (rest.length > 0 && !(rest.length === 1 && rest[0] === '-')) return fail(2, `flatnet: grep reads only its standard input here (a pipeline); files such as ${rest[0]} are not emulated\n`);
  return o;
}

/** `grep ARGS` over `stdin`: the matching lines (or their count); exit 0 when a line matched, 1 when none, 2 on error. */
export function runGrep(args: string[], stdin: string): ToolResult {
  const o = parse(args);
  if ('exitCode' in o) return o;
  let res: RegExp[];
  try {
    res = o.patterns.map((p) => {
      const source = o.mode === 'fixed' ? p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') : posixToRegExpSource(p, o.mode === 'extended');
      return new RegExp(o.word ? `(?<![A-Za-z0-9_])(?:${source})(?![A-Za-z0-9_])` : source, o.ignoreCase ? 'i' : '');
    });
  } catch (e) {
    return fail(2, `grep: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}\n`);
  }
  const lines = stdin === '' ? [] : stdin.replace(/\n$/, '').split('\n');
  const hits: string[] = [];
  lines.forEach((line, i) => {
    if (res.some((re) => re.test(line)) !== o.invert) hits.push(o.lineNumbers ? `${i + 1}:${line}` : line);
  });
  const code = hits.length > 0 ? 0 : 1;
  if (o.quiet) return { stdout: '', stderr: '', exitCode: code };
  if (o.count) return { stdout: `${hits.length}\n`, stderr: '', exitCode: code };
  return code === 0 ? ok(`${hits.join('\n')}\n`) : { stdout: '', stderr: '', exitCode: 1 };
}
