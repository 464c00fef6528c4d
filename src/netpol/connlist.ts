// The connectivity matrix as np-guard's connection list (`ns/name[Deployment] => ns/name[Deployment] : TCP 8080`),
// aggregated per workload, in txt/json/csv/md/dot, and as an upstream-e2e style truth table of pods.

import type { ReferenceIndex } from './references.js';
import { connectionsAllow, formatConnectionSet, isEmptyConnections } from './connection-set.js';
import type { ConnectionSet, ConnectivityMatrix, Endpoint, MatrixPeer, Protocol } from './types.js';

/** A node of the connection list: a workload, a pod when a workload's pods disagree, or an external range. */
export interface ConnNode {
  /** As printed: `production/backend[Deployment]`, `production/backend-6d8f-x[Pod]`, `0.0.0.0-9.255.255.255`. */
  id: string;
  namespace?: string;
  /** The label inside its namespace frame in dot output: `backend[Deployment]`. */
  label: string;
  external: boolean;
  /** Representative endpoints: the workload's pods, or the first address of an external range. */
  members: Endpoint[];
}

/** One allowed, aggregated connection. */
export interface ConnEntry {
  src: string;
  dst: string;
  conn: string;
  set: ConnectionSet;
}

export interface ConnList {
  nodes: ConnNode[];
  /** Allowed connections only, sorted by src then dst; pairs inside one workload are left out, as np-guard does. */
  entries: ConnEntry[];
}

export const CONNLIST_FORMATS = ['txt', 'json', 'csv', 'md', 'dot'] as const;
export type ConnListFormat = (typeof CONNLIST_FORMATS)[number];

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function podLabel(p: Extract<MatrixPeer, { kind: 'pod' }>): string {
  return `${p.namespace}/${p.name}`;
}

/** The workload node a matrix peer belongs to. */
function nodeOf(p: MatrixPeer, index: ReferenceIndex): Omit<ConnNode, 'members'> {
  if (p.kind === 'external') {
    const id = `${p.first}-${p.last}`;
    return { id, label: id, external: true };
  }
  let owner = p.ownerKind && p.ownerName ? { kind: p.ownerKind, name: p.ownerName } : undefined;
  if (!owner) {
    const pod = index.get('Pod', p.namespace, p.name);
    owner = pod ? index.workloadOf(pod) : { kind: 'Pod', name: p.name };
  }
  const label = `${owner.name}[${owner.kind}]`;
  return { id: `${p.namespace}/${label}`, namespace: p.namespace, label, external: false };
}

function endpointOf(p: MatrixPeer): Endpoint {
  return p.kind === 'pod' ? { kind: 'pod', namespace: p.namespace, name: p.name } : { kind: 'ip', ip: p.first };
}

/**
 * Aggregates a matrix per workload. When the pods of two workloads do not all have the same connections (an ipBlock
 * naming one pod's IP can do that), that pair is listed per pod instead, so aggregation never hides a difference.
 */
