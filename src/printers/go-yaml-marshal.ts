// kubectl's `-o yaml` encoding reproduced byte for byte for JSON data.
// kubectl prints YAML with sigs.k8s.io/yaml, which marshals to JSON and re-encodes the result with go-yaml v2:
// keys in go-yaml's "natural" order, YAML 1.1 quoting ("y", "no", "0x1F" quoted), block sequences not indented
// under their key, and long scalars folded at the first space past column 80. The emitter below follows
// go-yaml v2's emitterc.go (analyze_scalar, select_scalar_style, write_*_scalar) for the subset JSON produces.

import { codePoints, formatGoNumber, toJson, type Json } from './go-json-marshal.js';
import { compareYamlKeys, needsQuoting } from './go-yaml-resolve.js';

const BEST_INDENT = 2;
const BEST_WIDTH = 80;

// --- go-yaml v2 emitter ---

const isBreak = (cp: number | undefined): boolean => cp === 0x0a || cp === 0x0d || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
const isBlank = (cp: number | undefined): boolean => cp === 0x20 || cp === 0x09;

/** is_printable over the UTF-8 encoding: 4-byte sequences (e.g. emoji) are not printable in go-yaml v2. */
function isPrintable(cp: number): boolean {
  return cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);
}

type ScalarStyle = 'plain' | 'single' | 'double' | 'literal';

interface ScalarAnalysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

/** yaml_emitter_analyze_scalar, block context only (kubectl output never nests flow collections). */
function analyzeScalar(value: string): ScalarAnalysis {
  if (value === '') return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  const cps = codePoints(value);
  let blockIndicators = value.startsWith('---') || value.startsWith('...');
  let special = false;
  let lineBreaks = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWhitespace = true;
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i];
    const ch = String.fromCodePoint(cp);
    const followedByWhitespace = i + 1 >= cps.length || isBlank(cps[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      else if ((ch === '?' || ch === ':' || ch === '-') && followedByWhitespace) blockIndicators = true;
    } else if ((ch === ':' && followedByWhitespace) || (ch === '#' && precededByWhitespace)) blockIndicators = true;
    if (!isPrintable(cp)) special = true;
    if (cp === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === cps.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(cp)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === cps.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(cp) || isBreak(cp) || cp === 0;
  }
  const a: ScalarAnalysis = { multiline: lineBreaks, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) a.blockPlainAllowed = false;
  if (trailingSpace) a.blockAllowed = false;
  if (breakSpace) {
    a.blockPlainAllowed = false;
    a.singleQuotedAllowed = false;
  }
  if (spaceBreak || special) {
    a.blockPlainAllowed = false;
    a.singleQuotedAllowed = false;
    a.blockAllowed = false;
  }
  if (lineBreaks || blockIndicators) a.blockPlainAllowed = false;
  return a;
}

/** yaml_emitter_select_scalar_style in block context. */
function selectStyle(requested: ScalarStyle, a: ScalarAnalysis, simpleKey: boolean): ScalarStyle {
  let style = requested;
  if (simpleKey && a.multiline) style = 'double';
  if (style === 'plain' && !a.blockPlainAllowed) style = 'single';
  if (style === 'single' && !a.singleQuotedAllowed) style = 'double';
  if (style === 'literal' && (!a.blockAllowed || simpleKey)) style = 'double';
  return style;
}

const DOUBLE_ESCAPES: Record<number, string> = {
  0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r', 0x1b: 'e',
  0x22: '"', 0x5c: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P',
};

interface NodeContext {
  mapping: boolean;
  simpleKey: boolean;
}

class Emitter {
  out = '';
  private column = 0;
  private indent = -1;
  private whitespace = true;
  private indention = true;

  node(v: Json, ctx: NodeContext): void {
    if (v === null) this.scalar('null', 'plain', ctx);
    else if (typeof v === 'boolean') this.scalar(String(v), 'plain', ctx);
    else if (typeof v === 'number') this.scalar(formatGoNumber(v), 'plain', ctx);
    else if (typeof v === 'string') this.scalar(v, v.includes('\n') ? 'literal' : needsQuoting(v) ? 'double' : 'plain', ctx);
    else if (Array.isArray(v)) {
      if (v.length === 0) this.emptyFlow('[', ']');
      else this.sequence(v, ctx);
    } else {
      const keys = Object.keys(v).sort(compareYamlKeys);
      if (keys.length === 0) this.emptyFlow('{', '}');
      else this.mapping(v, keys);
    }
  }

