// The iptables backend: kube-proxy's iptables-restore payload for one node (filter and nat tables), rendered from
// the proxy model, with per-Service fragments cached so a change re-renders only the Services it touches.
//
// @example
// const r = new IptablesRenderer(model.forNode('node-1'));
// const payload = r.render();                      // what kube-proxy feeds `iptables-restore --noflush`
// const delta = r.update(model.apply({ upsert: [slice] })); // only the changed chains and lines

import type { NodeProxyView } from '../../model.js';
import { blockLines, serviceFragment, ServiceFragment, FragmentContext } from './service-rules.js';

/** kube-proxy settings that change the rule text. */
export interface IptablesOptions {
  /** The masquerade mark as kube-proxy formats `1 << masqueradeBit` (`%#08x`); upstream unit tests use `0x4000`. */
  masqueradeMark: string;
  /** Append `--random-fully` to MASQUERADE (iptables ≥ 1.6.2 supports it; kube-proxy checks). */
  randomFully: boolean;
  /** kube-proxy managed to create its nfacct counters (adds `-m nfacct` matches). Off by default: they need the nfacct objects to load. */
  nfacct: boolean;
  /** --iptables-localhost-nodeports (default true): NodePorts answer on 127.0.0.1 and KUBE-FIREWALL exists. */
  localhostNodePorts: boolean;
  /** nf_conntrack_tcp_be_liberal=1 drops the KUBE-FORWARD INVALID rule. */
  conntrackTCPLiberal: boolean;
}

export const DEFAULT_IPTABLES_OPTIONS: IptablesOptions = { masqueradeMark: '0x00004000', randomFully: true, nfacct: false, localhostNodePorts: true, conntrackTCPLiberal: false };

/** The configuration of upstream's fake proxier (proxier_test.go NewFakeProxier), for comparing with upstream goldens. */
export const UPSTREAM_TEST_OPTIONS: IptablesOptions = { masqueradeMark: '0x4000', randomFully: false, nfacct: true, localhostNodePorts: true, conntrackTCPLiberal: false };

/** Above this many endpoints kube-proxy switches to large-cluster mode (largeClusterEndpointsThreshold). */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

/** The chains kube-proxy declares in every full sync (flushing them), per table. */
export const FILTER_CHAINS = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL'];
export const NAT_CHAINS = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];

const NODEPORTS_LAST_RULE = '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL';

function fixedFilterHead(o: IptablesOptions): { chains: string[]; rules: string[] } {
  const chains = FILTER_CHAINS.map((c) => `:${c} - [0:0]`);
  const rules: string[] = [];
  if (o.localhostNodePorts) {
    chains.push(':KUBE-FIREWALL - [0:0]');
    rules.push('-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP');
  }
  return { chains, rules };
}

