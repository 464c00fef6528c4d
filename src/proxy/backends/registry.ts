// The rule renderers by proxy mode, so front ends ask for "nftables rules of node-1 in the list view" without
// knowing backends; each backend registers itself here (iptables below; nftables and IPVS add theirs).

import type { ProxyMode } from '../../core/cluster-config.js';
import type { NodeProxyView } from '../model.js';

/** What a user asked to see. */
export interface RulesRequest {
  /** One of the backend's `views`. */
  view: string;
  /** For table-oriented views (`iptables -t <table> -L`): the table. */
  table?: string;
  /** For chain listings: one chain only. */
  chain?: string;
  /** The cluster's Service CIDRs (nftables: the "Drop traffic to unallocated ClusterIPs" rule). */
  serviceCIDRs?: string[];
}

/** A backend's rule views for one node. */
export interface RulesBackend {
  mode: ProxyMode;
  /** View names the backend renders, e.g. restore, save, list. */
  views: readonly string[];
  defaultView: string;
  /** Renders a view; throws RulesRequestError for a request it cannot serve (unknown chain, table...). */
  render(view: NodeProxyView, request: RulesRequest): string;
}

/** A request the backend cannot serve, in the words the real tool would use. */
export class RulesRequestError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'RulesRequestError';
  }
}

const backends = new Map<ProxyMode, RulesBackend>();

/** Registers (or replaces) the backend of a proxy mode. */
export function registerRulesBackend(b: RulesBackend): void {
  backends.set(b.mode, b);
}

/** The backend of a mode, or undefined when none is registered yet. */
export function rulesBackend(mode: ProxyMode): RulesBackend | undefined {
  return backends.get(mode);
}

/** Modes with a registered backend. */
export function registeredModes(): ProxyMode[] {
  return [...backends.keys()];
}
