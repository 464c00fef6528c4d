// One connection's verdict with its reasons (networkpolicy.md §10): resolve both endpoints, then the source's egress
// side and the destination's ingress side, naming the policies, rules, peers and ports responsible.

import { NotFoundError } from '../core/errors.js';
import { parseIPv4 } from '../core/ip.js';
import { hasBit } from './bitset.js';
import { CompiledRule, entryMatches, Isolation } from './compile.js';
import { directionNotes } from './explain-notes.js';
import type { ConnectionQuery, DirectionVerdict, Endpoint, PolicySettings, Protocol, RuleRef, Verdict } from './types.js';
import type { Universe } from './universe.js';
import type { NodeView, PodView } from './views.js';

/** Lookups from names and addresses to pods (indexes into universe.pods) and nodes. */
export interface Lookups {
  podByKey: Map<string, number>;
  /** IPs of pods that are not hostNetwork. */
  podByIP: Map<number, number>;
  nodeByIP: Map<number, NodeView>;
}

/** What evaluation reads: the compiled policies and the lookups. */
export interface EvalContext extends Lookups {
  universe: Universe;
  isolation: Isolation;
  settings: PolicySettings;
}

/** One resolved endpoint. */
export interface Side {
  label: string;
  pod?: PodView;
  /** Its universe element. */
  element: number;
  ip?: number;
  ipText?: string;
  /** A pod subject to policy (not node traffic). */
  subject: boolean;
  /** The node whose traffic this is (a hostNetwork pod's node, or a node's own address). */
  node?: string;
  notes: string[];
}

export function resolveEndpoint(ctx: EvalContext, e: Endpoint): Side {
  const u = ctx.universe;
  if (e.kind === 'pod') {
    const i = ctx.podByKey.get(`${e.namespace}/${e.name}`);
    if (i === undefined) throw new NotFoundError('pods', `${e.namespace}/${e.name}`);
    return podSide(ctx, i, []);
  }
  const ip = parseIPv4(e.ip);
  if (ip === undefined) throw new RangeError(`"${e.ip}" is not an IPv4 address (flatnet models IPv4 only)`);
  const pod = ctx.podByIP.get(ip);
  if (pod !== undefined) return podSide(ctx, pod, [`${e.ip} is the IP of pod ${u.pods[pod].key}`]);
  const node = ctx.nodeByIP.get(ip);
  const notes = node ? [`${e.ip} is the address of node ${node.name}: node traffic, matched only by ipBlock`] : [];
  return { label: e.ip, element: u.elementOfAddress(ip), ip, ipText: e.ip, subject: false, node: node?.name, notes };
}

function podSide(ctx: EvalContext, i: number, notes: string[]): Side {
  const u = ctx.universe;
  const pod = u.pods[i];
  const nodeTraffic = u.isNodeTraffic(pod);
  if (pod.hostNetwork)
    notes.push(
      nodeTraffic
        ? `${pod.key} uses hostNetwork: its traffic is node traffic from ${pod.ipText ?? 'its node'}${pod.nodeName ? ` (node ${pod.nodeName})` : ''}, which pod and namespace selectors never match (hostNetworkIsNodeTraffic)`
        : `${pod.key} uses hostNetwork and is treated like any other pod (hostNetworkIsNodeTraffic is off)`,
    );
  return { label: pod.key, pod, element: u.elementOfPod[i], ip: pod.ip, ipText: pod.ipText, subject: !nodeTraffic, node: nodeTraffic ? pod.nodeName : undefined, notes };
}

/** The destination port of a query as a number: a name resolves on the destination pod's container ports (§8). */
export function resolvePort(ctx: EvalContext, dst: Side, port: number | string, protocol: Protocol): { port?: number; note?: string } {
  if (typeof port === 'number') return { port };
  if (!dst.subject || !ctx.universe.isPodClass(dst.element)) return { note: `port name "${port}" cannot resolve on ${dst.label}, which is not a pod subject to policy` };
  const n = ctx.universe.classes[dst.element].namedPorts.get(`${port}/${protocol}`);
  return n === undefined ? { note: `port name "${port}" does not resolve on ${dst.label}: it declares no ${protocol} container port of that name` } : { port: n };
}

export interface DirectionInput {
  dir: 'Ingress' | 'Egress';
  /** The pod whose policies decide: the source for egress, the destination for ingress. */
  subject: Side;
  /** The other end, matched against the rules' peers. */
  peer: Side;
  dst: Side;
  protocol: Protocol;
  port?: number;
  portLabel: string;
}

function matchRule(ctx: EvalContext, rule: CompiledRule, d: DirectionInput): { peer?: number; port?: number } | undefined {
  let peer: number | undefined;
  if (rule.peerBits.length > 0) {
    peer = rule.peerBits.findIndex((b) => hasBit(b, d.peer.element));
    if (peer < 0) return undefined;
  }
  let port: number | undefined;
  if (rule.view.ports.length > 0) {
    port = rule.view.ports.findIndex((e) => entryMatches(ctx.universe, e, d.dst.element, d.protocol, d.port));
    if (port < 0) return undefined;
  }
  return { peer, port };
}

function formatRef(r: RuleRef): string {
  return `${r.policy} ${r.direction.toLowerCase()} rule ${r.rule} (${r.peer === undefined ? 'any peer' : `peer ${r.peer}`}, ${r.port === undefined ? 'any port' : `port ${r.port}`})`;
}