function fixedFilterTail(o: IptablesOptions): string[] {
  const rules: string[] = [];
  if (!o.conntrackTCPLiberal) rules.push(`-A KUBE-FORWARD -m conntrack --ctstate INVALID${o.nfacct ? ' -m nfacct --nfacct-name ct_state_invalid_dropped_pkts' : ''} -j DROP`);
  rules.push(`-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${o.masqueradeMark}/${o.masqueradeMark} -j ACCEPT`);
  rules.push('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  return rules;
}

function fixedNatHead(o: IptablesOptions): string[] {
  return [
    `-A KUBE-POSTROUTING -m mark ! --mark ${o.masqueradeMark}/${o.masqueradeMark} -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark ${o.masqueradeMark}`,
    `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${o.randomFully ? ' --random-fully' : ''}`,
    `-A KUBE-MARK-MASQ -j MARK --or-mark ${o.masqueradeMark}`,
  ];
}

/** The final KUBE-SERVICES rule: tail-call KUBE-NODEPORTS for local destinations. */
export function nodePortsLastRule(o: IptablesOptions): string {
  return `${NODEPORTS_LAST_RULE}${o.localhostNodePorts ? '' : ' ! -d 127.0.0.0/8'} -j KUBE-NODEPORTS`;
}

/** The result of an incremental update: a restore payload for `iptables-restore --noflush` and its size. */
export interface IptablesUpdate {
  /** The Services (`ns/name`) whose chains were re-rendered. */
  services: string[];
  /** true when the change flipped large-cluster mode, so the payload is a full sync. */
  full: boolean;
  /** Restore input that turns the previous ruleset into the new one. */
  payload: string;
}

/**
 * Renders kube-proxy's iptables-restore input for one node and keeps per-Service fragments, so `update` emits only
 * what changed: the changed Services' own chains (flushed and rewritten, or deleted with `-X`) and `-D`/`-I`/`-A`
 * edits of the shared top-level chains. kube-proxy's own partial sync rewrites KUBE-SERVICES and KUBE-NODEPORTS in
 * full (O(Services)); flatnet's delta edits them line by line, so an update costs O(change).
 */
export class IptablesRenderer {
  readonly options: IptablesOptions;
  private fragments = new Map<string, ServiceFragment[]>();
  private totalEndpoints = 0;
  private largeCluster = false;

  constructor(readonly view: NodeProxyView, options: Partial<IptablesOptions> = {}) {
    this.options = { ...DEFAULT_IPTABLES_OPTIONS, ...options };
  }

  private context(): FragmentContext {
    return { clusterCIDR: this.view.clusterCIDR, nfacct: this.options.nfacct, localhostNodePorts: this.options.localhostNodePorts, largeCluster: this.largeCluster };
  }

  private renderService(key: string, ctx: FragmentContext): ServiceFragment[] {
    return this.view.servicePortsOf(key).map((sp) => serviceFragment(sp, ctx));
  }

  /** Re-renders every Service and returns the full restore payload (a kube-proxy full sync). */
  render(): string {
    const keys = this.view.model.serviceKeys();
    this.totalEndpoints = 0;
    for (const key of keys) for (const sp of this.view.servicePortsOf(key)) this.totalEndpoints += sp.port.endpoints.length;
    this.largeCluster = this.totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
    const ctx = this.context();
    this.fragments = new Map(keys.map((k) => [k, this.renderService(k, ctx)]));
    return this.assemble();
  }

  /** Assembles the payload from the cached fragments, in Service order (one string join over O(Services) parts). */
  assemble(): string {
    const o = this.options;
    const head = fixedFilterHead(o);
    const filter: string[] = [block(['*filter', ...head.chains, ...head.rules])];
    const natChains: string[] = [block(['*nat', ...NAT_CHAINS.map((c) => `:${c} - [0:0]`)])];
    const nat: string[] = [block(fixedNatHead(o))];
    for (const key of this.view.model.serviceKeys())
      for (const f of this.fragments.get(key) ?? []) {
        filter.push(f.filterText);
        natChains.push(f.natChainsText);
        nat.push(f.natText);
      }
    filter.push(block([...fixedFilterTail(o), 'COMMIT']));
    nat.push(block([nodePortsLastRule(o), 'COMMIT']));
    return filter.join('') + natChains.join('') + nat.join('');
  }

  /**
   * Re-renders the given Services (as returned by `ProxyModel.apply`) and returns the restore payload that moves
   * the previous ruleset to the new one. Falls back to a full payload when large-cluster mode flips.
   */
  update(keys: string[]): IptablesUpdate {
    const before = new Map(keys.map((k) => [k, this.fragments.get(k) ?? []]));
    let total = this.totalEndpoints;
    for (const k of keys) {
      for (const f of before.get(k)!) total -= f.endpointCount;
      for (const sp of this.view.servicePortsOf(k)) total += sp.port.endpoints.length;
    }
    if (total > LARGE_CLUSTER_ENDPOINTS_THRESHOLD !== this.largeCluster) return { services: keys, full: true, payload: this.render() };
    this.totalEndpoints = total;
    const ctx = this.context();
    const filter: string[] = [];
    const natChains: string[] = [];
    const nat: string[] = [];
    const deleted: string[] = [];
    for (const k of keys) {
      const next = this.renderService(k, ctx);
      if (next.length > 0) this.fragments.set(k, next);
      else this.fragments.delete(k);
      diffService(before.get(k)!, next, { filter, natChains, nat, deleted });
    }
    const payload = ['*filter', ...filter, 'COMMIT', '*nat', ...natChains, ...nat, ...deleted.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
    return { services: keys, full: false, payload };
  }
}

function block(lines: string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

const TOP_LEVEL = /^-A (KUBE-SERVICES|KUBE-NODEPORTS|KUBE-EXTERNAL-SERVICES|KUBE-PROXY-FIREWALL) /;

/** Edits for one Service: top-level rules deleted/added, own chains flushed and rewritten, stale chains deleted. */
function diffService(before: ServiceFragment[], after: ServiceFragment[], out: { filter: string[]; natChains: string[]; nat: string[]; deleted: string[] }): void {
  const lines = (fs: ServiceFragment[], pick: (f: ServiceFragment) => string[]) => fs.flatMap(pick);
  const filterOf = (f: ServiceFragment) => blockLines(f.filterText);
  const natOf = (f: ServiceFragment) => blockLines(f.natText);
  const edit = (old: string[], now: string[], sink: string[]) => {
    const oldSet = new Set(old);
    const nowSet = new Set(now);
    for (const l of old) if (!nowSet.has(l)) sink.push(l.replace(/^-A /, '-D '));
    // New KUBE-SERVICES rules go first: appending would land after the "must be the last rule" NodePort jump.
    for (const l of now) if (!oldSet.has(l)) sink.push(l.startsWith('-A KUBE-SERVICES ') ? l.replace(/^-A KUBE-SERVICES /, '-I KUBE-SERVICES 1 ') : l);
  };
  edit(lines(before, filterOf), lines(after, filterOf), out.filter);
  edit(lines(before, (f) => natOf(f).filter((l) => TOP_LEVEL.test(l))), lines(after, (f) => natOf(f).filter((l) => TOP_LEVEL.test(l))), out.nat);
  const nowChains = new Set(lines(after, (f) => f.natChains));
  for (const c of nowChains) out.natChains.push(`:${c} - [0:0]`);
  for (const l of lines(after, natOf)) if (!TOP_LEVEL.test(l)) out.nat.push(l);
  for (const c of lines(before, (f) => f.natChains))
    if (!nowChains.has(c)) {
      out.natChains.push(`:${c} - [0:0]`);
      out.deleted.push(c);
    }
}

/** Renders the restore payload kube-proxy on `view`'s node writes in a full sync. */
export function renderIptables(view: NodeProxyView, options: Partial<IptablesOptions> = {}): string {
  return new IptablesRenderer(view, options).render();
}
