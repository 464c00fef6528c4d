// Strategic-merge metadata per kind: which fields merge instead of being replaced, and on which key — the
// `patchStrategy` / `patchMergeKey` struct tags of k8s.io/api that kube-apiserver's strategicpatch package reads.

/** A `patchStrategy` tag value as it appears in k8s.io/api (`merge`, `retainKeys`, or both). */
export type PatchStrategy = 'merge' | 'retainKeys' | 'merge,retainKeys';

/** The strategic-merge tags of one field. */
export interface FieldPatchMeta {
  strategy: PatchStrategy;
  /** `patchMergeKey`: lists of objects merge element by element on this field; absent for lists of primitives. */
  mergeKey?: string;
}

/**
 * Field path → tags. A path is the JSON field names joined by `.`, with `[]` after a list whose elements it descends
 * into: `spec.template.spec.containers[].ports`. Fields not in the table have no strategy: lists are replaced whole,
 * maps merge key by key.
 */
export type PatchMetaTable = ReadonlyMap<string, FieldPatchMeta>;

type Fields = Record<string, FieldPatchMeta>;

const MERGE = (mergeKey?: string): FieldPatchMeta => (mergeKey ? { strategy: 'merge', mergeKey } : { strategy: 'merge' });
const MERGE_RETAIN_KEYS = (mergeKey: string): FieldPatchMeta => ({ strategy: 'merge,retainKeys', mergeKey });

function under(prefix: string, fields: Fields): Fields {
  return Object.fromEntries(Object.entries(fields).map(([path, meta]) => [`${prefix}.${path}`, meta]));
}

// k8s.io/apimachinery/pkg/apis/meta/v1 types.go, ObjectMeta: OwnerReferences `patchStrategy:"merge"
// patchMergeKey:"uid"`, Finalizers `patchStrategy:"merge"` (a set of strings). ManagedFields has no tag.
const OBJECT_META: Fields = { ownerReferences: MERGE('uid'), finalizers: MERGE() };

// k8s.io/api/core/v1 types.go, Container (and EphemeralContainerCommon, which repeats the same tags): Ports on
// `containerPort` only — the protocol is part of the server-side-apply list key, not of the strategic merge key —
// Env on `name`, VolumeMounts on `mountPath`, VolumeDevices on `devicePath`. Command, Args, EnvFrom and ResizePolicy
// have no tag and are replaced.
const CONTAINER: Fields = {
  ports: MERGE('containerPort'),
  env: MERGE('name'),
  volumeMounts: MERGE('mountPath'),
  volumeDevices: MERGE('devicePath'),
};

// k8s.io/api/core/v1 types.go, PodSpec: Volumes and ResourceClaims `patchStrategy:"merge,retainKeys"` on `name`;
// InitContainers, Containers, EphemeralContainers, ImagePullSecrets and SchedulingGates on `name`; HostAliases on
// `ip`; TopologySpreadConstraints on `topologyKey` alone. Tolerations has no tag and is replaced.
const POD_SPEC: Fields = {
  volumes: MERGE_RETAIN_KEYS('name'),
  initContainers: MERGE('name'),
  ...under('initContainers[]', CONTAINER),
  containers: MERGE('name'),
  ...under('containers[]', CONTAINER),
  ephemeralContainers: MERGE('name'),
  ...under('ephemeralContainers[]', CONTAINER),
  imagePullSecrets: MERGE('name'),
  hostAliases: MERGE('ip'),
  topologySpreadConstraints: MERGE('topologyKey'),
  schedulingGates: MERGE('name'),
  resourceClaims: MERGE_RETAIN_KEYS('name'),
};

// k8s.io/api/core/v1 types.go, PodStatus: Conditions on `type`, PodIPs and HostIPs on `ip`, ResourceClaimStatuses
// `merge,retainKeys` on `name`. ContainerStatuses has no tag (replaced whole, so the tags inside it never apply).
const POD_STATUS: Fields = {
  conditions: MERGE('type'),
  podIPs: MERGE('ip'),
  hostIPs: MERGE('ip'),
  resourceClaimStatuses: MERGE_RETAIN_KEYS('name'),
};

