// The scheduler: places each pod on a node that fits (nodeName, nodeSelector, required node affinity,
// taints/tolerations, pod capacity), spreading replicas of one owner across nodes. Placement depends only on the
// pod's own owner and index, so adding or removing other objects never moves a pod.

import { hash53 } from '../core/hash.js';
import { canonicalJson, keyOf } from '../core/objects.js';
import type { KubeObject, Taint, Toleration } from '../core/types.js';
import { ReconcileContext, previousOf } from './context.js';
import { MAX_PODS_PER_NODE, nodeTaints } from './nodes.js';

/** A pod to place, with what spreads it: replicas of one owner share `group` and differ in `index`. */
export interface PodPlan {
  pod: KubeObject;
  group?: string;
  index?: number;
}

/** Why a node does not fit a pod, in the scheduler's own wording (pkg/scheduler/framework/plugins). */
export type FitFailure = string;

// Upstream tolerations.go: an empty key with Exists matches every taint; an empty effect matches every effect.
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

function matchNodeSelectorRequirement(req: any, value: string | undefined): boolean {
  const values: string[] = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

/** Required node affinity: terms are ORed, requirements inside a term ANDed (nodeSelectorTerms semantics). */
function matchesNodeAffinity(pod: KubeObject, node: KubeObject): boolean {
  const terms: any[] | undefined = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  const labels = node.metadata.labels ?? {};
  return terms.some(
    (term) =>
      ((term.matchExpressions ?? []).length > 0 || (term.matchFields ?? []).length > 0) &&
      (term.matchExpressions ?? []).every((r: any) => matchNodeSelectorRequirement(r, labels[r.key])) &&
      (term.matchFields ?? []).every((r: any) => r.key === 'metadata.name' && matchNodeSelectorRequirement(r, node.metadata.name)),
  );
}

/** Whether a pod may run on a node, ignoring capacity; the failure names the first predicate that rejects it. */
export function nodeFits(pod: KubeObject, node: KubeObject): FitFailure | undefined {
  if (node.spec?.unschedulable && !(pod.spec?.tolerations ?? []).some((t: Toleration) => tolerates(t, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })))
    return 'node(s) were unschedulable';
  // Filter plugins run in the default profile's order: NodeUnschedulable, TaintToleration, NodeAffinity.
  const tolerations: Toleration[] = pod.spec?.tolerations ?? [];
  for (const taint of nodeTaints(node)) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!tolerations.some((t) => tolerates(t, taint))) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  }
  const labels = node.metadata.labels ?? {};
  const sel: Record<string, string> = pod.spec?.nodeSelector ?? {};
  if (Object.entries(sel).some(([k, v]) => labels[k] !== v) || !matchesNodeAffinity(pod, node)) return "node(s) didn't match Pod's node affinity/selector";
  return undefined;
}

function countedReasons(items: string[]): string {
  const counts = new Map<string, number>();
  for (const f of items) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts.entries()]
    .map(([f, n]) => `${n} ${f}`)
    .sort()
    .join(', ');
}

/**
 * The PodScheduled=False message kube-scheduler writes: reasons counted and sorted, then the preemption note. A node
 * that fails only on capacity could be freed by preemption, but every pod here has the same priority, so it reports
 * "No preemption victims found for incoming pod"; a node failing a filter preemption cannot fix (taints, selectors)
 * reports "Preemption is not helpful for scheduling" (e.g. "1 Preemption is not helpful for scheduling, 2 No
 * preemption victims found for incoming pod." in real clusters' events).
 */
export function unschedulableMessage(total: number, failures: FitFailure[]): string {
  const preemption = failures.map((f) => (f === 'Too many pods' ? 'No preemption victims found for incoming pod' : 'Preemption is not helpful for scheduling'));
  return `0/${total} nodes are available: ${countedReasons(failures)}. preemption: 0/${total} nodes are available: ${countedReasons(preemption)}.`;
}

interface NodeLoad {
  node: KubeObject;
  pods: number;
}

function schedulingSignature(pod: KubeObject): string {
  return canonicalJson([pod.spec?.nodeSelector, pod.spec?.affinity?.nodeAffinity, pod.spec?.tolerations]);
}

/**
 * Binds every plan's pod to a node (spec.nodeName), or leaves it Pending with PodScheduled=False and the
 * scheduler's message. Pods that name a node, and pods the previous state had placed on a still-fitting node,
 * are bound first so new pods never displace them.
 */
// Like kube-scheduler, placement knows nothing of pod IPs: a node whose podCIDR is exhausted still gets pods, and
// they stay ContainerCreating when CNI cannot give them an address (see pods.ts).
export function schedulePods(ctx: ReconcileContext, plans: PodPlan[], nodes: KubeObject[]): void {
  const loads = new Map<string, NodeLoad>(nodes.map((n) => [n.metadata.name, { node: n, pods: 0 }]));
  const bind = (plan: PodPlan, load: NodeLoad) => {
    plan.pod.spec.nodeName = load.node.metadata.name;
    load.pods++;
  };
  const hasRoom = (_plan: PodPlan, l: NodeLoad) => l.pods < MAX_PODS_PER_NODE;

  const pending: PodPlan[] = [];
  for (const plan of plans) {
    const wanted: string | undefined = plan.pod.spec.nodeName;
    if (wanted !== undefined) {
      const load = loads.get(wanted);
      if (load) load.pods++;
      continue; // a pod that names a missing node stays Pending: the kubelet that would run it never appears
    }
    const prevNode: string | undefined = previousOf(ctx, plan.pod)?.spec?.nodeName;
    const load = prevNode !== undefined ? loads.get(prevNode) : undefined;
    if (load && nodeFits(plan.pod, load.node) === undefined && hasRoom(plan, load)) bind(plan, load);
    else pending.push(plan);
  }

  const eligibleBySignature = new Map<string, { eligible: NodeLoad[]; failures: FitFailure[] }>();
  // Replicas of one owner share a template, so their signature is computed once per owner.
  const signatureOfGroup = new Map<string, string>();
  for (const plan of pending) {
    let sig = plan.group !== undefined ? signatureOfGroup.get(plan.group) : undefined;
    if (sig === undefined) {
      sig = schedulingSignature(plan.pod);
      if (plan.group !== undefined) signatureOfGroup.set(plan.group, sig);
    }
    let fit = eligibleBySignature.get(sig);
    if (!fit) {
      fit = { eligible: [], failures: [] };
      for (const load of loads.values()) {
        const f = nodeFits(plan.pod, load.node);
        if (f === undefined) fit.eligible.push(load);
        else fit.failures.push(f);
      }
      eligibleBySignature.set(sig, fit);
    }
    const n = fit.eligible.length;
    const start = n === 0 ? 0 : plan.group !== undefined ? (hash53(plan.group) + (plan.index ?? 0)) % n : hash53(keyOf(plan.pod)) % n;
    let placed = false;
    for (let i = 0; i < n; i++) {
      const load = fit.eligible[(start + i) % n];
      if (hasRoom(plan, load)) {
        bind(plan, load);
        placed = true;
        break;
      }
    }
    if (!placed) {
      const failures = [...fit.failures, ...fit.eligible.map(() => 'Too many pods')];
      markUnschedulable(plan.pod, unschedulableMessage(nodes.length, failures));
    }
  }
}

export function markUnschedulable(pod: KubeObject, message: string): void {
  const now = pod.metadata.creationTimestamp;
  pod.status = {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'Unschedulable', message }],
    qosClass: 'BestEffort',
  };
}
