// ConnectionSet algebra (union, intersection, membership, equality) and np-guard's connlist text for it, plus an
// interning table that gives every distinct set a small integer id so matrices can store ids and memoize operations.

import { ConnectionSet, Protocol, PROTOCOLS } from './types.js';

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

type Ranges = [number, number][];

/** The empty set: no protocol, no port. */
export function noConnections(): ConnectionSet {
  return { all: false, ranges: {} };
}

/** Every protocol and port (np-guard's "All Connections"). */
export function allConnections(): ConnectionSet {
  return { all: true, ranges: {} };
}

/** The ports `first`..`last` (inclusive) of one protocol. */
export function portRange(protocol: Protocol, first: number = MIN_PORT, last: number = MAX_PORT): ConnectionSet {
  return normalize({ [protocol]: [[first, last]] });
}

function rangesOf(s: ConnectionSet, p: Protocol): Ranges {
  if (s.all) return [[MIN_PORT, MAX_PORT]];
  return s.ranges[p] ?? [];
}

function mergeRanges(rs: Ranges): Ranges {
  const sorted = rs.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: Ranges = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * The canonical form: ranges sorted and merged, empty protocols dropped, and every protocol fully open folded into
 * `all` — np-guard prints that case as "All Connections" too (NetworkPolicy only speaks TCP, UDP and SCTP).
 */
function normalize(ranges: Partial<Record<Protocol, Ranges>>): ConnectionSet {
  const out: Partial<Record<Protocol, Ranges>> = {};
  let full = 0;
  for (const p of PROTOCOLS) {
    const m = mergeRanges(ranges[p] ?? []);
    if (m.length === 0) continue;
    out[p] = m;
    if (m.length === 1 && m[0][0] <= MIN_PORT && m[0][1] >= MAX_PORT) full++;
  }
  return full === PROTOCOLS.length ? allConnections() : { all: false, ranges: out };
}

export function unionConnections(a: ConnectionSet, b: ConnectionSet): ConnectionSet {
  if (a.all || b.all) return allConnections();
  const out: Partial<Record<Protocol, Ranges>> = {};
  for (const p of PROTOCOLS) out[p] = [...rangesOf(a, p).map((r) => [...r] as [number, number]), ...rangesOf(b, p).map((r) => [...r] as [number, number])];
  return normalize(out);
}

export function intersectConnections(a: ConnectionSet, b: ConnectionSet): ConnectionSet {
  if (a.all) return b.all ? allConnections() : normalize(b.ranges);
  if (b.all) return normalize(a.ranges);
  const out: Partial<Record<Protocol, Ranges>> = {};
  for (const p of PROTOCOLS) {
    const xs = rangesOf(a, p);
    const ys = rangesOf(b, p);
    const r: Ranges = [];
    let i = 0;
    let j = 0;
    while (i < xs.length && j < ys.length) {
      const lo = Math.max(xs[i][0], ys[j][0]);
      const hi = Math.min(xs[i][1], ys[j][1]);
      if (lo <= hi) r.push([lo, hi]);
      if (xs[i][1] < ys[j][1]) i++;
      else j++;
    }
    out[p] = r;
  }
  return normalize(out);
}

/** True when the set holds `port` of `protocol`. */
export function connectionsAllow(s: ConnectionSet, protocol: Protocol, port: number): boolean {
  if (s.all) return true;
  for (const [a, b] of s.ranges[protocol] ?? []) if (port >= a && port <= b) return true;
  return false;
}

export function isEmptyConnections(s: ConnectionSet): boolean {
  return !s.all && PROTOCOLS.every((p) => (s.ranges[p] ?? []).length === 0);
}

export function equalConnectionSets(a: ConnectionSet, b: ConnectionSet): boolean {
  return formatConnectionSet(a) === formatConnectionSet(b);
}

/**
 * np-guard's connlist grammar: "All Connections", "No Connections", or protocols in alphabetical order each with its
 * comma-separated ports and ranges, e.g. "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535" or "TCP 80,UDP 53".
 */
export function formatConnectionSet(s: ConnectionSet): string {
  if (s.all) return 'All Connections';
  const n = normalize(s.ranges);
  if (n.all) return 'All Connections';
  const parts: string[] = [];
  for (const p of [...PROTOCOLS].sort()) {
    const rs = n.ranges[p];
    if (rs?.length) parts.push(`${p} ${rs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`);
  }
  return parts.length ? parts.join(',') : 'No Connections';
}

function deepFreeze(s: ConnectionSet): ConnectionSet {
  for (const rs of Object.values(s.ranges)) {
    for (const r of rs) Object.freeze(r);
    Object.freeze(rs);
  }
  Object.freeze(s.ranges);
  return Object.freeze(s);
}

const DENSE = 128;

/** Id 0 is always the empty set and id 1 every connection. */
export const NO_CONNECTIONS = 0;
export const ALL_CONNECTIONS = 1;

/**
 * Interns connection sets: equal sets get equal ids, and union/intersection of ids are memoized, so matrices hold
 * one small integer per cell and combine cells with a map lookup. Append-only, so engines derived from one another
 * share a table and their matrices stay comparable.
 */
export class ConnectionSetTable {
  private readonly sets: ConnectionSet[] = [];
  private readonly ids = new Map<string, number>();
  private readonly unions = new Map<number, number>();
  private readonly intersections = new Map<number, number>();
  /** Intersections of the first DENSE ids, by a * DENSE + b (-1 = not yet known): the hot path of matrix cells. */
  private readonly dense = new Int32Array(DENSE * DENSE).fill(-1);

  constructor() {
    this.intern(noConnections());
    this.intern(allConnections());
  }

  get size(): number {
    return this.sets.length;
  }

  intern(s: ConnectionSet): number {
    const key = formatConnectionSet(s);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(deepFreeze(key === 'All Connections' ? allConnections() : normalize(s.ranges)));
      this.ids.set(key, id);
    }
    return id;
  }

  /** The set of an id (frozen: shared by every cell that holds it). */
  get(id: number): ConnectionSet {
    return this.sets[id];
  }

  union(a: number, b: number): number {
    if (a === b || b === NO_CONNECTIONS || a === ALL_CONNECTIONS) return a;
    if (a === NO_CONNECTIONS || b === ALL_CONNECTIONS) return b;
    const key = a < b ? a * 0x1000000 + b : b * 0x1000000 + a;
    let r = this.unions.get(key);
    if (r === undefined) {
      r = this.intern(unionConnections(this.sets[a], this.sets[b]));
      this.unions.set(key, r);
    }
    return r;
  }

  intersect(a: number, b: number): number {
    if (a === b || b === ALL_CONNECTIONS || a === NO_CONNECTIONS) return a;
    if (b === NO_CONNECTIONS || a === ALL_CONNECTIONS) return b;
    if (a < DENSE && b < DENSE) {
      const r = this.dense[a * DENSE + b];
      if (r >= 0) return r;
      return (this.dense[a * DENSE + b] = this.intern(intersectConnections(this.sets[a], this.sets[b])));
    }
    const key = a < b ? a * 0x1000000 + b : b * 0x1000000 + a;
    let r = this.intersections.get(key);
    if (r === undefined) {
      r = this.intern(intersectConnections(this.sets[a], this.sets[b]));
      this.intersections.set(key, r);
    }
    return r;
  }
}
