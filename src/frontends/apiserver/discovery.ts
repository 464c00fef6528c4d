// What kubectl asks before anything else: /version, API discovery (aggregated v2/v2beta1 or the legacy documents,
// chosen by Accept) and the OpenAPI v3 stub its default validation needs (kubectl-api.md §2, §6.1).

import { KUBERNETES_VERSION } from '../../controllers/system-objects.js';
import { hash53 } from '../../core/hash.js';
import { RESOURCE_TYPES, ResourceType } from '../../core/resources.js';
import { VALIDATED_KINDS } from '../../core/validation/validate.js';

/** GET /version. The minor version also picks the kubectl binary the project's dispatcher runs (kubectl-api.md §1.3). */
export function versionInfo(): Record<string, string> {
  const [, major, minor] = /^v(\d+)\.(\d+)/.exec(KUBERNETES_VERSION)!;
  return {
    major,
    minor,
    gitVersion: KUBERNETES_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** Types flatnet accepts writes for; the others (Event) are read-only. */
export function isWritable(t: ResourceType): boolean {
  return VALIDATED_KINDS.includes(t.kind);
}

/** Kinds with a /scale subresource served as autoscaling/v1 Scale (kubectl-api.md §6.7). */
export const SCALABLE_KINDS = ['Deployment', 'ReplicaSet', 'StatefulSet'];

const READ_VERBS = ['get', 'list', 'watch'];
const WRITE_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function verbsOf(t: ResourceType): string[] {
  return isWritable(t) ? WRITE_VERBS : READ_VERBS;
}

interface Subresource {
  name: string;
  kind: { group: string; version: string; kind: string };
  verbs: string[];
}

function subresourcesOf(t: ResourceType): Subresource[] {
  if (SCALABLE_KINDS.includes(t.kind)) return [{ name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] }];
  if (t.kind === 'Pod')
    return [
      { name: 'exec', kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] },
      { name: 'log', kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
    ];
  return [];
}

/** The API groups other than the core group, in the order of the resource table. */
function groups(): string[] {
  return [...new Set(RESOURCE_TYPES.filter((t) => t.group !== '').map((t) => t.group))];
}

function typesOf(group: string): ResourceType[] {
  return RESOURCE_TYPES.filter((t) => t.group === group);
}

/** The media types of an Accept header in order, each with its parameters. */
function acceptedTypes(accept: string | undefined): { type: string; params: Record<string, string> }[] {
  return (accept ?? '').split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    return { type: type.toLowerCase(), params: Object.fromEntries(params.map((p) => p.split('=').map((s) => s.trim()) as [string, string])) };
  });
}

/** The aggregated discovery version the Accept asks for first (v2, then v2beta1 for kubectl 1.27), or undefined for legacy. */
export function aggregatedVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const a of acceptedTypes(accept)) {
    if (a.params.as !== 'APIGroupDiscoveryList' || a.params.g !== 'apidiscovery.k8s.io') continue;
    if (a.params.v === 'v2' || a.params.v === 'v2beta1') return a.params.v;
  }
  return undefined;
}

/** Whether the Accept header asks for a meta.k8s.io Table (kubectl's human output). */
export function wantsTable(accept: string | undefined): boolean {
  return acceptedTypes(accept).some((a) => a.params.as === 'Table' && a.params.g === 'meta.k8s.io');
}

/** The exact Content-Type aggregated discovery needs: with plain application/json kubectl parses it as legacy (§2.2). */
export function aggregatedContentType(v: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;
}

function discoveryResource(t: ResourceType): Record<string, unknown> {
  const subs = subresourcesOf(t);
  return {
    resource: t.plural,
    responseKind: { group: t.group, version: t.version, kind: t.kind },
    scope: t.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: t.singular,
    verbs: verbsOf(t),
    ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
    ...(t.categories.length ? { categories: t.categories } : {}),
    ...(subs.length ? { subresources: subs.map((s) => ({ subresource: s.name, responseKind: s.kind, verbs: s.verbs })) } : {}),
  };
}

/** GET /api (core) or GET /apis (every other group) as an aggregated APIGroupDiscoveryList. */
export function aggregatedDiscovery(core: boolean, v: 'v2' | 'v2beta1'): Record<string, unknown> {
  const item = (group: string) => ({
    metadata: group ? { name: group } : {},
    versions: [{ version: 'v1', freshness: 'Current', resources: typesOf(group).map(discoveryResource) }],
  });
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${v}`, metadata: {}, items: core ? [item('')] : groups().map(item) };
}

/** GET /api as legacy APIVersions. */
export function legacyCoreVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(name: string): Record<string, unknown> {
  const v = { groupVersion: `${name}/v1`, version: 'v1' };
  return { name, versions: [v], preferredVersion: v };
}

/** GET /apis as a legacy APIGroupList. */
export function legacyGroupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(apiGroup) };
}

/** GET /apis/<group>, or undefined for a group flatnet does not serve. */
export function legacyGroup(name: string): Record<string, unknown> | undefined {
  return groups().includes(name) ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(name) } : undefined;
}

/** GET /api/v1 or /apis/<group>/<version>: the APIResourceList, or undefined for a group-version flatnet does not serve. */
export function resourceList(group: string, version: string): Record<string, unknown> | undefined {
  if (version !== 'v1' || (group !== '' && !groups().includes(group))) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of typesOf(group)) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: verbsOf(t),
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
    });
    for (const s of subresourcesOf(t))
      resources.push({ name: `${t.plural}/${s.name}`, singularName: '', namespaced: t.namespaced, group: s.kind.group, version: s.kind.version, kind: s.kind.kind, verbs: s.verbs });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

/** `api/v1`, `apis/apps/v1`: the keys of the OpenAPI v3 index. */
function openApiPaths(): string[] {
  return ['api/v1', ...groups().map((g) => `apis/${g}/v1`)];
}

/**
 * The per-group-version OpenAPI v3 document: only what kubectl's validation looks for — a `patch` operation per kind
 * with a `fieldValidation` parameter, which tells it the server validates (kubectl-api.md §6.1). No schemas.
 */
export function openApiDocument(gvPath: string): Record<string, unknown> | undefined {
  if (!openApiPaths().includes(gvPath)) return undefined;
  const group = gvPath === 'api/v1' ? '' : gvPath.split('/')[1];
  const paths: Record<string, unknown> = {};
  for (const t of typesOf(group).filter(isWritable)) {
    const gvName = `${group ? group.replace(/\.k8s\.io$/, '').replace(/\./g, '') : 'core'}V1`;
    const op = `patch${gvName[0].toUpperCase()}${gvName.slice(1)}${t.namespaced ? 'Namespaced' : ''}${t.kind}`;
    paths[`/${gvPath}/${t.namespaced ? 'namespaces/{namespace}/' : ''}${t.plural}/{name}`] = {
      patch: {
        operationId: op,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
        parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: KUBERNETES_VERSION }, components: { schemas: {} }, paths };
}

/** GET /openapi/v3: each group-version with a URL whose hash changes whenever its document does (kubectl caches by it). */
export function openApiIndex(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const p of openApiPaths()) {
    const hash = hash53(JSON.stringify(openApiDocument(p))).toString(16).toUpperCase().padStart(14, '0');
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}