export function connectionList(matrix: ConnectivityMatrix, index: ReferenceIndex): ConnList {
  const groups = new Map<string, { node: Omit<ConnNode, 'members'>; peers: number[] }>();
  matrix.peers.forEach((p, i) => {
    const node = nodeOf(p, index);
    const g = groups.get(node.id);
    if (g) g.peers.push(i);
    else groups.set(node.id, { node, peers: [i] });
  });
  const nodes = new Map<string, ConnNode>();
  const entries: ConnEntry[] = [];
  const addNode = (n: ConnNode) => nodes.has(n.id) || nodes.set(n.id, n);
  const podNode = (i: number): ConnNode => {
    const p = matrix.peers[i] as Extract<MatrixPeer, { kind: 'pod' }>;
    const label = `${p.name}[Pod]`;
    return { id: `${podLabel(p)}[Pod]`, namespace: p.namespace, label, external: false, members: [endpointOf(p)] };
  };
  const list = [...groups.values()];
  for (const g of list) addNode({ ...g.node, members: g.peers.map((i) => endpointOf(matrix.peers[i])) });
  for (const a of list)
    for (const b of list) {
      if (a === b) continue;
      const cells = a.peers.flatMap((i) => b.peers.map((j) => ({ i, j, set: matrix.connections(i, j) })));
      const keys = new Set(cells.map((c) => formatConnectionSet(c.set)));
      if (keys.size === 1) {
        const set = cells[0].set;
        if (!isEmptyConnections(set)) entries.push({ src: a.node.id, dst: b.node.id, conn: formatConnectionSet(set), set });
        continue;
      }
      for (const c of cells) {
        if (isEmptyConnections(c.set)) continue;
        const src = a.node.external ? { ...a.node, members: [endpointOf(matrix.peers[c.i])] } : podNode(c.i);
        const dst = b.node.external ? { ...b.node, members: [endpointOf(matrix.peers[c.j])] } : podNode(c.j);
        addNode(src);
        addNode(dst);
        entries.push({ src: src.id, dst: dst.id, conn: formatConnectionSet(c.set), set: c.set });
      }
    }
  entries.sort((x, y) => cmp(x.src, y.src) || cmp(x.dst, y.dst));
  return { nodes: [...nodes.values()].sort((x, y) => cmp(x.id, y.id)), entries };
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const q = (s: string) => JSON.stringify(s);

/** The dot graph: namespaces as frames, workloads blue, external ranges red, edges labelled with connections. */
function dotGraph(list: ConnList): string {
  const used = new Set(list.entries.flatMap((e) => [e.src, e.dst]));
  const nodes = list.nodes.filter((n) => used.has(n.id));
  const lines = ['digraph {'];
  const namespaces = [...new Set(nodes.filter((n) => n.namespace).map((n) => n.namespace!))].sort(cmp);
  for (const ns of namespaces) {
    lines.push(`\tsubgraph ${q(`cluster_${ns}`)} {`);
    for (const n of nodes.filter((x) => x.namespace === ns)) lines.push(`\t\t${q(n.id)} [label=${q(n.label)} color="blue" fontcolor="blue"]`);
    lines.push(`\t\tlabel=${q(ns)}`, '\t}');
  }
  for (const n of nodes.filter((x) => !x.namespace)) lines.push(`\t${q(n.id)} [label=${q(n.label)} color="red2" fontcolor="red2"]`);
  for (const e of list.entries) lines.push(`\t${q(e.src)} -> ${q(e.dst)} [label=${q(e.conn)} color="gold2" fontcolor="darkgreen"]`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Formats a connection list as np-guard's `list` does for the same format. */
export function formatConnList(list: ConnList, format: ConnListFormat): string {
  const rows = list.entries;
  switch (format) {
    case 'txt':
      return rows.map((e) => `${e.src} => ${e.dst} : ${e.conn}\n`).join('');
    case 'json':
      return `${JSON.stringify(rows.map(({ src, dst, conn }) => ({ src, dst, conn })), null, 2)}\n`;
    case 'csv':
      return ['src,dst,conn', ...rows.map((e) => [e.src, e.dst, e.conn].map(csvField).join(','))].join('\n') + '\n';
    case 'md':
      return ['| src | dst | conn |', '|-----|-----|------|', ...rows.map((e) => `| ${e.src} | ${e.dst} | ${e.conn} |`)].join('\n') + '\n';
    case 'dot':
      return dotGraph(list);
  }
}

/**
 * A truth table of the pods in the matrix, as upstream e2e prints them: `.` allowed, `X` blocked, `#` the pod itself
 * (loopback cannot be blocked). Without a port, `.` means every connection and `P` some (the list above says which).
 */
export function truthTable(matrix: ConnectivityMatrix, opts: { port?: number; protocol?: Protocol } = {}): string {
  const pods = matrix.peers.map((p, i) => ({ p, i })).filter((x) => x.p.kind === 'pod');
  if (pods.length === 0) return 'no pods\n';
  const n = pods.length;
  const w = String(n).length;
  const cell = (i: number, j: number): string => {
    if (i === j) return '#';
    const set = matrix.connections(i, j);
    if (opts.port !== undefined) return connectionsAllow(set, opts.protocol ?? 'TCP', opts.port) ? '.' : 'X';
    if (set.all) return '.';
    return isEmptyConnections(set) ? 'X' : 'P';
  };
  const scope = opts.port !== undefined ? `${opts.port}/${opts.protocol ?? 'TCP'}` : 'all ports and protocols';
  const legend = opts.port !== undefined ? '. allowed, X blocked, # self' : '. every connection, P some, X none, # self';
  const lines = [`truth table, ${scope} (rows: from, columns: to; ${legend}):`];
  lines.push(`${' '.repeat(w)} ${pods.map((_, k) => String(k + 1).padStart(w)).join(' ')}`);
  pods.forEach((row, r) => {
    const cells = pods.map((col) => cell(row.i, col.i).padStart(w)).join(' ');
    lines.push(`${String(r + 1).padStart(w)} ${cells}  ${podLabel(row.p as Extract<MatrixPeer, { kind: 'pod' }>)}`);
  });
  return `${lines.join('\n')}\n`;
}
