// One reconcile: the user's desired objects and the cluster's shape in, the whole cluster's state out — what the
// control plane's controllers converge to. Pure: no I/O, time from the caller, allocations kept from `previous`.

import type { ClusterConfig } from '../core/cluster-config.js';
import type { Clock } from '../core/clock.js';
import { applyDefaults, completePodFromTemplate } from '../core/defaults.js';
import { describeObject, InputError, SourceRef } from '../core/errors.js';
import { uidFor } from '../core/hash.js';
import { deepClone, jsonEqual, keyOf, mergeObjects, objectKey } from '../core/objects.js';
import { RESOURCE_TYPES, resourceTypeOfKind } from '../core/resources.js';
import type { KubeObject } from '../core/types.js';
import { newContext, ReconcileContext } from './context.js';
import { hasSelector, kubernetesEndpoints, mirrorEndpoints, PodIndex, serviceEndpoints, serviceEndpointSlices } from './endpoints.js';
import { ingressStatuses } from './ingress-status.js';
import { buildNodes, nodeInternalIP } from './nodes.js';
import { assignPodIPs } from './pods.js';
import { PodPlan, schedulePods } from './scheduler.js';
import { allocateServices } from './services.js';
import { SYSTEM_NAMESPACES, systemObjects } from './system-objects.js';
import { daemonSetStatus, deploymentStatus, replicaSetStatus, statefulSetStatus } from './workload-status.js';
import { admitPod, daemonSetPods, replicaSetFor, replicaSetPods, statefulSetPods } from './workloads.js';

/** One object of the user's input, with where it came from (for error messages). */
export interface DesiredObject {
  object: KubeObject;
  source?: SourceRef;
}

export interface ReconcileOptions {
  clock: Clock;
  /** The state a previous reconcile produced; its allocations (IPs, nodes, ports) are kept. */
  previous?: Iterable<KubeObject>;
  }

export interface ClusterState {
  /** Every object of the cluster, in kind order, then namespace, then name. */
  objects: KubeObject[];
  warnings: string[];
}

/** Appends without spreading: `push(...list)` overflows the stack for lists of 100k objects. */
function pushAll<T>(out: T[], items: Iterable<T>): void {
  for (const i of items) out.push(i);
}

const GENERATION_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'NetworkPolicy', 'Ingress']);

/** Fills uid, creationTimestamp and generation, keeping what the previous state had for the same object. */
function ensureMeta(ctx: ReconcileContext, o: KubeObject): KubeObject {
  const key = keyOf(o);
  const prev = ctx.previous.get(key);
  o.metadata.uid ??= prev?.metadata.uid ?? uidFor(key);
  o.metadata.creationTimestamp ??= prev?.metadata.creationTimestamp ?? ctx.now;
  if (GENERATION_KINDS.has(o.kind) && o.metadata.generation === undefined) {
    const prevGen = prev?.metadata.generation ?? 0;
    o.metadata.generation = prev && jsonEqual(prev.spec, o.spec) ? prevGen || 1 : prevGen + 1;
  }
  return o;
}

const kindRank = new Map(RESOURCE_TYPES.map((t, i) => [t.kind, i]));

