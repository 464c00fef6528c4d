// What a change does to connectivity: the connections it adds, removes or changes (np-guard's `diff`), each with the
// policies responsible — those whose part in the verdict differs between the old and the new cluster.

import { formatIPv4, parseIPv4 } from '../core/ip.js';
import { canonicalJson } from '../core/objects.js';
import type { KubeObject } from '../core/types.js';
import { formatConnectionSet, isEmptyConnections, MAX_PORT, MIN_PORT } from './connection-set.js';
import type { ConnList, ConnNode } from './connlist.js';
import type { ConnectionSet, Endpoint, PolicyEngine, Protocol, Verdict } from './types.js';
import { PROTOCOLS } from './types.js';

/** One side of the comparison. */
export interface DiffSide {
  list: ConnList;
  engine: PolicyEngine;
  /** NetworkPolicies by `namespace/name`. */
  policies: Map<string, KubeObject>;
}

export type DiffType = 'added' | 'removed' | 'changed';
export type PolicyObjectChange = 'added' | 'removed' | 'changed' | 'unchanged';

/** A policy whose part in the verdict changed, and how the policy object itself changed. */
export interface ResponsiblePolicy {
  policy: string;
  object: PolicyObjectChange;
  /** What it does now compared with before, for the sampled connection. */
  role: 'now allows' | 'no longer allows' | 'now isolates' | 'no longer isolates';
  /** The side it acts on: egress of the source or ingress of the destination. */
  direction: 'Ingress' | 'Egress';
}

export interface ConnDiffEntry {
  type: DiffType;
  src: string;
  dst: string;
  /** np-guard's connection text before and after ("No Connections" when absent). */
  old: string;
  new: string;
  /** Added or removed workloads, as np-guard's workloads-diff-info column says. */
  workloads: string;
  /** A connection that differs, the one the policies were checked on. */
  sample?: { port: number; protocol: Protocol; gained: boolean };
  policies: ResponsiblePolicy[];
}

type Ranges = [number, number][];

function rangesOf(s: ConnectionSet, p: Protocol): Ranges {
  return s.all ? [[MIN_PORT, MAX_PORT]] : (s.ranges[p] ?? []);
}

/** The lowest port of `a` that `b` lacks, per protocol in TCP, UDP, SCTP order. */
function firstMissing(a: ConnectionSet, b: ConnectionSet): { port: number; protocol: Protocol } | undefined {
  for (const protocol of PROTOCOLS)
    for (const [lo, hi] of rangesOf(a, protocol)) {
      let port = lo;
      for (const [blo, bhi] of rangesOf(b, protocol)) if (blo <= port && port <= bhi) port = bhi + 1;
      if (port <= hi) return { port, protocol };
    }
  return undefined;
}

/** The policies with a part in a verdict, as `direction policy` keys. */
function policySets(v: Verdict | undefined): { allow: Set<string>; isolate: Set<string> } {
  const allow = new Set<string>();
  const isolate = new Set<string>();
  if (v)
    for (const d of [v.egress, v.ingress]) {
      for (const r of d.allowedBy) allow.add(`${d.direction} ${r.policy}`);
      for (const p of d.isolatingPolicies) isolate.add(`${d.direction} ${p}`);
    }
  return { allow, isolate };
}

function objectChange(name: string, old: DiffSide, cur: DiffSide): PolicyObjectChange {
  const a = old.policies.get(name);
  const b = cur.policies.get(name);
  if (!a) return 'added';
  if (!b) return 'removed';
  return canonicalJson(a.spec) === canonicalJson(b.spec) ? 'unchanged' : 'changed';
}

/** A node's representative endpoint on one side; an external range cut differently there is still its first address. */
function representative(side: DiffSide, id: string): Endpoint | undefined {
  const node = side.list.nodes.find((n) => n.id === id);
  if (node) return node.members[0];
  const range = /^(\d+\.\d+\.\d+\.\d+)-\d+\.\d+\.\d+\.\d+$/.exec(id);
  return range ? { kind: 'ip', ip: range[1] } : undefined;
}

function evaluate(side: DiffSide, src: string, dst: string, port: number, protocol: Protocol): Verdict | undefined {
  const from = representative(side, src);
  const to = representative(side, dst);
  if (!from || !to) return undefined;
  return side.engine.evaluate({ from, to, port, protocol });
}

