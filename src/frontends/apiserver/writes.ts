// Writes through the API: create, update, patch (every content type) and delete, each validated and reconciled by the
// ControllerManager exactly like file input, persisted before it is acknowledged, and answered with the stored object
// (k8s.io/apiserver/pkg/endpoints/handlers: create.go, update.go, patch.go, delete.go).

import { parse as parseYaml } from 'yaml';
import type { ApplyResult, ControllerManager, DesiredWrite } from '../../controllers/manager.js';
import { desiredFromWritten } from '../../controllers/desired-layer.js';
import { systemObjects } from '../../controllers/system-objects.js';
import type { ClusterConfig } from '../../core/cluster-config.js';
import { describeObject, InputError, required } from '../../core/errors.js';
import { nameSuffix } from '../../core/hash.js';
import { deepClone, keyOf, objectKey } from '../../core/objects.js';
import { apiVersionOf, ResourceType } from '../../core/resources.js';
import type { KubeObject } from '../../core/types.js';
import { isWritable } from './discovery.js';
import { APPLY_PATCH, applyPatch, JSON_PATCH, MERGE_PATCH, patchTypeOf } from './patches.js';
import { getObject } from './reads.js';
import type { ResourceRequest } from './routes.js';
import { ApiError, alreadyExists, badRequest, conflict, internalError, invalid, methodNotAllowed, notFound, OPTIMISTIC_LOCK_MESSAGE, unsupportedMediaType } from './status.js';

/** Where committed writes go: the manager, and the durable state that must hold them before the answer is sent. */
export interface WriteTarget {
  manager: ControllerManager;
  /** Persists a committed write synchronously (SqliteState.save of its events, resourceVersion and layer changes). */
  persist: (result: ApplyResult) => void;
  log: (line: string) => void;
}

