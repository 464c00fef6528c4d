// Go's encoding/json as kubectl uses it for `-o json`, and the JSON value model the YAML encoder starts from.

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The JSON value of `value`, as kubectl sees it after a JSON round trip (undefined fields dropped). */
export function toJson(value: unknown): Json {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as Json);
}

/** The code points of a string (Go's runes). */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0)!);
  return out;
}

/** Byte-wise UTF-8 order (Go's string comparison), which is code-point order. */
export function compareGoStrings(a: string, b: string): number {
  const ac = codePoints(a);
  const bc = codePoints(b);
  for (let i = 0; i < ac.length && i < bc.length; i++) if (ac[i] !== bc[i]) return ac[i] - bc[i];
  return ac.length - bc.length;
}

/**
 * Formats a number as Go prints it after a JSON round trip: integers in decimal, other values as
 * strconv.FormatFloat(f, 'g', -1, 64) ("1.5", "1.2345675e+06", "1e-05").
 */
export function formatGoNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

/**
 * Go encoding/json's json.MarshalIndent(v, "", "    ") of JSON data: keys sorted byte-wise at every level and
 * "<", ">", "&", U+2028 and U+2029 escaped as \u003c etc. (Go's HTML-safe default). No trailing newline.
 */
export function goJsonMarshalIndent(value: unknown): string {
  return jsonValue(toJson(value), '');
}

function jsonValue(v: Json, indent: string): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return JSON.stringify(v);
  if (typeof v === 'string') return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const inner = indent + '    ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + jsonValue(x, inner)).join(',\n')}\n${indent}]`;
  }
  const keys = Object.keys(v).sort(compareGoStrings);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${jsonValue(k, inner)}: ${jsonValue(v[k], inner)}`).join(',\n')}\n${indent}}`;
}
