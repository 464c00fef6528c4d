// Which Ingresses one controller serves: IngressClass selection (ingressClassName, the default-class annotation, the
// legacy kubernetes.io/ingress.class annotation), ingress-nginx's admission path check, and oldest-first ordering.

import type { KubeObject } from '../core/types.js';

export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** How the controller picks its Ingresses, mirroring ingress-nginx's flags and ConfigMap keys. */
export interface ClassOptions {
  /** `--controller-class`: matched against IngressClass spec.controller, e.g. `k8s.io/ingress-nginx`. */
  controller: string;
  /** `--ingress-class`: the value the legacy annotation must have. Default `nginx`. */
  ingressClass?: string;
  /** `--watch-ingress-without-class`: serve Ingresses with no class at all. Default false. */
  watchIngressWithoutClass?: boolean;
  /** ConfigMap `strict-validate-path-type` (admission webhook). Default true. */
  strictValidatePathType?: boolean;
}

export interface ObjectRef {
  namespace: string;
  name: string;
}

/** An Ingress this controller does not serve, and why — shown to the user, never dropped silently. */
export interface IgnoredIngress {
  ingress: ObjectRef;
  reason: string;
}

export interface SelectedIngresses {
  /** Served Ingresses, oldest first (the order ingress-nginx merges them in). */
  served: KubeObject[];
  ignored: IgnoredIngress[];
}

export function refOf(o: KubeObject): ObjectRef {
  return { namespace: o.metadata.namespace ?? 'default', name: o.metadata.name };
}

/**
 * The class the DefaultIngressClass admission plugin would have written on create
 * (plugin/pkg/admission/network/defaultingressclass): among classes annotated default, the newest; equal
 * timestamps → the smallest name (kubernetes/kubernetes#110974). flatnet has no admission chain, so it applies
 * this when reading an Ingress that names no class.
 */
export function defaultIngressClass(classes: KubeObject[]): KubeObject | undefined {
  const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  defaults.sort((a, b) => {
    const ta = a.metadata.creationTimestamp ?? '';
    const tb = b.metadata.creationTimestamp ?? '';
    if (ta !== tb) return ta > tb ? -1 : 1;
    return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
  });
  return defaults[0];
}

// internal/ingress/inspector/rules.go validPathType: what Exact and Prefix paths may contain under strict validation.
const STRICT_PATH = /^\/[A-Za-z0-9._\-/]*$/;

/** Splits the Ingresses into served (sorted oldest first) and ignored (with a reason). */
export function selectIngresses(objects: KubeObject[], opts: ClassOptions): SelectedIngresses {
  const classes = objects.filter((o) => o.kind === 'IngressClass');
  const byName = new Map(classes.map((c) => [c.metadata.name, c]));
  const defaultClass = defaultIngressClass(classes);
  const served: KubeObject[] = [];
  const ignored: IgnoredIngress[] = [];
  for (const o of objects) {
    if (o.kind !== 'Ingress') continue;
    const reason = classMismatch(o, byName, defaultClass, opts) ?? (opts.strictValidatePathType === false ? undefined : strictPathProblem(o));
    if (reason) ignored.push({ ingress: refOf(o), reason });
    else served.push(o);
  }
  sortOlderFirst(served);
  ignored.sort((a, b) => keyCompare(`${a.ingress.namespace}/${a.ingress.name}`, `${b.ingress.namespace}/${b.ingress.name}`));
  return { served, ignored };
}

/**
 * ingress-nginx store.GetIngressClass: spec.ingressClassName first (the class must exist and name this controller),
 * then the legacy annotation (must equal --ingress-class), then --watch-ingress-without-class.
 */
function classMismatch(ing: KubeObject, classes: Map<string, KubeObject>, defaultClass: KubeObject | undefined, opts: ClassOptions): string | undefined {
  const legacy = ing.metadata.annotations?.[LEGACY_CLASS_ANNOTATION];
  let className: string | undefined = ing.spec?.ingressClassName;
  let viaDefault = false;
  if (className === undefined && legacy === undefined && defaultClass) {
    className = defaultClass.metadata.name;
    viaDefault = true;
  }
  if (className !== undefined) {
    const cls = classes.get(className);
    const how = viaDefault ? `no class; the default IngressClass is "${className}"` : `spec.ingressClassName is "${className}"`;
    if (!cls) return `${how}, and no IngressClass "${className}" exists`;
    if (cls.spec?.controller !== opts.controller) return `${how}, whose controller is "${cls.spec?.controller}", not "${opts.controller}"`;
    return undefined;
  }
  const wanted = opts.ingressClass ?? 'nginx';
  if (legacy !== undefined) return legacy === wanted ? undefined : `annotation ${LEGACY_CLASS_ANNOTATION} is "${legacy}", not "${wanted}"`;
  if (opts.watchIngressWithoutClass) return undefined;
  return 'no spec.ingressClassName, no class annotation and no default IngressClass (ingress-nginx ignores Ingresses without a class unless --watch-ingress-without-class)';
}

// Ingresses are not changed in place, so each one's path check is done once (null: no problem).
const pathProblems = new WeakMap<KubeObject, string | null>();

function strictPathProblem(ing: KubeObject): string | undefined {
  let p = pathProblems.get(ing);
  if (p === undefined) pathProblems.set(ing, (p = pathTypeProblem(ing) ?? null));
  return p ?? undefined;
}

/** The admission webhook's strict-validate-path-type check (on by default): such an Ingress is never admitted. */
function pathTypeProblem(ing: KubeObject): string | undefined {
  const rules: any[] = ing.spec?.rules ?? [];
  for (const [i, rule] of rules.entries())
    for (const [j, p] of ((rule?.http?.paths ?? []) as any[]).entries())
      if ((p.pathType === 'Exact' || p.pathType === 'Prefix') && !STRICT_PATH.test(p.path ?? ''))
        return `spec.rules[${i}].http.paths[${j}].path ${JSON.stringify(p.path)}: pathType ${p.pathType} allows only letters, digits, '/', '.', '_' and '-' (ingress-nginx strict-validate-path-type; use ImplementationSpecific for a regex)`;
  return undefined;
}

/** ingress-nginx sortIngressSlice: oldest creationTimestamp first; equal timestamps → greater namespace/name first. */
function sortOlderFirst(ingresses: KubeObject[]): void {
  const keys = new Map(ingresses.map((i) => [i, { t: Date.parse(i.metadata.creationTimestamp ?? '') || 0, name: `${refOf(i).namespace}/${i.metadata.name}` }]));
  ingresses.sort((a, b) => {
    const ka = keys.get(a)!;
    const kb = keys.get(b)!;
    return ka.t - kb.t || -keyCompare(ka.name, kb.name);
  });
}

function keyCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