export interface WriteAnswer {
  code: number;
  body: unknown;
  /** Warnings about the written object (kube-apiserver sends them as `Warning:` headers; kubectl prints them). */
  warnings?: string[];
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `dryRun=All` (the only value upstream accepts); 400 for any other. */
export function dryRunOf(query: URLSearchParams, options?: { dryRun?: unknown }): boolean {
  const values = [...query.getAll('dryRun'), ...(Array.isArray(options?.dryRun) ? options!.dryRun.map(String) : [])];
  for (const v of values) if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

/** The request body as JSON (YAML for `+yaml` types). Protobuf bodies are refused with 415: flatnet decodes JSON only. */
export function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  const type = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
  if (type.includes('protobuf'))
    throw unsupportedMediaType(
      'flatnet reads JSON request bodies only, not protobuf (which kubectl create namespace|deployment|service ... sends): write a manifest and use kubectl apply -f or kubectl create -f',
    );
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty');
  try {
    return type.endsWith('yaml') ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw badRequest(`the request body is not valid ${type.endsWith('yaml') ? 'YAML' : 'JSON'}: ${(e as Error).message}`);
  }
}

function describe(t: ResourceType, namespace: string | undefined, name: string): string {
  return describeObject(t.kind, t.namespaced ? namespace : undefined, name);
}

/** Checks kind, apiVersion and namespace of a written object against the URL, filling what the body leaves out. */
function prepare(t: ResourceType, req: ResourceRequest, raw: unknown): KubeObject {
  if (!isObject(raw)) throw badRequest(`the request body must be a ${t.kind} object`);
  const o = raw as KubeObject;
  o.apiVersion ??= apiVersionOf(t);
  o.kind ??= t.kind;
  if (o.apiVersion !== apiVersionOf(t)) throw badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${apiVersionOf(t)})`);
  if (o.kind !== t.kind) throw badRequest(`${o.kind} in version "${t.version}" cannot be handled as a ${t.kind}: the kind does not match the resource "${t.plural}"`);
  if (!isObject(o.metadata)) o.metadata = {} as KubeObject['metadata'];
  if (t.namespaced) {
    const ns = o.metadata.namespace;
    if (ns !== undefined && ns !== '' && ns !== req.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    o.metadata.namespace = req.namespace;
  } else delete o.metadata.namespace;
  return o;
}

/** `deployments.apps "web"`: how errors name an object. */
function named(t: ResourceType, name: string): string {
  return `${t.group ? `${t.plural}.${t.group}` : t.plural} "${name}"`;
}

/**
 * Why an object cannot be written or deleted through the API, or undefined when it can: objects the controllers
 * derive from an owner (ReplicaSets of Deployments, their Pods, EndpointSlices of Services) are rebuilt from the owner
 * on every reconcile, so the message names the owner at the top of the chain, the object to change instead.
 */
function derivedReason(manager: ControllerManager, t: ResourceType, live: KubeObject): string | undefined {
  const m = live.metadata;
  if (manager.declaredBy(live.kind, m.namespace, m.name)) return undefined;
  const ns = m.namespace ? `${m.namespace}/` : '';
  let owner = m.ownerReferences?.find((r) => r.controller);
  if (!owner) return live.kind === 'Endpoints' ? `${named(t, m.name)} is maintained by the endpoints controller for Service ${ns}${m.name}: change the Service or its pods instead` : undefined;
  const chain = [`${owner.kind} ${ns}${owner.name}`];
  for (let depth = 0; depth < 5; depth++) {
    const parent = manager.store.get(owner.kind, m.namespace, owner.name);
    const up = parent && !manager.declaredBy(parent.kind, m.namespace, parent.metadata.name) ? parent.metadata.ownerReferences?.find((r) => r.controller) : undefined;
    if (!up) break;
    owner = up;
    chain.push(`${owner.kind} ${ns}${owner.name}`);
  }
  return `${named(t, m.name)} is managed by ${chain.join(' of ')}: flatnet derives it from its owner, so change, scale or delete ${chain[chain.length - 1]} instead`;
}

const builtInKeys = new WeakMap<ClusterConfig, Set<string>>();

/** Objects every cluster of this shape has (system objects, the ClusterConfig's nodes), which a delete cannot remove. */
function isBuiltIn(config: ClusterConfig, o: KubeObject): boolean {
  let keys = builtInKeys.get(config);
  if (!keys) {
    keys = new Set(systemObjects(config).map(keyOf));
    for (const n of config.nodes) keys.add(objectKey('Node', undefined, n.name));
    builtInKeys.set(config, keys);
  }
  return keys.has(keyOf(o));
}

/** `app=web,tier in (a,b)`: a label selector as labels.Selector.String() prints it (Scale status.selector). */
function selectorString(sel: any): string {
  const terms: [string, string][] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) terms.push([k, `${k}=${v}`]);
  for (const e of sel?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    const text = e.operator === 'In' ? `${e.key} in (${values})` : e.operator === 'NotIn' ? `${e.key} notin (${values})` : e.operator === 'Exists' ? e.key : `!${e.key}`;
    terms.push([e.key, text]);
  }
  return terms.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((t) => t[1]).join(',');
}

/** The autoscaling/v1 Scale of a Deployment, ReplicaSet or StatefulSet (kubectl-api.md §6.7). */
export function scaleOf(o: KubeObject): Record<string, unknown> {
  const m = o.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: o.spec?.replicas ?? 1 },
    status: { replicas: o.status?.replicas ?? 0, selector: selectorString(o.spec?.selector) },
  };
}

export class ApiWriter {
  constructor(private readonly target: WriteTarget) {}

  private get manager(): ControllerManager {
    return this.target.manager;
  }

  /**
   * Commits (or dry-runs) writes of the desired state; invalid results become a 422 naming `t`/`name`. Also returns
   * the reconcile's warnings about the object (an implicitly created namespace, a pod that stays Pending, ...).
   */
  private commit(t: ResourceType, namespace: string | undefined, name: string, writes: DesiredWrite[], dryRun: boolean, verb: string): { result: ApplyResult; warnings: string[] } {
    const target = describe(t, namespace, name);
    let result: ApplyResult;
    try {
      result = this.manager.write(writes, { dryRun });
    } catch (e) {
      if (e instanceof InputError) throw invalid(t, name, e.problems, target);
      throw e;
    }
    if (!dryRun) {
      this.target.persist(result);
      this.target.log(`API: ${verb} ${target}: ${result.events.length} change(s)`);
    }
    const mentions = new RegExp(`${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?![\\w.-])`);
    return { result, warnings: result.cluster.warnings.filter((w) => mentions.test(w)) };
  }

  /** The object as stored after a write (or as it would be, for a dry run). */
  private stored(result: ApplyResult, t: ResourceType, namespace: string | undefined, name: string, dryRun: boolean): KubeObject {
    const ns = t.namespaced ? namespace : undefined;
    const live = this.manager.store.get(t.kind, ns, name);
    if (!dryRun) {
      if (!live) throw internalError(`${describe(t, namespace, name)} was written, but the controllers did not produce it`);
      return live;
    }
    const key = objectKey(t.kind, ns, name);
    const o = result.cluster.objects.find((x) => keyOf(x) === key);
    if (!o) throw internalError(`${describe(t, namespace, name)} would be written, but the controllers would not produce it`);
    const out = deepClone(o);
    if (live?.metadata.resourceVersion) out.metadata.resourceVersion = live.metadata.resourceVersion;
    return out;
  }

  private writable(t: ResourceType, live: KubeObject): void {
    if (!isWritable(t)) throw methodNotAllowed(`${t.plural} are read-only in flatnet`);
    const why = derivedReason(this.manager, t, live);
    if (why) throw methodNotAllowed(why);
  }

  /** POST to a collection: 201 with the created object; 409 AlreadyExists when the name is taken. */
  create(req: ResourceRequest, query: URLSearchParams, body: Buffer, contentType: string | undefined): WriteAnswer {
    const t = req.type;
    if (!isWritable(t)) throw methodNotAllowed(`${t.plural} are read-only in flatnet`);
    if (t.namespaced && req.namespace === undefined) throw methodNotAllowed(`${t.plural} are created in a namespace: POST to /${t.group ? `apis/${t.group}` : 'api'}/${t.version}/namespaces/<namespace>/${t.plural}`);
    const o = prepare(t, req, decodeBody(body, contentType));
    const dryRun = dryRunOf(query);
    const m = o.metadata;
    if (typeof m.name !== 'string' || m.name === '') {
      // rest.BeforeCreate: names.SimpleNameGenerator appends 5 random characters; here derived from the store's state.
      if (typeof m.generateName === 'string' && m.generateName !== '') m.name = `${m.generateName}${nameSuffix(`${objectKey(t.kind, m.namespace, m.generateName)}/${this.manager.store.resourceVersion}`)}`;
      else throw invalid(t, '', [{ error: required('metadata.name', 'name or generateName is required') }]);
    }
    if (this.manager.store.get(t.kind, m.namespace, m.name)) throw alreadyExists(t, m.name);
    const { result, warnings } = this.commit(t, m.namespace, m.name, [{ put: desiredFromWritten(o) }], dryRun, 'created');
    return { code: 201, body: this.stored(result, t, m.namespace, m.name, dryRun), warnings };
  }

  /** PUT of an object: optimistic concurrency on metadata.resourceVersion (409 Conflict when stale). */
  update(req: ResourceRequest, query: URLSearchParams, body: Buffer, contentType: string | undefined): WriteAnswer {
    const t = req.type;
    const live = getObject(this.manager.store, req);
    const o = prepare(t, req, decodeBody(body, contentType));
    if (o.metadata.name !== req.name) throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${req.name})`);
    this.writable(t, live);
    this.preconditions(t, live, o.metadata.resourceVersion, o.metadata.uid);
    const dryRun = dryRunOf(query);
    const { result, warnings } = this.commit(t, req.namespace, req.name!, [{ put: desiredFromWritten(o) }], dryRun, 'updated');
    return { code: 200, body: this.stored(result, t, req.namespace, req.name!, dryRun), warnings };
  }

  private preconditions(t: ResourceType, live: KubeObject, resourceVersion: unknown, uid: unknown): void {
    const m = live.metadata;
    if (uid !== undefined && uid !== '' && uid !== m.uid) throw conflict(t, m.name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${m.uid}`);
    if (resourceVersion !== undefined && resourceVersion !== '' && String(resourceVersion) !== m.resourceVersion) throw conflict(t, m.name, OPTIMISTIC_LOCK_MESSAGE);
  }

  /** PATCH of an object; `application/apply-patch+yaml` (server-side apply) creates it when absent (201). */
  patch(req: ResourceRequest, query: URLSearchParams, body: Buffer, contentType: string | undefined): WriteAnswer {
    const t = req.type;
    const type = patchTypeOf(contentType);
    const patch = decodeBody(body, type === APPLY_PATCH ? 'application/yaml' : 'application/json');
    const dryRun = dryRunOf(query);
    const live = this.manager.store.get(t.kind, t.namespaced ? req.namespace : undefined, req.name!);
    if (!live) {
      if (type !== APPLY_PATCH) throw notFound(t, req.name!);
      const o = prepare(t, req, patch);
      if (o.metadata.name !== req.name) throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${req.name})`);
      const { result, warnings } = this.commit(t, req.namespace, req.name!, [{ put: desiredFromWritten(o) }], dryRun, 'created');
      return { code: 201, body: this.stored(result, t, req.namespace, req.name!, dryRun), warnings };
    }
    this.writable(t, live);
    const out = applyPatch(type, live, patch, t.kind, apiVersionOf(t));
    if (!isObject(out)) throw badRequest(`the patched object must be a ${t.kind} object`);
    const o = out as KubeObject;
    if (o.kind !== live.kind || o.apiVersion !== live.apiVersion) throw badRequest('a patch cannot change kind or apiVersion');
    if (o.metadata?.name !== live.metadata.name || (o.metadata?.namespace ?? undefined) !== live.metadata.namespace)
      throw badRequest(`the name of the object (${o.metadata?.name}) does not match the name on the URL (${req.name})`);
    this.preconditions(t, live, o.metadata.resourceVersion, o.metadata.uid);
    const { result, warnings } = this.commit(t, req.namespace, req.name!, [{ put: desiredFromWritten(o) }], dryRun, 'patched');
    return { code: 200, body: this.stored(result, t, req.namespace, req.name!, dryRun), warnings };
  }

  /**
   * DELETE of an object, with a DeleteOptions body or query. Owned objects go with their owner (they are derived from
   * it, so Background and Foreground propagation both delete them at once; Orphan cannot be honoured and is refused).
   */
  delete(req: ResourceRequest, query: URLSearchParams, body: Buffer): WriteAnswer {
    const t = req.type;
    const live = getObject(this.manager.store, req);
    const options = body.length > 0 && body.toString('utf8').trim() !== '' ? decodeBody(body, 'application/json') : {};
    if (!isObject(options)) throw badRequest('the request body must be a DeleteOptions object');
    const dryRun = dryRunOf(query, options);
    this.preconditions(t, live, options.preconditions?.resourceVersion, options.preconditions?.uid);
    this.writable(t, live);
    if (isBuiltIn(this.manager.cluster!.config, live))
      throw methodNotAllowed(`${named(t, live.metadata.name)} is part of every cluster flatnet runs (${live.kind === 'Node' ? "a node of the ClusterConfig's spec.nodes" : 'a system object'}); it cannot be deleted`);
    const policy = query.get('propagationPolicy') ?? options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : undefined);
    if (policy === 'Orphan' && this.manager.store.all().some((o) => o.metadata.ownerReferences?.some((r) => r.uid === live.metadata.uid)))
      throw methodNotAllowed(`propagationPolicy Orphan is not supported: flatnet derives the objects ${live.kind} ${live.metadata.name} owns from it, so they cannot outlive it`);
    const m = live.metadata;
    this.commit(t, m.namespace, m.name, [{ delete: { kind: live.kind, namespace: m.namespace, name: m.name } }], dryRun, 'deleted');
    if (!dryRun && this.manager.store.get(live.kind, m.namespace, m.name)) throw internalError(`${describe(t, m.namespace, m.name)} was deleted from the desired state, but the controllers still produce it`);
    return { code: 200, body: deepClone(live) };
  }

  /** GET …/scale. */
  getScale(req: ResourceRequest): WriteAnswer {
    return { code: 200, body: scaleOf(getObject(this.manager.store, req)) };
  }

  /** PUT or PATCH …/scale: sets spec.replicas of the object and answers with its new Scale. */
  setScale(req: ResourceRequest, query: URLSearchParams, body: Buffer, contentType: string | undefined, method: 'PUT' | 'PATCH'): WriteAnswer {
    const t = req.type;
    const live = getObject(this.manager.store, req);
    this.writable(t, live);
    const current = scaleOf(live);
    let scale: unknown;
    if (method === 'PUT') scale = decodeBody(body, contentType);
    else {
      const type = patchTypeOf(contentType);
      const patch = decodeBody(body, type === APPLY_PATCH ? 'application/yaml' : 'application/json');
      // A Scale has no lists: a strategic merge patch or an applied configuration merges as a JSON merge patch would.
      scale = applyPatch(type === JSON_PATCH ? JSON_PATCH : MERGE_PATCH, current, patch, 'Scale', 'autoscaling/v1');
    }
    if (!isObject(scale)) throw badRequest('the request body must be a Scale object');
    this.preconditions(t, live, scale.metadata?.resourceVersion, scale.metadata?.uid);
    const replicas = scale.spec?.replicas;
    if (!Number.isInteger(replicas) || replicas < 0)
      throw new ApiError({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `Scale.autoscaling "${live.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`,
        reason: 'Invalid',
        details: { name: live.metadata.name, group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`, field: 'spec.replicas' }] },
        code: 422,
      });
    const desired = desiredFromWritten(live);
    desired.spec = { ...desired.spec, replicas };
    const dryRun = dryRunOf(query);
    const { result, warnings } = this.commit(t, req.namespace, req.name!, [{ put: desired }], dryRun, `scaled to ${replicas}`);
    return { code: 200, body: scaleOf(this.stored(result, t, req.namespace, req.name!, dryRun)), warnings };
  }
}