// PodTemplateSpec (core/v1): an ObjectMeta and a PodSpec, shared by every workload's spec.template.
const POD_TEMPLATE: Fields = { ...under('metadata', OBJECT_META), ...under('spec', POD_SPEC) };

// Every kind in scope has an ObjectMeta; the workload statuses (apps/v1 DeploymentStatus, StatefulSetStatus,
// DaemonSetStatus, ReplicaSetStatus; batch/v1 JobStatus) tag Conditions on `type`.
const METADATA: Fields = under('metadata', OBJECT_META);
const STATUS_CONDITIONS: Fields = { 'status.conditions': MERGE('type') };
const WORKLOAD: Fields = { ...METADATA, ...under('spec.template', POD_TEMPLATE), ...STATUS_CONDITIONS };

// Keyed by `<apiVersion> <kind>`. Kinds whose lists all lack tags (Endpoints subsets, EndpointSlice endpoints,
// Ingress rules and tls, NetworkPolicy ingress and egress, Node taints, Namespace spec.finalizers) have only their
// ObjectMeta entries: every other list of theirs is replaced.
const BY_KIND: Record<string, Fields> = {
  'v1 Pod': { ...METADATA, ...under('spec', POD_SPEC), ...under('status', POD_STATUS) },
  // apps/v1 types.go, DeploymentSpec.Strategy `patchStrategy:"retainKeys"` (a map; the tag only shapes the patches
  // clients compute, kube-apiserver honours `$retainKeys` wherever it appears).
  'apps/v1 Deployment': { ...WORKLOAD, 'spec.strategy': { strategy: 'retainKeys' } },
  'apps/v1 StatefulSet': WORKLOAD,
  'apps/v1 DaemonSet': WORKLOAD,
  'apps/v1 ReplicaSet': WORKLOAD,
  'batch/v1 Job': WORKLOAD,
  // core/v1 types.go, ServiceSpec.Ports on `port` alone; ServiceStatus.Conditions on `type`.
  'v1 Service': { ...METADATA, 'spec.ports': MERGE('port'), ...STATUS_CONDITIONS },
  'v1 Endpoints': METADATA,
  'discovery.k8s.io/v1 EndpointSlice': METADATA,
  'v1 ConfigMap': METADATA,
  'v1 Secret': METADATA,
  // core/v1 types.go, NamespaceStatus.Conditions on `type`.
  'v1 Namespace': { ...METADATA, ...STATUS_CONDITIONS },
  // core/v1 types.go, NodeSpec.PodCIDRs `patchStrategy:"merge"` (strings); NodeStatus Conditions and Addresses on `type`.
  'v1 Node': { ...METADATA, 'spec.podCIDRs': MERGE(), ...STATUS_CONDITIONS, 'status.addresses': MERGE('type') },
  'networking.k8s.io/v1 Ingress': METADATA,
  'networking.k8s.io/v1 IngressClass': METADATA,
  'networking.k8s.io/v1 NetworkPolicy': METADATA,
};

const TABLES: ReadonlyMap<string, PatchMetaTable> = new Map(Object.entries(BY_KIND).map(([k, fields]) => [k, new Map(Object.entries(fields))]));
const METADATA_ONLY: PatchMetaTable = new Map(Object.entries(METADATA));

/** Whether flatnet has the strategic-merge tags of this kind (kube-apiserver refuses the patch type for others). */
export function knowsPatchMeta(kind: string, apiVersion: string): boolean {
  return TABLES.has(`${apiVersion} ${kind}`);
}

/**
 * The strategic-merge tags of a kind. For a kind not in the table only the ObjectMeta tags are known (every object's
 * metadata is an ObjectMeta): its other lists are replaced as JSON merge patch would.
 */
export function patchMetaFor(kind: string, apiVersion: string): PatchMetaTable {
  return TABLES.get(`${apiVersion} ${kind}`) ?? METADATA_ONLY;
}
