// Turns parsed manifests into the input flatnet works on: flatnet's own documents set aside, kinds checked against
// the resource registry, unmodelled kinds dropped with a warning, defaults applied, every object validated,
// and duplicates reported with both places. All problems of an input are returned together.

import { applyDefaults } from './defaults.js';
import { describeObject, FieldError, notSupported, Problem, formatProblem, invalid } from './errors.js';
import type { ManifestDoc } from './manifests.js';
import { apiVersionOf, RESOURCE_TYPES, ResourceType } from './resources.js';
import type { KubeObject } from './types.js';
import { validateObject, VALIDATED_KINDS } from './validation/validate.js';

export interface CollectOptions {
  /** Namespace for namespaced objects that name none, like kubectl's --namespace. Default "default". */
  defaultNamespace?: string;
}

export interface CollectedDocuments {
  /**
   * Kubernetes objects, defaulted, in input order. Apply them only when `problems` is empty. The objects are shared
   * with later calls given the same parsed documents (see `checked` below): read them, copy before changing them.
   */
  objects: ManifestDoc[];
  /** Documents whose apiVersion is in the flatnet/ group (ClusterConfig, ConnectivityTest), untouched. */
  flatnet: ManifestDoc[];
  /** One line per skipped document, e.g. `rbac.yaml doc 2: ClusterRole view: skipped: ...`. */
  warnings: string[];
  problems: Problem[];
}

export const FLATNET_API_VERSION = 'flatnet/v1alpha1';
export const FLATNET_KINDS = ['ClusterConfig', 'ConnectivityTest'] as const;

// The registry also lists Event, which flatnet writes but does not take as input.
const INPUT_TYPES = new Map<string, ResourceType>(RESOURCE_TYPES.filter((t) => VALIDATED_KINDS.includes(t.kind)).map((t) => [t.kind, t]));

// Versions Kubernetes stopped serving (https://kubernetes.io/docs/reference/using-api/deprecation-guide/).
const REMOVED_VERSIONS: Record<string, { versions: string[]; release: string }> = {
  Deployment: { versions: ['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2'], release: '1.16' },
  DaemonSet: { versions: ['extensions/v1beta1', 'apps/v1beta2'], release: '1.16' },
  ReplicaSet: { versions: ['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2'], release: '1.16' },
  StatefulSet: { versions: ['apps/v1beta1', 'apps/v1beta2'], release: '1.16' },
  NetworkPolicy: { versions: ['extensions/v1beta1'], release: '1.16' },
  Ingress: { versions: ['extensions/v1beta1', 'networking.k8s.io/v1beta1'], release: '1.22' },
  IngressClass: { versions: ['networking.k8s.io/v1beta1'], release: '1.22' },
  EndpointSlice: { versions: ['discovery.k8s.io/v1beta1'], release: '1.25' },
};

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The name used in messages; a generateName prefix shows as `prefix*`. */
function nameOf(o: KubeObject): string {
  const m = o.metadata;
  const generate = text(m.generateName);
  return text(m.name) ?? (generate ? `${generate}*` : '');
}

/** What defaulting and validation made of one parsed document under one default namespace. */
interface Checked {
  defaultNamespace: string;
  defaulted: KubeObject;
  errors: FieldError[];
}

// Parsed documents are never mutated and keep their identity across re-reads of unchanged text (ManifestCache), so
// `flatnet up` re-applying 1,000 unchanged documents defaults and validates none of them again; the defaulted object
// keeps its identity too, which lets reconcile recognise an unchanged input (reconcile.ts passedThrough).
const checked = new WeakMap<KubeObject, Checked>();

function defaultAndValidate(parsed: KubeObject, defaultNamespace: string): Checked {
  const hit = checked.get(parsed);
  if (hit && hit.defaultNamespace === defaultNamespace) return hit;
  const defaulted = applyDefaults(parsed, defaultNamespace);
  const out = { defaultNamespace, defaulted, errors: validateObject(defaulted) };
  checked.set(parsed, out);
  return out;
}

