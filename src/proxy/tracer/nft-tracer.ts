// Runs a new connection through a loaded nftables table (`ip kube-proxy`) the way netfilter would: the base chains
// of each hook in priority order, every `numgen` branch with its probability, verdict maps looked up by
// `ip daddr . meta l4proto . th dport`, the DNAT taken before routing, and masquerading decided by the mark.
// Like upstream's nftables packet-flow tests (pkg/proxy/nftables/helpers_test.go), but over the whole table.
//
// @example
// const table = tableFromScripts(new NftablesRenderer(view).render());
// traceNft(table, { sourceIP: '10.244.1.5', protocol: 'tcp', destinationIP: '10.96.0.10', destinationPort: 53 }, (ip) => view.isLocalAddress(ip));
// // → { paths: [...], destinations: [{ address: '10.244.2.3:53', probability: 0.5, masquerade: false }, ...] }

import { cidrContains, parseCidr, parseIPv4 } from '../../core/ip.js';
import type { NftTable } from '../backends/nftables/table.js';
import { traceResult } from './iptables-tracer.js';
import type { TracePacket, TracePath, TraceResult, TraceState } from './iptables-tracer.js';
import { NftMatch, NftRuleError, NftStatement, parseNftRule, parseVerdict } from './nft-rule.js';

export type { TracePacket, TracePath, TraceResult };

type State = TraceState;

type Outcome = { kind: 'return'; s: State } | { kind: 'verdict'; verdict: 'accept' | 'drop' | 'reject'; s: State };

interface Ctx {
  table: NftTable;
  isLocal: (ip: string) => boolean;
}

function inPrefix(value: string, ip: string): boolean {
  const c = value.includes('/') ? parseCidr(value, true) : parseCidr(`${value}/32`);
  const n = parseIPv4(ip);
  if (!c || n === undefined) throw new Error(`nft tracer: cannot compare ${ip} with ${value}`);
  return cidrContains(c, n);
}

function setHas(ctx: Ctx, name: string, key: string): boolean {
  const s = ctx.table.sets.get(name);
  if (!s) throw new Error(`nft tracer: set ${name} does not exist`);
  return s.elements.has(key);
}

/** Probability (0..1) that the packet in state `s` matches `m`: 0 or 1, except for `numgen` matches. */
function matchProbability(m: NftMatch, s: State, ctx: Ctx): number {
  if (m.kind === 'numgen') return m.value < m.mod ? 1 / m.mod : 0;
  return matches(m, s, ctx) ? 1 : 0;
}

function matches(m: Exclude<NftMatch, { kind: 'numgen' }>, s: State, ctx: Ctx): boolean {
  switch (m.kind) {
    case 'ctstate':
      return m.states.includes('new');
    case 'addr':
      return m.values.some((v) => inPrefix(v, m.field === 'saddr' ? s.src : s.dst)) !== m.negate;
    case 'addrset': {
      // Affinity sets are dynamic and start empty: a first connection has no entry (upstream treats them alike).
      if (ctx.table.sets.get(m.set)?.spec.flags?.includes('dynamic')) {
        s.affinityChecked.push(m.set);
        return m.negate;
      }
      return setHas(ctx, m.set, m.field === 'saddr' ? s.src : s.dst) !== m.negate;
    }
    case 'fiblocal':
      return ctx.isLocal(m.field === 'saddr' ? s.src : s.dst);
    case 'l4proto':
      return s.proto === m.protocol;
    case 'dport':
      return s.proto === m.protocol && s.dport === m.port;
    case 'mark':
      return (s.mark & m.mask) === m.value;
  }
}

function clone(s: State, p: number): State {
  return { ...s, p, chains: [...s.chains], affinitySet: [...s.affinitySet], affinityChecked: [...s.affinityChecked] };
}

function lookupKey(keys: string[], s: State): string {
  return keys.map((k) => (k === 'daddr' ? s.dst : k === 'l4proto' ? s.proto : String(s.dport))).join(' . ');
}

function mapVerdict(ctx: Ctx, map: string, key: string): NftStatement | undefined {
  const m = ctx.table.sets.get(map);
  if (!m || m.kind !== 'map') throw new Error(`nft tracer: map ${map} does not exist`);
  const e = m.elements.get(key);
  return e ? parseVerdict(e.value ?? '', `element ${key} of ${map}`) : undefined;
}