  /** The implicit document end: a final line break unless the output already ends a line. */
  documentEnd(): void {
    this.indent = -1;
    this.writeIndent();
  }

  private sequence(items: Json[], ctx: NodeContext): void {
    const saved = this.indent;
    // A sequence that is a mapping value is "indentless": its dashes line up with the key.
    this.increaseIndent(false, ctx.mapping && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, { mapping: false, simpleKey: false });
    }
    this.indent = saved;
  }

  private mapping(m: { [key: string]: Json }, keys: string[]): void {
    const saved = this.indent;
    this.increaseIndent(false, false);
    for (const key of keys) {
      this.writeIndent();
      // check_simple_key: single-line keys of at most 128 bytes.
      if (!analyzeScalar(key).multiline && Buffer.byteLength(key) <= 128) {
        this.node(key, { mapping: true, simpleKey: true });
        this.writeIndicator(':', false, false, false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.node(key, { mapping: true, simpleKey: false });
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(m[key], { mapping: true, simpleKey: false });
    }
    this.indent = saved;
  }

  private emptyFlow(open: string, close: string): void {
    this.writeIndicator(open, true, true, false);
    this.writeIndicator(close, false, false, false);
  }

  private scalar(value: string, requested: ScalarStyle, ctx: NodeContext): void {
    const style = selectStyle(requested, analyzeScalar(value), ctx.simpleKey);
    const saved = this.indent;
    this.increaseIndent(true, false);
    const allowBreaks = !ctx.simpleKey;
    if (style === 'plain') this.writePlain(value, allowBreaks);
    else if (style === 'single') this.writeSingleQuoted(value, allowBreaks);
    else if (style === 'double') this.writeDoubleQuoted(value, allowBreaks);
    else this.writeLiteral(value);
    this.indent = saved;
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  private put(ch: string): void {
    this.out += ch;
    this.column++;
  }

  private putBreak(): void {
    this.out += '\n';
    this.column = 0;
  }

  private writeBreak(cp: number): void {
    if (cp === 0x0a) this.putBreak();
    else {
      this.out += String.fromCodePoint(cp);
      this.column = 0;
    }
  }

  private writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    for (const ch of indicator) this.put(ch);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  /** Plain and single-quoted scalars fold at the first single space once the line is past BEST_WIDTH. */
  private writePlain(value: string, allowBreaks: boolean): void {
    if (!this.whitespace) this.put(' ');
    const cps = codePoints(value);
    let spaces = false;
    for (let i = 0; i < cps.length; i++) {
      if (cps[i] === 0x20) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && cps[i + 1] !== 0x20) this.writeIndent();
        else this.put(' ');
        spaces = true;
      } else {
        this.put(String.fromCodePoint(cps[i]));
        this.indention = false;
        spaces = false;
      }
    }
    this.whitespace = false;
    this.indention = false;
  }

  private writeSingleQuoted(value: string, allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false);
    const cps = codePoints(value);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < cps.length; i++) {
      const cp = cps[i];
      if (cp === 0x20) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < cps.length - 1 && cps[i + 1] !== 0x20) this.writeIndent();
        else this.put(' ');
        spaces = true;
      } else if (isBreak(cp)) {
        // Only U+2028/U+2029 get here (other breaks force a literal block or double quotes): written raw.
        if (!breaks && cp === 0x0a) this.putBreak();
        this.writeBreak(cp);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (cp === 0x27) this.put("'");
        this.put(String.fromCodePoint(cp));
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeDoubleQuoted(value: string, allowBreaks: boolean): void {
    this.writeIndicator('"', true, false, false);
    const cps = codePoints(value);
    let spaces = false;
    for (let i = 0; i < cps.length; i++) {
      const cp = cps[i];
      if (!isPrintable(cp) || isBreak(cp) || cp === 0x22 || cp === 0x5c) {
        this.put('\\');
        const short = DOUBLE_ESCAPES[cp];
        if (short !== undefined) this.put(short);
        else {
          const [letter, digits] = cp <= 0xff ? ['x', 2] : cp <= 0xffff ? ['u', 4] : ['U', 8];
          for (const ch of letter + cp.toString(16).toUpperCase().padStart(digits, '0')) this.put(ch);
        }
        spaces = false;
      } else if (cp === 0x20) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < cps.length - 1) {
          this.writeIndent();
          if (cps[i + 1] === 0x20) this.put('\\');
        } else this.put(' ');
        spaces = true;
      } else {
        this.put(String.fromCodePoint(cp));
        spaces = false;
      }
    }
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeLiteral(value: string): void {
    this.writeIndicator('|', true, false, false);
    const cps = codePoints(value);
    // Block scalar hints: an explicit indent when the text starts with a space or break; "-" strips a missing
    // final break, "+" keeps several.
    if (cps[0] === 0x20 || isBreak(cps[0])) this.writeIndicator(String(BEST_INDENT), false, false, false);
    const last = cps.length - 1;
    if (!isBreak(cps[last])) this.writeIndicator('-', false, false, false);
    else if (last === 0 || isBreak(cps[last - 1])) this.writeIndicator('+', false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (const cp of cps) {
      if (isBreak(cp)) {
        this.writeBreak(cp);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(String.fromCodePoint(cp));
        this.indention = false;
        breaks = false;
      }
    }
  }
}