/** Which policies changed their part in the verdict of one sampled connection. */
function responsible(old: DiffSide, cur: DiffSide, src: string, dst: string, sample: { port: number; protocol: Protocol; gained: boolean }): ResponsiblePolicy[] {
  const before = policySets(evaluate(old, src, dst, sample.port, sample.protocol));
  const after = policySets(evaluate(cur, src, dst, sample.port, sample.protocol));
  const out: ResponsiblePolicy[] = [];
  const add = (keys: Iterable<string>, role: ResponsiblePolicy['role'], unless: Set<string>) => {
    for (const key of keys) {
      if (unless.has(key)) continue;
      const [direction, policy] = key.split(' ') as ['Ingress' | 'Egress', string];
      out.push({ policy, object: objectChange(policy, old, cur), role, direction });
    }
  };
  if (sample.gained) {
    add(after.allow, 'now allows', before.allow);
    add(before.isolate, 'no longer isolates', after.isolate);
  } else {
    add(before.allow, 'no longer allows', after.allow);
    add(after.isolate, 'now isolates', before.isolate);
  }
  return out.sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0));
}

function rangeOf(n: ConnNode): [number, number] | undefined {
  if (!n.external) return undefined;
  const [a, b] = n.id.split('-').map(parseIPv4);
  return a !== undefined && b !== undefined ? [a, b] : undefined;
}

/**
 * Cuts the external address ranges of two connection lists to one common partition, merging neighbours that behave
 * alike on both sides, so a policy that adds an ipBlock shows as the connections it changes, not as every external
 * range removed and re-added under new bounds (np-guard refines its IP blocks the same way).
 */
export function alignExternalRanges(a: ConnList, b: ConnList): [ConnList, ConnList] {
  const lists = [a, b];
  const ranges = lists.map((l) => l.nodes.map((n) => ({ n, r: rangeOf(n) })).filter((x): x is { n: ConnNode; r: [number, number] } => !!x.r));
  const cuts = [...new Set(ranges.flat().flatMap(({ r }) => [r[0], r[1] + 1]))].sort((x, y) => x - y);
  const owner = (side: number, ip: number) => ranges[side].find(({ r }) => r[0] <= ip && ip <= r[1])?.n.id;
  const signature = (side: number, id: string | undefined) =>
    id === undefined ? '' : lists[side].entries.filter((e) => e.src === id || e.dst === id).map((e) => `${e.src === id ? '>' + e.dst : '<' + e.src}:${e.conn}`).sort().join('|');
  const segments: { first: number; last: number; owners: (string | undefined)[] }[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const owners = [owner(0, cuts[k]), owner(1, cuts[k])];
    if (owners.every((o) => o === undefined)) continue;
    const prev = segments[segments.length - 1];
    const same = prev && prev.last + 1 === cuts[k] && [0, 1].every((s) => signature(s, prev.owners[s]) === signature(s, owners[s]) && (prev.owners[s] === undefined) === (owners[s] === undefined));
    if (same) prev.last = cuts[k + 1] - 1;
    else segments.push({ first: cuts[k], last: cuts[k + 1] - 1, owners });
  }
  const rewrite = (side: number): ConnList => {
    const list = lists[side];
    const pieces = new Map<string, ConnNode[]>();
    for (const seg of segments) {
      const id = seg.owners[side];
      if (id === undefined) continue;
      const name = `${formatIPv4(seg.first)}-${formatIPv4(seg.last)}`;
      const node: ConnNode = { id: name, label: name, external: true, members: [{ kind: 'ip', ip: formatIPv4(seg.first) }] };
      pieces.set(id, [...(pieces.get(id) ?? []), node]);
    }
    const expand = (id: string) => pieces.get(id)?.map((n) => n.id) ?? [id];
    const entries = list.entries.flatMap((e) => expand(e.src).flatMap((src) => expand(e.dst).map((dst) => ({ ...e, src, dst }))));
    const nodes = list.nodes.flatMap((n) => pieces.get(n.id) ?? [n]);
    return { nodes, entries };
  };
  return [rewrite(0), rewrite(1)];
}

