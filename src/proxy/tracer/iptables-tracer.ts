// Runs a new connection through a loaded iptables ruleset the way netfilter would (nat PREROUTING or OUTPUT, then
// filter INPUT/FORWARD/OUTPUT, then nat POSTROUTING), following every `statistic` branch with its probability,
// like upstream's packet-flow tests (pkg/proxy/iptables/proxier_test.go tracePacket) but over whole hooks.

import { cidrContains, parseCidr, parseIPv4 } from '../../core/ip.js';
import type { Match, Rule, Ruleset, Table } from './iptables-rules.js';

/** The connection to trace: its first packet. */
export interface TracePacket {
  sourceIP: string;
  protocol: string;
  destinationIP: string;
  destinationPort: number;
}

/** One way the packet can go, with its probability. */
export interface TracePath {
  probability: number;
  /** `table/CHAIN` in the order entered. */
  chains: string[];
  verdict: 'ACCEPT' | 'DROP' | 'REJECT';
  /** The DNAT destination (`ip:port`), if any. */
  dnat?: string;
  masquerade: boolean;
  /** `recent --set` lists the packet was added to (ClientIP affinity). */
  affinitySet: string[];
  /** `recent --rcheck` lists consulted (treated as empty: a first connection). */
  affinityChecked: string[];
}

/** Every path, and the DNAT destinations with their summed probabilities. */
export interface TraceResult {
  paths: TracePath[];
  destinations: { address: string; probability: number; masquerade: boolean }[];
}

/** A packet's state along one path through the rules: both tracers walk with it. */
export interface TraceState {
  src: string;
  dst: string;
  dport: number;
  proto: string;
  mark: number;
  /** Probability of this path so far. */
  p: number;
  chains: string[];
  dnat?: string;
  masquerade: boolean;
  affinitySet: string[];
  affinityChecked: string[];
}

type State = TraceState;

type Outcome = { kind: 'return'; s: State } | { kind: 'verdict'; verdict: string; s: State };

function inCidr(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr, true);
  const n = parseIPv4(ip);
  if (!c || n === undefined) throw new Error(`tracer: cannot compare ${ip} with ${cidr}`);
  return cidrContains(c, n);
}

/** Probability (0..1) that the packet in state `s` matches `m`. */
function matchProbability(m: Match, s: State, isLocal: (ip: string) => boolean): number {
  const b = (v: boolean, invert = false) => (v !== invert ? 1 : 0);
  switch (m.kind) {
    case 'protocol': return b(m.protocol === s.proto, m.invert);
    case 'source': return b(inCidr(m.cidr, s.src), m.invert);
    case 'destination': return b(inCidr(m.cidr, s.dst), m.invert);
    case 'dport': return b(m.port === s.dport, m.invert);
    case 'comment': case 'nfacct': return 1;
    case 'addrtype': {
      if (m.type !== 'LOCAL') throw new Error(`tracer: addrtype ${m.type} is not supported`);
      return b(isLocal(m.which === 'src' ? s.src : s.dst), m.invert);
    }
    case 'statistic': return m.probability;
    case 'recent':
      if (m.op === 'set') s.affinitySet.push(m.name);
      else s.affinityChecked.push(m.name);
      return m.op === 'set' ? 1 : 0;
    case 'mark': return b((s.mark & m.mask) === m.value, m.invert);
    case 'ctstate': {
      // A traced packet opens a new connection; DNAT is the virtual state of a connection whose destination was rewritten.
      const states = new Set(['NEW', ...(s.dnat ? ['DNAT'] : [])]);
      return b(m.states.some((x) => states.has(x)), m.invert);
    }
  }
}

function clone(s: State, p: number): State {
  return { ...s, p, chains: [...s.chains], affinitySet: [...s.affinitySet], affinityChecked: [...s.affinityChecked] };
}

function ruleProbability(r: Rule, s: State, isLocal: (ip: string) => boolean): number {
  let p = 1;
  for (const m of r.matches) {
    p *= matchProbability(m, s, isLocal);
    if (p === 0) break;
  }
  return p;
}

