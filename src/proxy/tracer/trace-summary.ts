// Reduces a tracer result and a model decision to the same comparable summary, so tests can assert that the rendered
// rules and the model agree on every flow (and show both sides when they do not).

import type { ProxyDecision } from '../types.js';
import type { TraceResult } from './iptables-tracer.js';

/** What happens to a connection, comparable across the model, the iptables tracer and the nft tracer. */
export interface FlowSummary {
  verdict: 'dnat' | 'reject' | 'drop' | 'none' | 'mixed';
  /** `address p=<probability, 6 decimals> masq|-`, sorted by address. */
  destinations: string[];
}

function fmt(address: string, p: number, masq: boolean): string {
  return `${address} p=${p.toFixed(6)} ${masq ? 'masq' : '-'}`;
}

/** Summarises a tracer result: all paths DNAT, DROP, REJECT, or none (accepted untouched). */
export function summarizeTrace(r: TraceResult): FlowSummary {
  const kinds = new Set(r.paths.map((p) => (p.verdict === 'ACCEPT' ? (p.dnat ? 'dnat' : 'none') : p.verdict === 'DROP' ? 'drop' : 'reject')));
  const verdict = kinds.size === 1 ? ([...kinds][0] as FlowSummary['verdict']) : 'mixed';
  const destinations = r.destinations.map((d) => fmt(d.address, d.probability, d.masquerade)).sort();
  return { verdict, destinations };
}

/** Summarises a model decision the same way. */
export function summarizeDecision(d: ProxyDecision): FlowSummary {
  if (d.verdict !== 'dnat') return { verdict: d.verdict, destinations: [] };
  return { verdict: 'dnat', destinations: d.candidates.map((c) => fmt(c.endpoint.address, c.probability, c.masquerade)).sort() };
}
