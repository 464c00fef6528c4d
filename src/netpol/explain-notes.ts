// Notes on the implementation-defined points a verdict depended on: an ipBlock meeting a pod IP (calico and cilium
// disagree, §7) and a named port that did not resolve on the destination pod (§8).

import { rangesContain } from './address-segments.js';
import { hasBit } from './bitset.js';
import { CompiledPolicy, CompiledRule, entryMatches } from './compile.js';
import type { DirectionInput, EvalContext } from './evaluate.js';

function where(pol: CompiledPolicy, rule: CompiledRule, d: DirectionInput): string {
  return `${pol.view.key} ${d.dir.toLowerCase()} rule ${rule.index}`;
}

function portsMatch(ctx: EvalContext, rule: CompiledRule, d: DirectionInput): boolean {
  return rule.view.ports.length === 0 || rule.view.ports.some((e) => entryMatches(ctx.universe, e, d.dst.element, d.protocol, d.port));
}

function ipBlockNotes(ctx: EvalContext, pol: CompiledPolicy, rule: CompiledRule, d: DirectionInput): string[] {
  const peer = d.peer;
  if (!peer.subject || peer.ip === undefined || !portsMatch(ctx, rule, d)) return [];
  const out: string[] = [];
  const { cni, ipBlockMatchesPods } = ctx.settings;
  rule.view.peers.forEach((p, j) => {
    if (p.kind !== 'ipBlock' || !rangesContain(p.ranges, peer.ip!)) return;
    const block = `ipBlock ${p.cidr}${p.except.length ? ` except [${p.except.join(', ')}]` : ''} (${where(pol, rule, d)} peer ${j})`;
    out.push(
      ipBlockMatchesPods
        ? `${block} matched the pod IP ${peer.ipText} of ${peer.label}: ${cni} lets ipBlocks match pod IPs (cilium and np-guard do not)`
        : `${block} contains the pod IP ${peer.ipText} of ${peer.label} but does not match it: ${cni} never matches pod IPs with ipBlocks (calico and upstream e2e do)`,
    );
  });
  return out;
}

/** Named ports that did not resolve, in rules whose peer matched but whose ports did not (so they may be why). */
function namedPortNotes(ctx: EvalContext, pol: CompiledPolicy, rule: CompiledRule, d: DirectionInput): string[] {
  if (rule.peerBits.length > 0 && !rule.peerBits.some((b) => hasBit(b, d.peer.element))) return [];
  if (portsMatch(ctx, rule, d)) return [];
  const u = ctx.universe;
  const out: string[] = [];
  rule.view.ports.forEach((e, k) => {
    if (typeof e.port !== 'string' || e.protocol !== d.protocol) return;
    const at = `named port "${e.port}" of ${where(pol, rule, d)} port ${k}`;
    if (!u.isPodClass(d.dst.element)) return void out.push(`${at} matches nothing towards ${d.dst.label}, which is not a pod subject to policy`);
    const ports = u.classes[d.dst.element].namedPorts;
    if (ports.has(`${e.port}/${e.protocol}`)) return;
    const other = ['TCP', 'UDP', 'SCTP'].filter((p) => ports.has(`${e.port}/${p}`));
    out.push(`${at} does not resolve on ${d.dst.label}: ${other.length ? `it declares "${e.port}" for ${other.join(', ')}, not ${e.protocol}` : `it declares no container port "${e.port}"`}`);
  });
  return out;
}

/** Every note one rule contributes to a direction's verdict. */
export function directionNotes(ctx: EvalContext, pol: CompiledPolicy, rule: CompiledRule, d: DirectionInput): string[] {
  return [...ipBlockNotes(ctx, pol, rule, d), ...namedPortNotes(ctx, pol, rule, d)];
}
