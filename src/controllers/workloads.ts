// Workload controllers: Deployment → ReplicaSet → Pods, StatefulSet → ordered Pods, DaemonSet → a Pod per
// eligible node. Names are generated as the upstream controllers generate them, but from hashes instead of
// randomness, so the same input always gives the same names.

import { fnv32a, nameSuffix, safeEncodeString } from '../core/hash.js';
import { canonicalJson, deepClone } from '../core/objects.js';
import type { KubeObject, OwnerReference, PodTemplateSpec, Toleration } from '../core/types.js';
import { nodeFits, PodPlan } from './scheduler.js';

/** pod-template-hash: FNV-32a of the template, its decimal form safe-encoded (controller.ComputeHash). */
export function templateHash(template: unknown): string {
  return safeEncodeString(String(fnv32a(canonicalJson(template))));
}

export function ownerRef(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

// The DefaultTolerationSeconds admission plugin adds these to every pod that does not tolerate them already.
const DEFAULT_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

// pkg/controller/daemon/util: DaemonSet pods tolerate node conditions so they run (and keep running) everywhere.
function daemonSetTolerations(hostNetwork: boolean): Toleration[] {
  const t: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t;
}

function addTolerations(pod: KubeObject, extra: Toleration[]): void {
  const have: Toleration[] = pod.spec.tolerations ?? [];
  const key = (t: Toleration) => `${t.key}|${t.operator}|${t.effect}`;
  const seen = new Set(have.map(key));
  const all = [...have];
  for (const t of extra) if (!seen.has(key(t)) && !have.some((h) => h.operator === 'Exists' && !h.key && (!h.effect || h.effect === t.effect))) all.push(t);
  pod.spec.tolerations = all;
}

/** Admission defaults every pod gets from the API server, generated or not. */
export function admitPod(pod: KubeObject): void {
  pod.spec.serviceAccountName ??= 'default';
  pod.spec.enableServiceLinks ??= true;
  pod.spec.priority ??= 0;
  addTolerations(pod, DEFAULT_TOLERATIONS);
}

function podFromTemplate(owner: KubeObject, template: PodTemplateSpec, name: string, extraLabels: Record<string, string>): KubeObject {
  const t = deepClone(template);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      generateName: name.slice(0, name.lastIndexOf('-') + 1),
      labels: { ...(t.metadata?.labels ?? {}), ...extraLabels },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [ownerRef(owner)],
    },
    spec: t.spec,
  };
}

/** The ReplicaSet a Deployment runs its current template through: `<deployment>-<pod-template-hash>`. */
export function replicaSetFor(deploy: KubeObject): KubeObject {
  const template: PodTemplateSpec = deploy.spec.template;
  const hash = templateHash(template);
  const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash };
  const replicas = deploy.spec.replicas ?? 1;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${deploy.metadata.name}-${hash}`,
      namespace: deploy.metadata.namespace,
      labels,
      annotations: {
        'deployment.kubernetes.io/desired-replicas': String(replicas),
        'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas * 0.25)),
        'deployment.kubernetes.io/revision': '1',
      },
      ownerReferences: [ownerRef(deploy)],
    },
    spec: {
      replicas,
      selector: { ...deploy.spec.selector, matchLabels: { ...(deploy.spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
      template: { ...deepClone(template), metadata: { ...deepClone(template.metadata ?? {}), labels } },
    },
  };
}

/** Pods of a ReplicaSet: `<rs>-<5 characters>`, the characters derived from the ReplicaSet name and replica index. */
export function replicaSetPods(rs: KubeObject): PodPlan[] {
  const out: PodPlan[] = [];
  const used = new Set<string>();
  const replicas: number = rs.spec.replicas ?? 1;
  for (let i = 0; i < replicas; i++) {
    let name = `${rs.metadata.name}-${nameSuffix(`${rs.metadata.name}/${i}`)}`;
    for (let salt = 1; used.has(name); salt++) name = `${rs.metadata.name}-${nameSuffix(`${rs.metadata.name}/${i}/${salt}`)}`;
    used.add(name);
    out.push({ pod: podFromTemplate(rs, rs.spec.template, name, {}), group: `${rs.metadata.namespace}/${rs.metadata.name}`, index: i });
  }
  return out;
}

/** StatefulSet pods `<sts>-<ordinal>`, each with hostname = its name and subdomain = serviceName. */
export function statefulSetPods(sts: KubeObject): PodPlan[] {
  const revision = `${sts.metadata.name}-${templateHash(sts.spec.template)}`;
  const out: PodPlan[] = [];
  for (let i = 0; i < (sts.spec.replicas ?? 1); i++) {
    const name = `${sts.metadata.name}-${i}`;
    const pod = podFromTemplate(sts, sts.spec.template, name, {
      'apps.kubernetes.io/pod-index': String(i),
      'controller-revision-hash': revision,
      'statefulset.kubernetes.io/pod-name': name,
    });
    pod.metadata.generateName = `${sts.metadata.name}-`;
    pod.spec.hostname = name;
    if (sts.spec.serviceName) pod.spec.subdomain = sts.spec.serviceName;
    out.push({ pod, group: `${sts.metadata.namespace}/${sts.metadata.name}`, index: i });
  }
  return out;
}

/** One pod per node that fits the template (taints, nodeSelector, affinity), pinned by node affinity as upstream does. */
export function daemonSetPods(ds: KubeObject, nodes: KubeObject[]): PodPlan[] {
  const hash = templateHash(ds.spec.template);
  const out: PodPlan[] = [];
  for (const node of nodes) {
    const name = `${ds.metadata.name}-${nameSuffix(`${ds.metadata.namespace}/${ds.metadata.name}/${node.metadata.name}`)}`;
    const pod = podFromTemplate(ds, ds.spec.template, name, { 'controller-revision-hash': hash, 'pod-template-generation': '1' });
    addTolerations(pod, daemonSetTolerations(!!pod.spec.hostNetwork));
    pod.spec.affinity = {
      ...(pod.spec.affinity ?? {}),
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node.metadata.name] }] }],
        },
      },
    };
    if (nodeFits(pod, node) === undefined) {
      pod.spec.nodeName = node.metadata.name;
      out.push({ pod });
    }
  }
  return out;
}
