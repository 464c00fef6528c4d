// ObjectMeta, annotation and label-selector validation with the rules and messages of
// k8s.io/apimachinery/pkg/api/validation (objectmeta.go) and pkg/apis/meta/v1/validation.

import { forbidden, invalid, notSupported, required, typeInvalid } from '../errors.js';
import type { Selector } from '../labels.js';
import { Errors, stringTypeError, child, getArray, getObjectArray, getString, getStringArray, index, isMissing, isObject, Json, key } from './fields.js';
import {
  validateDns1035Label,
  validateDns1123Label,
  validateDns1123Subdomain,
  validateLabels,
  validateLabelValue,
  validateQualifiedName,
} from './names.js';

/** Checks an object name; `prefix` is set for metadata.generateName, where a trailing '-' is allowed. */
export type NameRule = (name: string, prefix: boolean) => string[];

// apimachinery's maskTrailingDash: a generateName prefix may end in '-' because a random suffix follows.
const masked = (name: string, prefix: boolean) => (prefix && name.length > 1 && name.endsWith('-') ? name.slice(0, -1) : name);

/** DNS-1123 label, saying "must not contain dots" for a valid subdomain as IsDNS1123Label does. */
export function dns1123LabelErrors(v: string): string[] {
  const errs = validateDns1123Label(v);
  if (errs.length > 0 && v.includes('.') && validateDns1123Subdomain(v).length === 0)
    return errs.map((m) => (m.startsWith('a lowercase RFC 1123 label') ? 'must not contain dots' : m));
  return errs;
}

/** NameIsDNSSubdomain: Pods, Nodes, workloads, ConfigMaps, Secrets, networking objects. */
export const nameIsDnsSubdomain: NameRule = (name, prefix) => validateDns1123Subdomain(masked(name, prefix));
/** NameIsDNSLabel: Namespaces (ValidateNamespaceName). */
export const nameIsDnsLabel: NameRule = (name, prefix) => dns1123LabelErrors(masked(name, prefix));
/** NameIsDNS1035Label: Services (ValidateServiceName), because the name becomes a DNS label and an env var prefix. */
export const nameIsDns1035Label: NameRule = (name, prefix) => validateDns1035Label(masked(name, prefix));

/**
 * Validates metadata: a name (or generateName) per `rule`, the namespace for the object's scope, labels and
 * annotations. `namespaced` undefined means the scope is unknown and the namespace is not checked.
 */
export function validateObjectMeta(obj: Json, rule: NameRule, namespaced: boolean | undefined, errs: Errors): void {
  const meta = obj.metadata;
  if (meta === undefined || meta === null) {
    errs.push(required('metadata'));
    return;
  }
  if (!isObject(meta)) {
    errs.push(typeInvalid('metadata', meta, 'object'));
    return;
  }
  const name = getString(meta, 'name', 'metadata', errs);
  const generateName = getString(meta, 'generateName', 'metadata', errs);
  if (generateName) for (const m of rule(generateName, true)) errs.push(invalid('metadata.generateName', generateName, m));
  if (name) for (const m of rule(name, false)) errs.push(invalid('metadata.name', name, m));
  else if (!generateName && (meta.name === undefined || meta.name === null || meta.name === ''))
    errs.push(required('metadata.name', 'name or generateName is required'));

  const ns = getString(meta, 'namespace', 'metadata', errs);
  if (namespaced === true) {
    if (isMissing(meta, 'namespace')) errs.push(required('metadata.namespace'));
    else if (ns !== undefined) for (const m of dns1123LabelErrors(ns)) errs.push(invalid('metadata.namespace', ns, m));
  } else if (namespaced === false && ns) {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  validateAnnotations(meta, 'metadata', errs);
  getString(meta, 'resourceVersion', 'metadata', errs);
  getString(meta, 'uid', 'metadata', errs);
  getArray(meta, 'ownerReferences', 'metadata', errs);
}

/** ValidateAnnotations: keys are qualified names (checked lower-cased), values are strings. */
export function validateAnnotations(parent: Json, path: string, errs: Errors): void {
  const v = parent.annotations;
  const p = child(path, 'annotations');
  if (v === undefined || v === null) return;
  if (!isObject(v)) {
    errs.push(typeInvalid(p, v, 'map of string to string'));
    return;
  }
  for (const [k, val] of Object.entries(v)) {
    for (const m of validateQualifiedName(k.toLowerCase())) errs.push(invalid(p, k, m));
    if (typeof val !== 'string') errs.push(stringTypeError(key(p, k), val));
  }
}

export const SELECTOR_OPERATORS = ['DoesNotExist', 'Exists', 'In', 'NotIn'] as const;

/**
 * Validates a metav1.LabelSelector (ValidateLabelSelector, values strictly checked) and returns it as
 * requirements when it is valid, so callers can match it against template labels.
 */
export function validateLabelSelector(v: unknown, path: string, errs: Errors): Selector | undefined {
  if (v === undefined || v === null) return [];
  if (!isObject(v)) {
    errs.push(typeInvalid(path, v, 'object'));
    return undefined;
  }
  const before = errs.length;
  const out: Selector = [];
  const matchLabels = child(path, 'matchLabels');
  errs.push(...validateLabels(v.matchLabels, matchLabels));
  if (isObject(v.matchLabels))
    for (const [k, val] of Object.entries(v.matchLabels)) out.push({ key: k, operator: 'In', values: [String(val)] });
  const exprPath = child(path, 'matchExpressions');
  for (const [e, i] of getObjectArray(v, 'matchExpressions', path, errs)) {
    const p = index(exprPath, i);
    const k = getString(e, 'key', p, errs) ?? '';
    for (const m of validateQualifiedName(k)) errs.push(invalid(child(p, 'key'), k, m));
    const values = getStringArray(e, 'values', p, errs);
    for (const [val, j] of values)
      for (const m of validateLabelValue(val)) errs.push(invalid(index(child(p, 'values'), j), val, m));
    const op = getString(e, 'operator', p, errs);
    if (op === undefined) {
      if (e.operator === undefined || e.operator === null) errs.push(required(child(p, 'operator')));
    } else if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) errs.push(required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      out.push({ key: k, operator: op, values: values.map(([s]) => s) });
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) errs.push(forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      out.push({ key: k, operator: op, values: [] });
    } else {
      errs.push(notSupported(child(p, 'operator'), op, SELECTOR_OPERATORS));
    }
  }
  return errs.length === before ? out : undefined;
}