/** One direction's verdict for a subject pod (§1, §3); `notes` collects the implementation-defined dependencies. */
export function evaluateDirection(ctx: EvalContext, d: DirectionInput, notes: string[]): DirectionVerdict {
  const dir = d.dir;
  const lower = dir.toLowerCase();
  const s = d.subject;
  if (!s.subject) {
    const reason = s.pod ? `${s.label} uses hostNetwork: its traffic is node traffic and no ${lower} policy applies` : `${s.label} is not a pod: no ${lower} policy applies`;
    return { direction: dir, subject: false, isolatingPolicies: [], allowed: true, allowedBy: [], reason };
  }
  const iso = (dir === 'Ingress' ? ctx.isolation.ingress : ctx.isolation.egress)[s.element];
  const isolating = iso.map((p) => p.view.key);
  if (isolating.length === 0) return { direction: dir, subject: true, isolatingPolicies: [], allowed: true, allowedBy: [], reason: `not isolated for ${lower}: no policy selects it` };
  const allowedBy: RuleRef[] = [];
  for (const pol of iso) {
    for (const rule of (dir === 'Ingress' ? pol.ingress : pol.egress) ?? []) {
      const m = matchRule(ctx, rule, d);
      if (m) allowedBy.push({ policy: pol.view.key, direction: dir, rule: rule.index, ...(m.peer !== undefined ? { peer: m.peer } : {}), ...(m.port !== undefined ? { port: m.port } : {}) });
      // Under a CNI that enforces nothing these points decide nothing; the verdict's last note says what would happen.
      if (ctx.settings.enforced) notes.push(...directionNotes(ctx, pol, rule, d));
    }
  }
  // §9: "traffic to and from the node where a Pod is running is always allowed" (kubernetes.io, Network Policies).
  if (d.peer.node !== undefined && d.peer.node === s.pod?.nodeName) {
    const reason = dir === 'Ingress' ? `traffic from node ${d.peer.node} to a pod running on it is always allowed` : `traffic from a pod to node ${d.peer.node}, where it runs, is always allowed`;
    notes.push(`§9: traffic between a pod and the node it runs on (${d.peer.node}) is always allowed, whatever the policies say`);
    return { direction: dir, subject: true, isolatingPolicies: isolating, allowed: true, allowedBy, reason };
  }
  const reason = allowedBy.length
    ? `allowed by ${allowedBy.map(formatRef).join(', ')}`
    : `${s.label} is isolated for ${lower} by [${isolating.join(', ')}] and none allows ${d.peer.label} on ${d.portLabel}`;
  return { direction: dir, subject: true, isolatingPolicies: isolating, allowed: allowedBy.length > 0, allowedBy, reason };
}

function portLabel(query: ConnectionQuery, resolved: number | undefined): string {
  if (typeof query.port === 'number') return `${query.port}/${query.protocol}`;
  return resolved === undefined ? `${query.port}/${query.protocol} (a port name the destination does not declare)` : `${resolved}/${query.protocol} (port name ${query.port})`;
}

/** The verdict as if policies were enforced (flannel's verdicts wrap this one). */
export function evaluateEnforced(ctx: EvalContext, q: ConnectionQuery): Verdict {
  const src = resolveEndpoint(ctx, q.from);
  const dst = resolveEndpoint(ctx, q.to);
  const notes = [...src.notes, ...(dst.pod && dst.pod === src.pod ? [] : dst.notes)];
  const resolved = resolvePort(ctx, dst, q.port, q.protocol);
  if (resolved.note) notes.push(resolved.note);
  const resolvedPort = resolved.port;
  if (src.pod && src.pod === dst.pod) {
    const loop = (direction: 'Ingress' | 'Egress'): DirectionVerdict => ({ direction, subject: src.subject, isolatingPolicies: [], allowed: true, allowedBy: [], reason: 'a pod cannot block traffic to itself (loopback)' });
    return { allowed: true, resolvedPort, egress: loop('Egress'), ingress: loop('Ingress'), notes };
  }
  // Each direction's input written out in full: an object spread of shared fields costs microseconds in V8, and the
  // data plane asks for a verdict per connection.
  const label = portLabel(q, resolvedPort);
  const egress = evaluateDirection(ctx, { dir: 'Egress', subject: src, peer: dst, dst, protocol: q.protocol, port: resolvedPort, portLabel: label }, notes);
  const ingress = evaluateDirection(ctx, { dir: 'Ingress', subject: dst, peer: src, dst, protocol: q.protocol, port: resolvedPort, portLabel: label }, notes);
  return { allowed: egress.allowed && ingress.allowed, resolvedPort, egress, ingress, notes: [...new Set(notes)] };
}

/** The verdict under the engine's settings: a CNI that enforces nothing allows everything and says what it ignores. */
export function evaluateQuery(ctx: EvalContext, q: ConnectionQuery): Verdict {
  const v = evaluateEnforced(ctx, q);
  if (ctx.settings.enforced) return v;
  const unenforced = (d: DirectionVerdict): DirectionVerdict => ({ ...d, subject: false, allowed: true, allowedBy: [], reason: `${ctx.settings.cni} enforces no NetworkPolicy` });
  const would = v.allowed ? 'allowed too' : `denied (${[v.egress, v.ingress].filter((d) => !d.allowed).map((d) => `${d.direction.toLowerCase()}: ${d.reason}`).join('; ')})`;
  const isolated = v.egress.isolatingPolicies.length + v.ingress.isolatingPolicies.length > 0;
  return {
    ...v,
    allowed: true,
    egress: unenforced(v.egress),
    ingress: unenforced(v.ingress),
    notes: [...v.notes, `${ctx.settings.cni} enforces no NetworkPolicy${isolated ? `; a CNI that enforces them would have this connection ${would}` : ''}`],
  };
}