function where(d: ManifestDoc): string {
  return `${d.source.file} doc ${d.source.doc}${d.item !== undefined ? ` items[${d.item}]` : ''}`;
}

/**
 * Sorts parsed documents into Kubernetes objects and flatnet documents, defaulting and validating every object.
 * A kind flatnet does not model (a CRD, RBAC, ...) is dropped with a warning; a modelled kind under an apiVersion
 * of its own group that is not served is an error naming the version to use. Two documents with the same
 * kind/namespace/name are one problem, placed at the second and naming the first.
 */
export function collectDocuments(docs: ManifestDoc[], opts: CollectOptions = {}): CollectedDocuments {
  const defaultNamespace = opts.defaultNamespace ?? 'default';
  const out: CollectedDocuments = { objects: [], flatnet: [], warnings: [], problems: [] };
  const seen = new Map<string, ManifestDoc>();
  const checkDuplicate = (d: ManifestDoc, object: string) => {
    const m = d.object.metadata;
    if (!text(m.name)) return;
    const id = `${d.object.kind}/${text(m.namespace) ?? ''}/${m.name}`;
    const first = seen.get(id);
    if (first) out.problems.push({ source: d.source, object, error: { message: `duplicate object: also defined in ${where(first)}` } });
    else seen.set(id, d);
  };

  for (const d of docs) {
    const { apiVersion, kind } = d.object;
    const written = describeObject(kind, text(d.object.metadata.namespace), nameOf(d.object));
    if (apiVersion.startsWith('flatnet/')) {
      if (apiVersion === FLATNET_API_VERSION && !(FLATNET_KINDS as readonly string[]).includes(kind)) {
        out.problems.push({ source: d.source, object: written, error: notSupported('kind', kind, FLATNET_KINDS) });
        continue;
      }
      out.flatnet.push(d);
      // Several ClusterConfigs are an error whatever their names; the cluster builder reports that.
      if (kind !== 'ClusterConfig') checkDuplicate(d, written);
      continue;
    }
    // flatnet's own kinds under a group that looks like flatnet's (flatnet.dev/v1alpha1, flatnet.io/v1) are typos,
    // not someone else's resources: silently using the default cluster instead would be wrong.
    if ((FLATNET_KINDS as readonly string[]).includes(kind) && /^flatnet[.\/-]/.test(groupOf(apiVersion) || apiVersion)) {
      out.problems.push({ source: d.source, object: written, error: notSupported('apiVersion', apiVersion, [FLATNET_API_VERSION]) });
      continue;
    }
    const type = INPUT_TYPES.get(kind);
    const removed = REMOVED_VERSIONS[kind];
    if (!type || (groupOf(apiVersion) !== type.group && !removed?.versions.includes(apiVersion))) {
      out.warnings.push(formatProblem({ source: d.source, object: written, error: { message: `skipped: flatnet does not model ${kind} (${apiVersion})` } }));
      continue;
    }
    const namespace = type.namespaced ? (text(d.object.metadata.namespace) ?? defaultNamespace) : undefined;
    const object = describeObject(kind, namespace, nameOf(d.object));
    const served = apiVersionOf(type);
    if (apiVersion !== served) {
      const error = removed?.versions.includes(apiVersion)
        ? invalid('apiVersion', apiVersion, `${kind} is no longer served in ${apiVersion} (removed in Kubernetes ${removed.release}): use "${served}"`)
        : notSupported('apiVersion', apiVersion, [served]);
      out.problems.push({ source: d.source, object, error });
      continue;
    }
    const { defaulted, errors } = defaultAndValidate(d.object, defaultNamespace);
    for (const error of errors) out.problems.push({ source: d.source, object, error });
    const doc: ManifestDoc = { ...d, object: defaulted };
    out.objects.push(doc);
    checkDuplicate(doc, object);
  }
  return out;
}
