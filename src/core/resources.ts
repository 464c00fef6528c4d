// The resource types flatnet knows: kind, group/version, plural, scope and kubectl's short names.
// The table follows kube-apiserver discovery (../shared/reference/kubectl-api.md §2.4).

export interface ResourceType {
  kind: string;
  group: string; // '' for the core group
  version: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
}

/** apiVersion as written in objects: "v1" or "group/version". */
export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

function rt(kind: string, group: string, plural: string, namespaced: boolean, shortNames: string[] = [], categories: string[] = []): ResourceType {
  return { kind, group, version: 'v1', plural, singular: kind.toLowerCase(), namespaced, shortNames, categories };
}

/** Every kind flatnet models, in the order `get all` and discovery list them. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  rt('Namespace', '', 'namespaces', false, ['ns']),
  rt('Node', '', 'nodes', false, ['no']),
  rt('Pod', '', 'pods', true, ['po'], ['all']),
  rt('Service', '', 'services', true, ['svc'], ['all']),
  rt('Endpoints', '', 'endpoints', true, ['ep']),
  rt('ConfigMap', '', 'configmaps', true, ['cm']),
  rt('Secret', '', 'secrets', true),
  rt('Event', '', 'events', true, ['ev']),
  rt('DaemonSet', 'apps', 'daemonsets', true, ['ds'], ['all']),
  rt('Deployment', 'apps', 'deployments', true, ['deploy'], ['all']),
  rt('ReplicaSet', 'apps', 'replicasets', true, ['rs'], ['all']),
  rt('StatefulSet', 'apps', 'statefulsets', true, ['sts'], ['all']),
  rt('EndpointSlice', 'discovery.k8s.io', 'endpointslices', true),
  rt('Ingress', 'networking.k8s.io', 'ingresses', true, ['ing']),
  rt('IngressClass', 'networking.k8s.io', 'ingressclasses', false),
  rt('NetworkPolicy', 'networking.k8s.io', 'networkpolicies', true, ['netpol']),
];

const byKind = new Map(RESOURCE_TYPES.map((t) => [t.kind, t]));

/** The resource type of a kind, or undefined for kinds flatnet does not model. */
export function resourceTypeOfKind(kind: string): ResourceType | undefined {
  return byKind.get(kind);
}

/**
 * Resolves what a user types after `get` (pods, pod, po, Pod, deployments.apps, svc) to a resource type,
 * as kubectl's RESTMapper does: plural, singular, short name or kind, case-insensitive, optionally with `.group`.
 */
export function resolveResourceType(name: string): ResourceType | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  const base = dot < 0 ? lower : lower.slice(0, dot);
  const group = dot < 0 ? undefined : lower.slice(dot + 1);
  return RESOURCE_TYPES.find(
    (t) =>
      (group === undefined || t.group === group || `${t.version}.${t.group}` === group) &&
      (t.plural === base || t.singular === base || t.shortNames.includes(base)),
  );
}

/** The name kubectl uses for a type in `-o name` and multi-type output: `pod`, `deployment.apps`. */
export function qualifiedSingular(t: ResourceType): string {
  return t.group ? `${t.singular}.${t.group}` : t.singular;
}