function runChain(t: Table, name: string, start: State, isLocal: (ip: string) => boolean, depth = 0): Outcome[] {
  const chain = t.chains.get(name);
  if (!chain) throw new Error(`tracer: ${t.name} chain ${name} does not exist`);
  if (depth > 50) throw new Error(`tracer: jump loop through ${t.name}/${name}`);
  start.chains.push(`${t.name}/${name}`);
  let live: State[] = [start];
  const outs: Outcome[] = [];
  for (const r of chain.rules) {
    const next: State[] = [];
    for (const s of live) {
      const probe = clone(s, s.p);
      const q = ruleProbability(r, probe, isLocal);
      // A rule that did not match still consulted its `recent --rcheck` lists: keep that record on the miss branch.
      const sets = r.matches.some((x) => x.kind === 'recent' && x.op === 'set');
      if (q < 1) next.push(clone(sets ? s : probe, s.p * (1 - q)));
      if (q === 0) continue;
      const m = clone(probe, s.p * q);
      const t2 = r.target;
      if (!t2) next.push(m);
      else if (t2.kind === 'jump') {
        for (const o of runChain(t, t2.chain, m, isLocal, depth + 1)) (o.kind === 'return' ? next.push(o.s) : outs.push(o));
      } else if (t2.kind === 'verdict') {
        if (t2.verdict === 'RETURN') outs.push({ kind: 'return', s: m });
        else outs.push({ kind: 'verdict', verdict: t2.verdict, s: m });
      } else if (t2.kind === 'MARK') {
        m.mark = ((m.mark & ~t2.mask) ^ t2.value) >>> 0;
        next.push(m);
      } else if (t2.kind === 'DNAT') {
        const [ip, port] = t2.to.split(':');
        Object.assign(m, { dst: ip, dport: port ? Number(port) : m.dport, dnat: t2.to });
        outs.push({ kind: 'verdict', verdict: 'ACCEPT', s: m });
      } else {
        m.masquerade = true;
        outs.push({ kind: 'verdict', verdict: 'ACCEPT', s: m });
      }
    }
    live = next;
  }
  for (const s of live) outs.push({ kind: 'return', s });
  return outs;
}

/** Runs a built-in chain (if the table has it); returns the surviving states and the final verdicts. */
function runHook(rs: Ruleset, table: string, chain: string, states: State[], isLocal: (ip: string) => boolean, done: TracePath[]): State[] {
  const t = rs.get(table);
  if (!t || !t.chains.has(chain)) return states;
  const out: State[] = [];
  for (const s of states)
    for (const o of runChain(t, chain, s, isLocal)) {
      const v = o.kind === 'return' ? t.chains.get(chain)!.policy ?? 'ACCEPT' : o.verdict;
      if (v === 'ACCEPT') out.push(o.s);
      else done.push(toPath(o.s, v === 'REJECT' ? 'REJECT' : 'DROP'));
    }
  return out;
}

function toPath(s: State, verdict: TracePath['verdict']): TracePath {
  return { probability: s.p, chains: s.chains, verdict, ...(s.dnat ? { dnat: s.dnat } : {}), masquerade: s.masquerade, affinitySet: s.affinitySet, affinityChecked: s.affinityChecked };
}

/**
 * Traces a new connection through `rs` on a node whose LOCAL addresses `isLocal` decides. Packets from a local
 * source take the OUTPUT path (and INPUT when they stay local); others PREROUTING, then INPUT when the (rewritten)
 * destination is local, else FORWARD and POSTROUTING.
 */
export function traceIptables(rs: Ruleset, pkt: TracePacket, isLocal: (ip: string) => boolean): TraceResult {
  const fromHost = isLocal(pkt.sourceIP);
  const init: State = { src: pkt.sourceIP, dst: pkt.destinationIP, dport: pkt.destinationPort, proto: pkt.protocol, mark: 0, p: 1, chains: [], masquerade: false, affinitySet: [], affinityChecked: [] };
  const done: TracePath[] = [];
  const accept = (states: State[]) => states.forEach((s) => done.push(toPath(s, 'ACCEPT')));
  if (fromHost) {
    // Locally generated: nat and filter OUTPUT, POSTROUTING; over loopback a local destination then meets filter INPUT
    // (nat PREROUTING is not consulted again: the connection is already tracked).
    let states = runHook(rs, 'nat', 'OUTPUT', [init], isLocal, done);
    states = runHook(rs, 'filter', 'OUTPUT', states, isLocal, done);
    states = runHook(rs, 'nat', 'POSTROUTING', states, isLocal, done);
    accept(states.filter((s) => !isLocal(s.dst)));
    accept(runHook(rs, 'filter', 'INPUT', states.filter((s) => isLocal(s.dst)), isLocal, done));
  } else {
    const states = runHook(rs, 'nat', 'PREROUTING', [init], isLocal, done);
    accept(runHook(rs, 'filter', 'INPUT', states.filter((s) => isLocal(s.dst)), isLocal, done));
    const forwarded = runHook(rs, 'filter', 'FORWARD', states.filter((s) => !isLocal(s.dst)), isLocal, done);
    accept(runHook(rs, 'nat', 'POSTROUTING', forwarded, isLocal, done));
  }
  return traceResult(done);
}

/** Sums the accepted paths' probabilities per DNAT destination; both tracers report results this way. */
export function traceResult(paths: TracePath[]): TraceResult {
  const byAddress = new Map<string, { address: string; probability: number; masquerade: boolean }>();
  for (const p of paths)
    if (p.dnat && p.verdict === 'ACCEPT') {
      const d = byAddress.get(p.dnat) ?? { address: p.dnat, probability: 0, masquerade: p.masquerade };
      d.probability += p.probability;
      byAddress.set(p.dnat, d);
    }
  return { paths, destinations: [...byAddress.values()] };
}
