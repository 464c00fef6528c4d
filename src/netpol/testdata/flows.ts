// Checks flows against the compiled engine (evaluate and matrix) and the reference evaluator at once, so every table
// case in the NetworkPolicy tests exercises three implementations of the same semantics.

import assert from 'node:assert/strict';
import type { KubeObject } from '../../core/types.js';
import { connectionsAllow } from '../connection-set.js';
import { buildPolicyEngine } from '../engine.js';
import { ReferenceEndpoint, ReferenceEvaluator } from '../reference-evaluator.js';
import { DEFAULT_POLICY_SETTINGS } from '../settings.js';
import type { MatrixPeer, PolicySettings, Protocol } from '../types.js';
import { endpoint } from './world.js';

/** "from to port/PROTO allow|deny", e.g. "y/a x/a 80/TCP deny" or "10.0.0.1 x/a serve-80-udp/UDP allow". */
export type Flow = string;

function parseFlow(f: Flow): { from: string; to: string; port: number | string; protocol: Protocol; want: boolean } {
  const [from, to, pp, verdict] = f.split(/\s+/);
  const [port, protocol] = pp.split('/');
  if (!['allow', 'deny'].includes(verdict) || !['TCP', 'UDP', 'SCTP'].includes(protocol)) throw new Error(`bad flow "${f}"`);
  return { from, to, port: /^\d+$/.test(port) ? Number(port) : port, protocol: protocol as Protocol, want: verdict === 'allow' };
}

function referenceEndpoint(objects: KubeObject[], ref: ReferenceEvaluator, s: string): ReferenceEndpoint {
  const e = endpoint(s);
  if (e.kind === 'ip') return ref.endpointOfIP(e.ip);
  const pod = objects.find((o) => o.kind === 'Pod' && o.metadata.namespace === e.namespace && o.metadata.name === e.name);
  if (!pod) throw new Error(`no pod ${s}`);
  return { pod };
}

function peerIndex(peers: MatrixPeer[], s: string): number {
  const e = endpoint(s);
  return e.kind === 'pod' ? peers.findIndex((p) => p.kind === 'pod' && p.namespace === e.namespace && p.name === e.name) : -1;
}

/** Asserts every flow's verdict in the engine's evaluate, its matrix (pod pairs) and the reference evaluator. */
export function checkFlows(objects: KubeObject[], flows: Flow[], settings: Partial<PolicySettings> = {}): void {
  const s = { ...DEFAULT_POLICY_SETTINGS, ...settings };
  const engine = buildPolicyEngine(objects, s);
  const matrix = engine.matrix();
  const ref = new ReferenceEvaluator(objects, s);
  for (const f of flows) {
    const q = parseFlow(f);
    const v = engine.evaluate({ from: endpoint(q.from), to: endpoint(q.to), port: q.port, protocol: q.protocol });
    assert.equal(v.allowed, q.want, `evaluate: ${f}\n  egress: ${v.egress.reason}\n  ingress: ${v.ingress.reason}\n  notes: ${v.notes.join(' | ')}`);
    const src = referenceEndpoint(objects, ref, q.from);
    const dst = referenceEndpoint(objects, ref, q.to);
    assert.equal(ref.allowed(src, dst, ref.resolvePort(dst, q.port, q.protocol), q.protocol), q.want, `reference: ${f}`);
    const i = peerIndex(matrix.peers, q.from);
    const j = peerIndex(matrix.peers, q.to);
    if (i >= 0 && j >= 0 && i !== j && v.resolvedPort !== undefined)
      assert.equal(connectionsAllow(matrix.connections(i, j), q.protocol, v.resolvedPort), q.want, `matrix: ${f}`);
  }
}