/** Compares two connection lists pair by pair; entries are sorted by source, then destination. */
export function diffConnectivity(oldSide: DiffSide, curSide: DiffSide): ConnDiffEntry[] {
  const [oldList, curList] = alignExternalRanges(oldSide.list, curSide.list);
  const old = { ...oldSide, list: oldList };
  const cur = { ...curSide, list: curList };
  const key = (src: string, dst: string) => `${src}\u0000${dst}`;
  const oldMap = new Map(old.list.entries.map((e) => [key(e.src, e.dst), e]));
  const newMap = new Map(cur.list.entries.map((e) => [key(e.src, e.dst), e]));
  const oldNodes = new Set(old.list.nodes.map((n) => n.id));
  const newNodes = new Set(cur.list.nodes.map((n) => n.id));
  const none: ConnectionSet = { all: false, ranges: {} };
  const out: ConnDiffEntry[] = [];
  for (const k of new Set([...oldMap.keys(), ...newMap.keys()])) {
    const a = oldMap.get(k);
    const b = newMap.get(k);
    const src = (a ?? b)!.src;
    const dst = (a ?? b)!.dst;
    const aSet = a?.set ?? none;
    const bSet = b?.set ?? none;
    const oldText = formatConnectionSet(aSet);
    const newText = formatConnectionSet(bSet);
    if (oldText === newText) continue;
    const type: DiffType = isEmptyConnections(aSet) ? 'added' : isEmptyConnections(bSet) ? 'removed' : 'changed';
    const workloads = [src, dst]
      .map((id) => (!oldNodes.has(id) && newNodes.has(id) ? `workload ${id} added` : oldNodes.has(id) && !newNodes.has(id) ? `workload ${id} removed` : ''))
      .filter(Boolean)
      .join(', ');
    const gain = firstMissing(bSet, aSet);
    const loss = firstMissing(aSet, bSet);
    const sample = gain ? { ...gain, gained: true } : loss ? { ...loss, gained: false } : undefined;
    const policies = sample ? responsible(old, cur, src, dst, sample) : [];
    out.push({ type, src, dst, old: oldText, new: newText, workloads, sample, policies });
  }
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return out.sort((x, y) => cmp(x.src, y.src) || cmp(x.dst, y.dst));
}

const ROLE_TEXT: Record<ResponsiblePolicy['role'], (dir: 'ingress' | 'egress', what: string) => string> = {
  'now allows': (dir, what) => `now allows ${what} (${dir} of the ${dir === 'ingress' ? 'destination' : 'source'})`,
  'no longer allows': (dir, what) => `no longer allows ${what} (${dir} of the ${dir === 'ingress' ? 'destination' : 'source'})`,
  'now isolates': (dir, what) => `now isolates the ${dir === 'ingress' ? 'destination' : 'source'} for ${dir} without allowing ${what}`,
  'no longer isolates': (dir, what) => `no longer isolates the ${dir === 'ingress' ? 'destination' : 'source'} for ${dir}, so ${what} passes`,
};

/**
 * One line about the policies behind an entry, each checked on one connection that changed, e.g.
 * `production/allow-x (removed) no longer allows 8080/TCP (ingress of the destination)`.
 */
export function describeResponsible(e: ConnDiffEntry): string {
  if (e.policies.length === 0) {
    if (e.workloads) return `no policy changed its verdict: ${e.workloads}`;
    return 'no policy changed its verdict: the pods, their labels, ports or namespaces did';
  }
  const what = e.sample ? `${e.sample.port}/${e.sample.protocol}` : 'it';
  return e.policies
    .map((p) => `${p.policy} (${p.object}) ${ROLE_TEXT[p.role](p.direction === 'Ingress' ? 'ingress' : 'egress', what)}`)
    .join('; ');
}

export const DIFF_FORMATS = ['txt', 'json', 'md'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

/** Formats the diff: np-guard's txt lines with a `policies:` line under each, a JSON array, or a Markdown table. */
export function formatDiff(entries: ConnDiffEntry[], format: DiffFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(entries, null, 2)}\n`;
    case 'md': {
      const rows = entries.map((e) => `| ${e.type} | ${e.src} | ${e.dst} | ${e.old} | ${e.new} | ${e.workloads} | ${describeResponsible(e)} |`);
      return ['| diff-type | source | destination | old | new | workloads-diff-info | policies |', '|-----------|--------|-------------|-----|-----|---------------------|----------|', ...rows].join('\n') + '\n';
    }
    case 'txt': {
      if (entries.length === 0) return 'No connectivity changes.\n';
      const lines = ['Connectivity diff:'];
      for (const e of entries) {
        const info = e.workloads ? `, workloads-diff-info: ${e.workloads}` : '';
        lines.push(`diff-type: ${e.type}, source: ${e.src}, destination: ${e.dst}, old: ${e.old}, new: ${e.new}${info}`);
        lines.push(`  policies: ${describeResponsible(e)}`);
      }
      return `${lines.join('\n')}\n`;
    }
  }
}
