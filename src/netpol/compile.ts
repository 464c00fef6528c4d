// Compiles NetworkPolicies against a universe: the pod classes each policy selects, and for every rule the peers it
// matches (bits) and the ports it opens on a given destination (a connection-set id, named ports resolved per pod).

import type { KubeObject } from '../core/types.js';
import type { Bits } from './bitset.js';
import { ALL_CONNECTIONS, MAX_PORT, MIN_PORT, noConnections, portRange, unionConnections } from './connection-set.js';
import type { ConnectionSet, Protocol } from './types.js';
import type { Universe } from './universe.js';
import { compareNamespaced, PolicyView, PortEntryView, RuleView } from './views.js';

export interface CompiledRule {
  index: number;
  view: RuleView;
  /** What each peer matches; empty when the rule has no peers. */
  peerBits: Bits[];
  /** The union of the peers, or every element when the rule has no peers (§3). */
  bits: Bits;
  /** The ports' connection-set id when no entry is named (the same on every destination); -1 otherwise. */
  fixedPorts: number;
  /** Per destination element, lazily: the ports' id with named ports resolved on it (-1 = not yet computed). */
  portsByElement?: Int32Array;
}

export interface CompiledPolicy {
  view: PolicyView;
  /** The API object it was compiled from. */
  source?: KubeObject;
  ns: number;
  /** Pod classes the policy selects (§1: only in its own namespace). */
  selected: number[];
  ingress?: CompiledRule[];
  egress?: CompiledRule[];
}

/**
 * The connections one port entry allows towards a destination (§8): the protocol's every port, a numeric port up to
 * endPort, or a named port resolved on the destination pod with its protocol (a non-pod resolves no name).
 */
export function portEntrySet(u: Universe, e: PortEntryView, element: number): ConnectionSet {
  if (e.port === undefined) return portRange(e.protocol, MIN_PORT, MAX_PORT);
  if (typeof e.port === 'number') return portRange(e.protocol, e.port, e.endPort ?? e.port);
  if (!u.isPodClass(element)) return noConnections();
  const n = u.classes[element].namedPorts.get(`${e.port}/${e.protocol}`);
  return n === undefined ? noConnections() : portRange(e.protocol, n, n);
}

/**
 * Whether one port entry matches a connection to `element` on `port` (§8): the protocol first, then any port, a
 * numeric range, or a name the destination pod declares with that protocol and number.
 */
export function entryMatches(u: Universe, e: PortEntryView, element: number, protocol: Protocol, port: number | undefined): boolean {
  if (e.protocol !== protocol) return false;
  if (e.port === undefined) return true;
  if (port === undefined) return false;
  if (typeof e.port === 'number') return port >= e.port && port <= (e.endPort ?? e.port);
  return u.isPodClass(element) && u.classes[element].namedPorts.get(`${e.port}/${protocol}`) === port;
}

function entriesSet(u: Universe, entries: PortEntryView[], element: number): number {
  if (entries.length === 0) return ALL_CONNECTIONS;
  let s = noConnections();
  for (const e of entries) s = unionConnections(s, portEntrySet(u, e, element));
  return u.table.intern(s);
}

/** The id of port entries without names (the same on every destination), memoized per universe by their text. */
function fixedEntriesSet(u: Universe, entries: PortEntryView[]): number {
  if (entries.length === 0) return ALL_CONNECTIONS;
  let key = '';
  for (const e of entries) key += `${e.protocol}:${e.port ?? ''}:${e.endPort ?? ''},`;
  let id = u.portSetMemo.get(key);
  if (id === undefined) u.portSetMemo.set(key, (id = entriesSet(u, entries, 0)));
  return id;
}

/** The connection-set id a rule opens towards destination element `element`. */
export function rulePorts(u: Universe, rule: CompiledRule, element: number): number {
  if (rule.fixedPorts >= 0) return rule.fixedPorts;
  const cache = (rule.portsByElement ??= new Int32Array(u.size).fill(-1));
  let id = cache[element];
  if (id < 0) cache[element] = id = entriesSet(u, rule.view.ports, element);
  return id;
}

function compileRule(u: Universe, view: RuleView, index: number, ns: number): CompiledRule {
  const peerBits = view.peers.map((p) => u.peerBits(p, ns));
  const bits = peerBits.length === 0 ? u.everything() : peerBits.length === 1 ? peerBits[0] : u.unionOfPeers(view.peers, ns);
  const named = view.ports.some((e) => typeof e.port === 'string');
  return { index, view, peerBits, bits, fixedPorts: named ? -1 : fixedEntriesSet(u, view.ports) };
}

export function compilePolicy(u: Universe, view: PolicyView, source?: KubeObject): CompiledPolicy {
  const ns = u.nsIndex.get(view.namespace);
  // An inert policy selects no pod: its selector may use label keys the pod classes dropped, so it is not evaluated.
  if (ns === undefined || view.inert) return { view, source, ns: ns ?? -1, selected: [] };
  const selected = u.selectInNamespace(ns, view.podSelector, view.podSelectorKey);
  // Rules of a policy that selects nothing never decide anything: leave them uncompiled.
  const rules = (rs: RuleView[] | undefined) => (rs === undefined ? undefined : selected.length === 0 ? [] : rs.map((r, i) => compileRule(u, r, i, ns)));
  return { view, source, ns, selected, ingress: rules(view.ingress), egress: rules(view.egress) };
}

/** For every pod class, the policies isolating it per direction, sorted by namespace/name; arrays are shared. */
export interface Isolation {
  ingress: readonly CompiledPolicy[][];
  egress: readonly CompiledPolicy[][];
}

const NONE: CompiledPolicy[] = [];

/** `policies` must be sorted by namespace/name. */
export function isolationOf(u: Universe, policies: readonly CompiledPolicy[]): Isolation {
  const ingress: CompiledPolicy[][] = new Array(u.classes.length).fill(NONE);
  const egress: CompiledPolicy[][] = new Array(u.classes.length).fill(NONE);
  const add = (lists: CompiledPolicy[][], c: number, p: CompiledPolicy) => (lists[c] === NONE ? (lists[c] = [p]) : lists[c].push(p));
  for (const p of policies)
    for (const c of p.selected) {
      if (p.ingress) add(ingress, c, p);
      if (p.egress) add(egress, c, p);
    }
  return { ingress, egress };
}

/** The isolation after `removed` policies were dropped and `added` ones compiled: only their classes' lists change. */
export function updateIsolation(prev: Isolation, removed: readonly CompiledPolicy[], added: readonly CompiledPolicy[]): Isolation {
  const ingress = prev.ingress.slice();
  const egress = prev.egress.slice();
  const gone = new Set(removed);
  const touch = (lists: CompiledPolicy[][], dir: 'ingress' | 'egress') => {
    const classes = new Set<number>();
    for (const p of [...removed, ...added]) if (p[dir]) for (const c of p.selected) classes.add(c);
    for (const c of classes) {
      const next = lists[c].filter((p) => !gone.has(p));
      for (const p of added) if (p[dir] && p.selected.includes(c)) next.push(p);
      lists[c] = next.length === 0 ? NONE : next.sort((a, b) => compareNamespaced(a.view, b.view));
    }
    return classes;
  };
  touch(ingress, 'ingress');
  touch(egress, 'egress');
  return { ingress, egress };
}
