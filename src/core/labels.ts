// Label selectors: matching LabelSelector objects, and parsing kubectl's `-l` string grammar.
// Semantics follow k8s.io/apimachinery/pkg/labels (a missing key fails `=` and `in`, passes `!=` and `notin`).

import type { LabelSelector, Labels } from './types.js';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

/** A parsed selector: requirements that must all hold. An empty list selects everything. */
export type Selector = Requirement[];

export function matches(sel: Selector, labels: Labels | undefined): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.operator) {
      case 'In':
        if (!has || !r.values.includes(l[r.key])) return false;
        break;
      case 'NotIn':
        if (has && r.values.includes(l[r.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** Converts a metav1.LabelSelector to requirements (matchLabels as `In` with one value). */
export function fromLabelSelector(ls: LabelSelector | undefined | null): Selector {
  if (!ls) return [];
  const out: Selector = [];
  for (const [key, value] of Object.entries(ls.matchLabels ?? {})) out.push({ key, operator: 'In', values: [value] });
  for (const e of ls.matchExpressions ?? []) out.push({ key: e.key, operator: e.operator, values: e.values ?? [] });
  return out;
}

/** A map selector (Service spec.selector, nodeSelector): every pair must match. */
export function fromMap(m: Labels | undefined): Selector {
  return Object.entries(m ?? {}).map(([key, value]) => ({ key, operator: 'In' as const, values: [value] }));
}

/** Formats a map as kubectl does in tables: `k=v,k2=v2`, keys sorted. */
export function formatLabelMap(m: Labels | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${m![k]}`)
    .join(',');
}

/** Thrown for a `-l` string that does not parse; the message says where. */
export class SelectorSyntaxError extends Error {}

/**
 * Parses the selector grammar kubectl accepts: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`,
 * comma-separated (commas inside parentheses belong to the value set).
 */
export function parseSelector(s: string): Selector {
  const out: Selector = [];
  const terms: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '' || terms.length > 0) terms.push(cur);
  for (const raw of terms) {
    const t = raw.trim();
    if (t === '') throw new SelectorSyntaxError(`unable to parse requirement: found '', expected: identifier in "${s}"`);
    let m: RegExpExecArray | null;
    if ((m = /^([^\s=!()]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(t))) {
      const values = m[3].split(',').map((v) => v.trim()).filter((v) => v !== '');
      out.push({ key: m[1], operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = /^([^\s=!()]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(t))) {
      out.push({ key: m[1], operator: m[2] === '!=' ? 'NotIn' : 'In', values: [m[3]] });
    } else if ((m = /^!\s*([^\s=!()]+)$/.exec(t))) {
      out.push({ key: m[1], operator: 'DoesNotExist', values: [] });
    } else if ((m = /^([^\s=!()]+)$/.exec(t))) {
      out.push({ key: m[1], operator: 'Exists', values: [] });
    } else {
      throw new SelectorSyntaxError(`unable to parse requirement: "${t}" in selector "${s}"`);
    }
  }
  return out;
}