function compareObjects(a: KubeObject, b: KubeObject): number {
  const ka = kindRank.get(a.kind) ?? 99;
  const kb = kindRank.get(b.kind) ?? 99;
  if (ka !== kb) return ka - kb;
  const na = a.metadata.namespace ?? '';
  const nb = b.metadata.namespace ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

function byKindOf(objects: KubeObject[]): Map<string, KubeObject[]> {
  const m = new Map<string, KubeObject[]>();
  for (const o of objects) {
    const l = m.get(o.kind);
    if (l) l.push(o);
    else m.set(o.kind, [o]);
  }
  return m;
}

// Kinds no controller writes to: reconcile gives them metadata (uid, creationTimestamp, generation) and, for Ingress,
// the status ingress-nginx publishes; everything else is the desired object as given.
const PASSED_THROUGH_KINDS = new Set(['ConfigMap', 'Secret', 'Ingress', 'IngressClass', 'NetworkPolicy']);

// The object a reconcile produced from a desired object of those kinds. collectDocuments hands out the same desired
// object while its document is unchanged, so when the previous state still holds exactly that output, the output is
// used again as it is — no copy, no comparison — and the store sees the same object (store.ts replaceAll). This is
// what lets `flatnet up` re-apply 1,000 Ingresses after one of them changed in a few milliseconds.
const passedThrough = new WeakMap<KubeObject, KubeObject>();

interface MergedInput {
  objects: KubeObject[];
  /** Outputs of an earlier reconcile used again as they are: never to be changed in place. */
  reused: Set<KubeObject>;
  /** Each new passed-through object and the desired object it came from, to remember when the reconcile succeeds. */
  fresh: Map<KubeObject, KubeObject>;
}

/** Merges the user's objects over the system objects they redeclare, as `kubectl apply` would update them. */
function mergeWithSystem(config: ClusterConfig, desired: DesiredObject[], previous: ReadonlyMap<string, KubeObject>): MergedInput {
  const merged = new Map<string, KubeObject>();
  const reused = new Set<KubeObject>();
  const fresh = new Map<KubeObject, KubeObject>();
  // The user's objects arrive defaulted; the system's get the same API defaults here.
  for (const o of systemObjects(config)) merged.set(keyOf(o), applyDefaults(o, o.metadata.namespace));
  for (const d of desired) {
    const key = keyOf(d.object);
    const base = merged.get(key);
    if (base) {
      merged.set(key, mergeObjects(base, d.object));
      continue;
    }
    if (!PASSED_THROUGH_KINDS.has(d.object.kind)) {
      merged.set(key, deepClone(d.object));
      continue;
    }
    const before = passedThrough.get(d.object);
    if (before !== undefined && previous.get(key) === before) {
      merged.set(key, before);
      reused.add(before);
      continue;
    }
    const o = deepClone(d.object);
    merged.set(key, o);
    fresh.set(o, d.object);
  }
  return { objects: [...merged.values()].sort(compareObjects), reused, fresh };
}

function namespaces(ctx: ReconcileContext, objects: KubeObject[], declared: KubeObject[]): KubeObject[] {
  const out = new Map(declared.map((n) => [n.metadata.name, n]));
  for (const o of objects) {
    const ns = o.metadata.namespace;
    if (ns === undefined || out.has(ns)) continue;
    out.set(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns }, spec: { finalizers: ['kubernetes'] } });
    if (!SYSTEM_NAMESPACES.includes(ns))
      ctx.warnings.push(`namespace "${ns}" is used by ${describeObject(o.kind, ns, o.metadata.name)} but declared by no document; created implicitly`);
  }
  for (const n of out.values()) {
    n.metadata.labels = { ...(n.metadata.labels ?? {}), 'kubernetes.io/metadata.name': n.metadata.name };
    n.status = { phase: 'Active' };
    ensureMeta(ctx, n);
  }
  return [...out.values()];
}

