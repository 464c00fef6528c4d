// The NetworkPolicy step of a simulated connection: the source pod's egress and the destination pod's ingress,
// asked of the policy engine with the addresses each side really sees (before and after SNAT).

import { describeObject } from '../../core/errors.js';
import type { KubeObject } from '../../core/types.js';
import type { NetPolEngine } from '../../netpol/engine.js';
import type { DirectionVerdict, Endpoint as PolicyEndpoint, RuleRef } from '../../netpol/types.js';
import type { Hop, PolicyDirectionStep, Protocol } from '../types.js';

export interface PolicyQuery {
  /** The source pod when it is one (hostNetwork pods included: the engine treats them as node traffic). */
  sourcePod?: KubeObject;
  /** The source address after any SNAT. */
  sourceIP: string;
  /** Whether the source was rewritten (masquerade, portmap SNAT) on the way. */
  snat: boolean;
  /** The destination pod (not hostNetwork), or undefined for a node's own address. */
  destinationPod?: KubeObject;
  destinationIP: string;
  /** The destination port after DNAT. */
  port: number;
  protocol: Protocol;
  /** Where the hop happens: the destination pod, or the source pod for egress to a node. */
  at: string;
}

export type PolicyResult = { allowed: true; hop: Hop } | { allowed: false; hop: Hop; message: string };

function ref(pod: KubeObject): PolicyEndpoint {
  return { kind: 'pod', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name };
}

function policies(d: DirectionVerdict): string[] {
  return d.isolatingPolicies.map((k) => describeObject('NetworkPolicy', k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)));
}

/** A rule as the NetworkPolicy spec paths name it: `prod/allow-web ingress[0] from[1] ports[0]`. */
export function formatRuleRef(r: RuleRef): string {
  const dir = r.direction === 'Ingress' ? 'ingress' : 'egress';
  const peers = r.direction === 'Ingress' ? 'from' : 'to';
  return `${r.policy} ${dir}[${r.rule}]${r.peer !== undefined ? ` ${peers}[${r.peer}]` : ''}${r.port !== undefined ? ` ports[${r.port}]` : ''}`;
}

function directionStep(d: DirectionVerdict): PolicyDirectionStep {
  return { isolated: d.subject && d.isolatingPolicies.length > 0, allowed: d.allowed, policies: [...d.isolatingPolicies], allowedBy: d.allowedBy.map(formatRuleRef) };
}

/** Whether the policy step applies at all: a pod that policies can select is at one end. */
export function policyApplies(q: Pick<PolicyQuery, 'sourcePod' | 'destinationPod'>): boolean {
  return q.destinationPod !== undefined || (q.sourcePod !== undefined && q.sourcePod.spec?.hostNetwork !== true);
}

/**
 * Egress is enforced on the source pod's interface, before the source node rewrites the source address, so it is
 * asked with the pod as the source; ingress is enforced at the destination and sees the source after SNAT (a
 * masqueraded packet comes from the node: node traffic). Denied connections are dropped silently, as every enforcing
 * CNI does (kubernetes.io Network Policies: "the connection is dropped").
 */
export function checkPolicy(engine: NetPolEngine, q: PolicyQuery): PolicyResult {
  const to: PolicyEndpoint = q.destinationPod ? ref(q.destinationPod) : { kind: 'ip', ip: q.destinationIP };
  const seen: PolicyEndpoint = q.sourcePod && !q.snat ? ref(q.sourcePod) : { kind: 'ip', ip: q.sourceIP };
  const v = engine.evaluate({ from: seen, to, port: q.port, protocol: q.protocol });
  const egress = q.sourcePod && q.snat ? engine.evaluate({ from: ref(q.sourcePod), to, port: q.port, protocol: q.protocol }).egress : v.egress;
  const ingress = v.ingress;
  const objects = [...new Set([...policies(egress), ...policies(ingress)])].sort();
  // Under a CNI that enforces nothing the verdict's last note says so, and what an enforcing CNI would do.
  const summary = engine.settings.enforced ? `NetworkPolicy: egress: ${egress.reason}; ingress: ${ingress.reason}` : `NetworkPolicy: ${v.notes[v.notes.length - 1]}`;
  const hop: Hop = { stage: 'policy', at: q.at, summary, objects, policy: { enforced: engine.settings.enforced, egress: directionStep(egress), ingress: directionStep(ingress) } };
  if (egress.allowed && ingress.allowed) return { allowed: true, hop };
  const denied = !egress.allowed ? egress : ingress;
  const message = `dropped by NetworkPolicy ${denied.direction.toLowerCase()} (${policies(denied).join(', ')}): ${denied.reason}`;
  return { allowed: false, hop, message };
}

/**
 * The policy step's results for one cluster snapshot, each query worked out once: the verdict depends only on the
 * snapshot (its pods, namespaces, policies and the CNI) and the query, so a data plane makes a new PolicyVerdicts
 * whenever the cluster changes. Results are shared between connections; nothing mutates a hop once it is made.
 */
export class PolicyVerdicts {
  private readonly results = new Map<string, PolicyResult>();

  /** `engine` is asked for once, on the first query (compiling the policies is work a cluster without queries skips). */
  constructor(private readonly engine: () => NetPolEngine) {}

  check(q: PolicyQuery): PolicyResult {
    const key = queryKey(q);
    let r = this.results.get(key);
    if (!r) {
      r = checkPolicy(this.engine(), q);
      this.results.set(key, r);
    }
    return r;
  }
}

function queryKey(q: PolicyQuery): string {
  const pod = (p: KubeObject | undefined) => (p ? `${p.metadata.namespace ?? 'default'}/${p.metadata.name}` : '');
  return `${pod(q.sourcePod)} ${q.sourceIP} ${q.snat ? 'snat' : ''} ${pod(q.destinationPod)} ${q.destinationIP} ${q.port}/${q.protocol} ${q.at}`;
}
