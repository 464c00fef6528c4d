// Warnings about policies that cannot do what they look like they do: a CNI that enforces nothing, policies that
// select no pod or only hostNetwork pods, named ports no selected pod declares, and IPv6 ipBlocks in an IPv4 model.

import { matches } from '../core/labels.js';
import type { KubeObject } from '../core/types.js';
import type { PolicySettings } from './types.js';
import { clusterViews, PodView, PolicyView } from './views.js';

function ipv6Warnings(o: KubeObject): string[] {
  const out: string[] = [];
  for (const [dir, field] of [['ingress', 'from'], ['egress', 'to']] as const)
    (o.spec?.[dir] ?? []).forEach((rule: any, i: number) =>
      (rule?.[field] ?? []).forEach((peer: any, j: number) => {
        const cidr = peer?.ipBlock?.cidr;
        if (typeof cidr === 'string' && cidr.includes(':'))
          out.push(`NetworkPolicy ${o.metadata.namespace ?? 'default'}/${o.metadata.name}: spec.${dir}[${i}].${field}[${j}].ipBlock.cidr "${cidr}": flatnet models IPv4 only, so this ipBlock matches nothing`);
      }),
    );
  return out;
}

function namedPortWarnings(p: PolicyView, selected: PodView[]): string[] {
  const out: string[] = [];
  (p.ingress ?? []).forEach((rule, i) =>
    rule.ports.forEach((e, k) => {
      if (typeof e.port !== 'string') return;
      const name = `${e.port}/${e.protocol}`;
      if (!selected.some((pod) => pod.namedPorts.has(name)))
        out.push(`NetworkPolicy ${p.key}: spec.ingress[${i}].ports[${k}]: named port "${e.port}" (${e.protocol}) is declared by none of the pods the policy selects, so it matches nothing`);
    }),
  );
  return out;
}

function selectionWarnings(p: PolicyView, selected: PodView[], settings: PolicySettings): string[] {
  if (selected.length === 0) return [`NetworkPolicy ${p.key}: spec.podSelector selects no pod in namespace ${p.namespace}, so the policy has no effect`];
  const host = selected.filter((pod) => pod.hostNetwork);
  if (!settings.hostNetworkIsNodeTraffic || host.length === 0) return [];
  return [`NetworkPolicy ${p.key}: selects hostNetwork pods [${host.map((pod) => pod.key).join(', ')}], which policies do not isolate (their traffic is node traffic)`];
}

/**
 * Every warning about the policies among `objects`, in policy order; the first names the policies a CNI that
 * enforces nothing (flannel) ignores.
 */
export function lintPolicies(objects: KubeObject[], settings: PolicySettings): string[] {
  const views = clusterViews(objects);
  const out: string[] = [];
  if (!settings.enforced && views.policies.length > 0)
    out.push(`${settings.cni} enforces no NetworkPolicy: ${views.policies.length} ${views.policies.length === 1 ? 'policy is' : 'policies are'} ignored: ${views.policies.map((p) => p.key).join(', ')}`);
  const podsByNs = new Map<string, PodView[]>();
  for (const pod of views.pods) {
    const l = podsByNs.get(pod.namespace);
    if (l) l.push(pod);
    else podsByNs.set(pod.namespace, [pod]);
  }
  const byKey = new Map(objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => [`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, o]));
  for (const p of views.policies) {
    const selected = (podsByNs.get(p.namespace) ?? []).filter((pod) => matches(p.podSelector, pod.labels));
    out.push(...selectionWarnings(p, selected, settings), ...namedPortWarnings(p, selected), ...ipv6Warnings(byKey.get(p.key)!));
  }
  return out;
}
