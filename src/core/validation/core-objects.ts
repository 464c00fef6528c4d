// Validation of the small core/v1 kinds flatnet reads: Node (podCIDR, taints), Secret and ConfigMap data.
// Rules follow ValidateNode, ValidateSecret and ValidateConfigMap in pkg/apis/core/validation/validation.go.

import { duplicate, invalid, notSupported, required } from '../errors.js';
import { Errors, stringTypeError, child, getBool, getObject, getObjectArray, getString, getStringArray, index, isMissing, isObject, Json, key } from './fields.js';
import { INVALID_CIDR, parseCIDR } from './ip-syntax.js';
import { validateLabelValue, validateQualifiedName } from './names.js';
import { TAINT_EFFECTS } from './pod-spec.js';

/** Validates a Node: spec.podCIDR(s) syntax and taints (key, value, effect, unique per key and effect). */
export function validateNode(obj: Json, errs: Errors): void {
  const spec = getObject(obj, 'spec', '', errs) ?? {};
  const podCIDR = getString(spec, 'podCIDR', 'spec', errs);
  if (podCIDR && !parseCIDR(podCIDR)) errs.push(invalid('spec.podCIDR', podCIDR, INVALID_CIDR));
  const podCIDRs = getStringArray(spec, 'podCIDRs', 'spec', errs);
  for (const [c, i] of podCIDRs) if (!parseCIDR(c)) errs.push(invalid(index('spec.podCIDRs', i), c, INVALID_CIDR));
  if (podCIDRs.length > 2) errs.push(invalid('spec.podCIDRs', podCIDRs.map(([c]) => c), 'may specify no more than one CIDR for each IP family'));
  getBool(spec, 'unschedulable', 'spec', errs);
  getString(spec, 'providerID', 'spec', errs);
  const seen = new Set<string>();
  for (const [t, i] of getObjectArray(spec, 'taints', 'spec', errs)) {
    const p = index('spec.taints', i);
    const k = getString(t, 'key', p, errs);
    if (isMissing(t, 'key')) errs.push(required(child(p, 'key')));
    else if (k !== undefined) for (const m of validateQualifiedName(k)) errs.push(invalid(child(p, 'key'), k, m));
    const value = getString(t, 'value', p, errs);
    if (value) for (const m of validateLabelValue(value)) errs.push(invalid(child(p, 'value'), value, m));
    const effect = getString(t, 'effect', p, errs);
    if (isMissing(t, 'effect')) errs.push(required(child(p, 'effect')));
    else if (effect !== undefined && !(TAINT_EFFECTS as readonly string[]).includes(effect)) errs.push(notSupported(child(p, 'effect'), effect, TAINT_EFFECTS));
    const id = `${k}:${effect}`;
    if (k && effect && seen.has(id)) errs.push(duplicate(p, { key: k, effect }, 'taints must be unique by key and effect pair'));
    seen.add(id);
  }
}

const MAX_KEY_LENGTH = 253;

/** IsConfigMapKey: the key becomes a file name when the data is mounted as a volume. */
export function configKeyErrors(k: string): string[] {
  const out: string[] = [];
  if (k.length > MAX_KEY_LENGTH) out.push(`must be no more than ${MAX_KEY_LENGTH} characters`);
  if (!/^[-._a-zA-Z0-9]+$/.test(k))
    out.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    );
  if (k === '.') out.push("must not be '.'");
  else if (k === '..') out.push("must not be '..'");
  else if (k.startsWith('..')) out.push("must not start with '..'");
  return out;
}

/** Standard base64 with padding, as Go's encoding/json decodes []byte (line breaks are ignored). */
export function isBase64(s: string): boolean {
  const t = s.replace(/[\r\n]/g, '');
  return t.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(t);
}

// Secret values are never echoed back in messages.
const HIDDEN = '(value hidden)';

function validateDataMap(obj: Json, field: string, base64: boolean, errs: Errors, hide: boolean): Set<string> {
  const keys = new Set<string>();
  const v = obj[field];
  if (v === undefined || v === null) return keys;
  if (!isObject(v)) {
    errs.push({ type: 'TypeInvalid', field, value: hide ? HIDDEN : v, detail: 'must be of type map of string to string' });
    return keys;
  }
  for (const [k, val] of Object.entries(v)) {
    keys.add(k);
    for (const m of configKeyErrors(k)) errs.push(invalid(field, k, m));
    if (typeof val !== 'string') errs.push({ ...stringTypeError(key(field, k), val), ...(hide ? { value: HIDDEN } : {}) });
    else if (base64 && !isBase64(val)) errs.push(invalid(key(field, k), hide ? HIDDEN : val, 'must be base64-encoded (standard alphabet, with padding)'));
  }
  return keys;
}

/** Validates a Secret: type, data keys, base64 values, and the keys a kubernetes.io/tls Secret must carry. */
export function validateSecret(obj: Json, errs: Errors): void {
  const type = getString(obj, 'type', '', errs);
  const keys = validateDataMap(obj, 'data', true, errs, true);
  const stringKeys = validateDataMap(obj, 'stringData', false, errs, true);
  getBool(obj, 'immutable', '', errs);
  if (type === 'kubernetes.io/tls')
    for (const k of ['tls.crt', 'tls.key']) if (!keys.has(k) && !stringKeys.has(k)) errs.push(required(key('data', k)));
}

/** Validates a ConfigMap: string data, base64 binaryData, and no key in both. */
export function validateConfigMap(obj: Json, errs: Errors): void {
  const keys = validateDataMap(obj, 'data', false, errs, false);
  const binary = validateDataMap(obj, 'binaryData', true, errs, false);
  for (const k of binary) if (keys.has(k)) errs.push(invalid('binaryData', k, 'duplicate of key present in data'));
  getBool(obj, 'immutable', '', errs);
}