/** Thrown where kubectl fails with "error: yaml: control characters are not allowed". */
export class YamlControlCharacterError extends Error {
  constructor(readonly value: string) {
    super('yaml: control characters are not allowed');
  }
}

/** Characters Go's JSON leaves unescaped but go-yaml's reader rejects when sigs.k8s.io/yaml re-reads the JSON. */
const REJECTED_BY_YAML_READER = /[\x7f-\x84\x86-\x9f\ufffe\uffff]/;
const NEL = '\u0085';

/**
 * A string as go-yaml reads it back from Go's JSON: a raw NEL (U+0085, a YAML line break, which Go does not escape)
 * folds like a line break inside a double-quoted scalar: spaces before it are dropped, spaces after it skipped,
 * one break becomes a space and further breaks become newlines (libyaml scan_flow_scalar).
 */
function readBackString(s: string): string {
  if (REJECTED_BY_YAML_READER.test(s)) throw new YamlControlCharacterError(s);
  if (!s.includes(NEL)) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    while (i < s.length && s[i] !== ' ' && s[i] !== NEL) out += s[i++];
    if (i >= s.length) break;
    let whitespace = '';
    let breaks = 0;
    for (; i < s.length && (s[i] === ' ' || s[i] === NEL); i++) {
      if (s[i] === NEL) breaks++;
      else if (breaks === 0) whitespace += ' ';
    }
    out += breaks === 0 ? whitespace : breaks === 1 ? ' ' : '\n'.repeat(breaks - 1);
  }
  return out;
}

/** The JSON value after the JSON → YAML read-back sigs.k8s.io/yaml performs. */
function readBack(v: Json): Json {
  if (typeof v === 'string') return readBackString(v);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(readBack);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [readBackString(k), readBack(x)]));
}

/**
 * sigs.k8s.io/yaml.Marshal of `value` as kubectl prints it with `-o yaml` (ends with a newline).
 * Throws YamlControlCharacterError for strings kubectl cannot encode either (U+007F–U+009F but U+0085, U+FFFE, U+FFFF).
 *
 * @example goYamlMarshal({ spec: { ports: [{ port: 80 }] }, data: { k: '80' } }) // 'data:\n  k: "80"\nspec:\n  ports:\n  - port: 80\n'
 */
export function goYamlMarshal(value: unknown): string {
  const e = new Emitter();
  e.node(readBack(toJson(value)), { mapping: false, simpleKey: false });
  e.documentEnd();
  return e.out;
}
