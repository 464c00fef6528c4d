// Small cell formatters shared by the table printers, each a port of the upstream helper it names.

import { formatLabelMap } from '../core/labels.js';
import type { Container, LabelSelector, Labels } from '../core/types.js';
import { humanDuration } from './human-duration.js';

/** translateTimestampSince: the Age of an RFC 3339 timestamp, "<unknown>" when absent or unparsable. */
export function ageSince(timestamp: string | undefined | null, now: Date): string {
  const t = timestamp ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

/** labels.FormatLabels: `k=v,k2=v2` sorted by key, "<none>" when empty. */
export function formatLabels(m: Labels | undefined | null): string {
  return formatLabelMap(m ?? undefined) || '<none>';
}

/**
 * labels.Selector.String() of metav1.LabelSelectorAsSelector: requirements sorted by key
 * (matchLabels and matchExpressions together), `in`/`notin` values sorted; "" for a nil or empty selector.
 */
export function labelSelectorString(ls: LabelSelector | undefined | null): string {
  if (!ls) return '';
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(ls.matchLabels ?? {})) reqs.push({ key, text: `${key}=${value}` });
  for (const e of ls.matchExpressions ?? []) {
    const values = e.values ?? [];
    const set = values.length === 1 ? values[0] : [...values].sort(compareStrings).join(',');
    let text: string;
    if (e.operator === 'In') text = `${e.key} in (${set})`;
    else if (e.operator === 'NotIn') text = `${e.key} notin (${set})`;
    else if (e.operator === 'Exists') text = e.key;
    else text = `!${e.key}`;
    reqs.push({ key: e.key, text });
  }
  return reqs
    .sort((a, b) => compareStrings(a.key, b.key))
    .map((r) => r.text)
    .join(',');
}

/** metav1.FormatLabelSelector: labelSelectorString, or "<none>" when it is empty. */
export function formatLabelSelector(ls: LabelSelector | undefined | null): string {
  return labelSelectorString(ls) || '<none>';
}

/** layoutContainerCells: container names and images, each comma-joined. */
export function layoutContainerCells(containers: Container[] | undefined): [names: string, images: string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image).join(',')];
}

/** listWithMoreString: the first items, then " + <n> more..." past the maximum, "<unset>" when empty. */
export function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const joined = list.join(',');
  if (more) return `${joined} + ${count - max} more...`;
  return joined === '' ? '<unset>' : joined;
}

/** net.JoinHostPort: brackets around IPv6 hosts. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Byte-order comparison, as Go's sort.Strings. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The unique values sorted (sets.String.List()). */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}