/** Runs every controller once over the desired objects. Throws InputError listing every allocation problem. */
export function reconcile(config: ClusterConfig, desired: DesiredObject[], opts: ReconcileOptions): ClusterState {
  const previous = new Map<string, KubeObject>();
  for (const o of opts.previous ?? []) previous.set(keyOf(o), o);
  const sources = new Map<string, SourceRef>();
  for (const d of desired) if (d.source) sources.set(keyOf(d.object), d.source);
  const ctx = newContext(config, opts.clock, previous, sources);

  const { objects: input, reused, fresh } = mergeWithSystem(config, desired, previous);
  const by = byKindOf(input);
  const get = (kind: string) => by.get(kind) ?? [];
  for (const o of input) if (o.kind !== 'Namespace' && o.kind !== 'Node' && !reused.has(o)) ensureMeta(ctx, o);

  const out: KubeObject[] = [];
  pushAll(out, namespaces(ctx, input, get('Namespace')));
  const nodes = buildNodes(ctx, get('Node')).map((n) => ensureMeta(ctx, n));
  pushAll(out, nodes);

  // Workloads and their pods.
  const plans: PodPlan[] = get('Pod').map((pod) => ({ pod }));
  const podsOf = new Map<KubeObject, PodPlan[]>();
  const replicaSets = [...get('ReplicaSet')];
  const rsOfDeployment = new Map<KubeObject, KubeObject>();
  for (const d of get('Deployment')) {
    const rs = ensureMeta(ctx, replicaSetFor(d));
    rsOfDeployment.set(d, rs);
    replicaSets.push(rs);
  }
  const owned = (owner: KubeObject, list: PodPlan[]) => {
    for (const p of list) ensureMeta(ctx, p.pod);
    podsOf.set(owner, list);
    pushAll(plans, list);
  };
  for (const rs of replicaSets) owned(rs, replicaSetPods(rs));
  for (const sts of get('StatefulSet')) owned(sts, statefulSetPods(sts));
  for (const ds of get('DaemonSet')) owned(ds, daemonSetPods(ds, nodes));
  for (const plan of plans) {
    // Bare pods were defaulted on input; pods made from (defaulted) templates need only the pod-only defaults.
    if (plan.group !== undefined || plan.pod.metadata.ownerReferences) completePodFromTemplate(plan.pod.spec);
    admitPod(plan.pod);
  }
  plans.sort((a, b) => compareObjects(a.pod, b.pod));
  schedulePods(ctx, plans, nodes);
  const pods = plans.map((p) => p.pod);
  assignPodIPs(ctx, pods, nodes);
  pushAll(out, pods);

  const podsOfOwner = (owner: KubeObject) => (podsOf.get(owner) ?? []).map((p) => p.pod);
  for (const rs of replicaSets) rs.status = replicaSetStatus(rs, podsOfOwner(rs));
  for (const [d, rs] of rsOfDeployment) d.status = deploymentStatus(d, rs, podsOfOwner(rs));
  for (const sts of get('StatefulSet')) sts.status = statefulSetStatus(sts, podsOfOwner(sts));
  for (const ds of get('DaemonSet')) ds.status = daemonSetStatus(ds, podsOfOwner(ds));
  for (const l of [replicaSets, get('Deployment'), get('StatefulSet'), get('DaemonSet')]) pushAll(out, l);

  // Services and what backs them.
  const services = get('Service');
  allocateServices(ctx, services);
  pushAll(out, services);
  const index = new PodIndex(pods);
  const userEndpoints = new Map(get('Endpoints').map((e) => [keyOf(e), e]));
  const generated: KubeObject[] = [];
  for (const svc of services) {
    const epKey = objectKey('Endpoints', svc.metadata.namespace, svc.metadata.name);
    if (svc.metadata.namespace === 'default' && svc.metadata.name === 'kubernetes') {
      const apiserver = nodes.find((n) => n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined) ?? nodes[0];
      generated.push(...kubernetesEndpoints(svc, nodeInternalIP(apiserver)));
      userEndpoints.delete(epKey);
    } else if (hasSelector(svc)) {
      pushAll(generated, serviceEndpointSlices(svc, index));
      generated.push(serviceEndpoints(svc, index));
      userEndpoints.delete(epKey); // the endpoints controller owns Endpoints of selector Services
    } else if (userEndpoints.has(epKey) && svc.spec.type !== 'ExternalName') {
      generated.push(...mirrorEndpoints(svc, userEndpoints.get(epKey)!));
    }
  }
  pushAll(out, userEndpoints.values());
  pushAll(out, get('EndpointSlice'));
  for (const o of generated) out.push(ensureMeta(ctx, o));

  // After the Services have their LB IPs: ingress-nginx publishes its Service's address on the Ingresses it serves.
  // A reused Ingress whose published address changed is copied rather than changed in place.
  const ingresses = get('Ingress');
  ingressStatuses({ ingresses, ingressClasses: get('IngressClass'), services, pods }).forEach((status, i) => {
    const ing = ingresses[i];
    if (!reused.has(ing)) ing.status = status;
    else if (!jsonEqual(ing.status, status)) {
      const copy = { ...ing, metadata: { ...ing.metadata }, status };
      delete copy.metadata.resourceVersion;
      ingresses[i] = copy;
    }
  });
  for (const t of RESOURCE_TYPES)
    if (!['Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'EndpointSlice', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(t.kind)) pushAll(out, get(t.kind));

  if (ctx.problems.length > 0) throw new InputError(ctx.problems);
  for (const o of out) if (!reused.has(o) && !resourceTypeOfKind(o.kind)?.namespaced) delete o.metadata.namespace;
  for (const [o, from] of fresh) passedThrough.set(from, o);
  return { objects: out.sort(compareObjects), warnings: ctx.warnings };
}