/** Runs statement `st` for state `s`; returns outcomes plus states that continue with the next rule. */
function exec(st: NftStatement, s: State, ctx: Ctx, depth: number, cont: State[], outs: Outcome[]): void {
  switch (st.kind) {
    case 'verdict':
      if (st.verdict === 'return') outs.push({ kind: 'return', s });
      else outs.push({ kind: 'verdict', verdict: st.verdict, s });
      return;
    case 'jump':
    case 'goto':
      for (const o of runChain(ctx, st.chain, s, depth + 1)) {
        if (o.kind === 'verdict') outs.push(o);
        else if (st.kind === 'jump') cont.push(o.s);
        else outs.push(o);
      }
      return;
    case 'lookup': {
      const v = mapVerdict(ctx, st.map, lookupKey(st.keys, s));
      if (v) exec(v, s, ctx, depth, cont, outs);
      else cont.push(s);
      return;
    }
    case 'numgen':
      for (let i = 0; i < st.mod; i++) {
        const v = st.map ? mapVerdict(ctx, st.map, String(i)) : st.elements!.get(i);
        const b = clone(s, s.p / st.mod);
        if (v) exec(v, b, ctx, depth, cont, outs);
        else cont.push(b);
      }
      return;
    case 'dnat':
      outs.push({ kind: 'verdict', verdict: 'accept', s: { ...s, dst: st.ip, dport: st.port, dnat: `${st.ip}:${st.port}` } });
      return;
    case 'masquerade':
      outs.push({ kind: 'verdict', verdict: 'accept', s: { ...s, masquerade: true } });
      return;
    case 'markset':
      cont.push({ ...s, mark: (st.op === 'or' ? s.mark | st.value : s.mark ^ st.value) >>> 0 });
      return;
    case 'update':
      cont.push({ ...s, affinitySet: [...s.affinitySet, st.set] });
      return;
  }
}

function runChain(ctx: Ctx, name: string, start: State, depth = 0): Outcome[] {
  const chain = ctx.table.chains.get(name);
  if (!chain) throw new Error(`nft tracer: chain ${name} does not exist`);
  if (depth > 64) throw new Error(`nft tracer: jump loop through ${name}`);
  let live: State[] = [{ ...start, chains: [...start.chains, name] }];
  const outs: Outcome[] = [];
  for (const text of chain.rules) {
    const rule = parseNftRule(text);
    const next: State[] = [];
    for (const s of live) {
      let q = 1;
      for (const m of rule.matches) if ((q *= matchProbability(m, s, ctx)) === 0) break;
      if (q < 1) next.push(q === 0 ? s : clone(s, s.p * (1 - q)));
      if (q === 0) continue;
      const hit = q === 1 ? s : clone(s, s.p * q);
      if (rule.statement) exec(rule.statement, hit, ctx, depth, next, outs);
      else next.push(hit);
    }
    live = next;
  }
  for (const s of live) outs.push({ kind: 'return', s });
  return outs;
}

/** Runs the base chains of one hook in priority order; returns the accepted states, recording dropped ones. */
function runHook(ctx: Ctx, hook: string, states: State[], done: TracePath[], natDone = false): State[] {
  const bases = [...ctx.table.chains.values()]
    .filter((c) => c.spec?.hook === hook && !(natDone && c.spec.type === 'nat'))
    .sort((a, b) => a.spec!.priority! - b.spec!.priority!);
  let live = states;
  for (const b of bases) {
    const next: State[] = [];
    for (const s of live)
      for (const o of runChain(ctx, b.name, s)) {
        if (o.kind === 'return' || o.verdict === 'accept') next.push(o.s);
        else done.push(toPath(o.s, o.verdict === 'reject' ? 'REJECT' : 'DROP'));
      }
    live = next;
  }
  return live;
}

function toPath(s: State, verdict: TracePath['verdict']): TracePath {
  return { probability: s.p, chains: s.chains, verdict, ...(s.dnat ? { dnat: s.dnat } : {}), masquerade: s.masquerade, affinitySet: s.affinitySet, affinityChecked: s.affinityChecked };
}

/**
 * Traces a new connection through `table` on a node whose local addresses `isLocal` decides (`fib … type local`).
 * Packets from a local source take output and postrouting (then, if sent to a local address, prerouting's filter
 * chains and input); others prerouting, then input when the (rewritten) destination is local, else forward and
 * postrouting. Throws
 * NftRuleError on a rule the tracer does not understand.
 */
export function traceNft(table: NftTable, pkt: TracePacket, isLocal: (ip: string) => boolean): TraceResult {
  const ctx: Ctx = { table, isLocal };
  const fromHost = isLocal(pkt.sourceIP);
  const init: State = { src: pkt.sourceIP, dst: pkt.destinationIP, dport: pkt.destinationPort, proto: pkt.protocol, mark: 0, p: 1, chains: [], masquerade: false, affinitySet: [], affinityChecked: [] };
  const done: TracePath[] = [];
  const accept = (states: State[]) => states.forEach((s) => done.push(toPath(s, 'ACCEPT')));
  if (fromHost) {
    const sent = runHook(ctx, 'postrouting', runHook(ctx, 'output', [init], done), done);
    accept(sent.filter((s) => !isLocal(s.dst)));
    // Sent to a local address, the packet loops back through prerouting (NAT is already decided: the nat chains
    // see only a connection's first pass) and input.
    accept(runHook(ctx, 'input', runHook(ctx, 'prerouting', sent.filter((s) => isLocal(s.dst)), done, true), done));
  } else {
    const routed = runHook(ctx, 'prerouting', [init], done);
    accept(runHook(ctx, 'input', routed.filter((s) => isLocal(s.dst)), done));
    accept(runHook(ctx, 'postrouting', runHook(ctx, 'forward', routed.filter((s) => !isLocal(s.dst)), done), done));
  }
  return traceResult(done);
}

export { NftRuleError };
