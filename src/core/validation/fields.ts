// Typed reads of raw manifest JSON: each getter returns the value when it has the right type and records a
// TypeInvalid field error when it does not, so validators never trust a shape they have not checked.

import { FieldError, typeInvalid } from '../errors.js';

/** A JSON object as decoded from a manifest. */
export type Json = Record<string, unknown>;

/** Collects field errors while a validator walks an object. */
export type Errors = FieldError[];

/** A JSON object (not an array, not null). */
export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** `spec` + `ports` → `spec.ports`; an empty parent yields the child alone. */
export function child(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** `spec.ports` + 0 → `spec.ports[0]`. */
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** A map entry, written the way field.Path.Key renders it: `metadata.labels[app]`. */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/**
 * The TypeInvalid error for a field that must be a string. Booleans get a hint: kubectl reads YAML 1.1, where
 * unquoted yes/no/on/off/y/n are booleans (kubernetes/kubernetes#34146), so `name: y` is not a string.
 */
export function stringTypeError(field: string, v: unknown): FieldError {
  const e = typeInvalid(field, v, 'string');
  if (typeof v === 'boolean') e.detail += ' (YAML reads unquoted yes, no, on, off, y and n as booleans: quote the value)';
  return e;
}

// Go's JSON decoder treats null like an absent field (the zero value), so every getter does too.
function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** A string field. */
export function getString(o: Json, k: string, path: string, errs: Errors): string | undefined {
  const v = o[k];
  if (!present(v)) return undefined;
  if (typeof v !== 'string') {
    errs.push(stringTypeError(child(path, k), v));
    return undefined;
  }
  return v;
}

/** An integer field (int32/int64 in the Go types): floats and numeric strings are type errors, as the API server decodes them. */
export function getInt(o: Json, k: string, path: string, errs: Errors): number | undefined {
  const v = o[k];
  if (!present(v)) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    errs.push(typeInvalid(child(path, k), v, 'integer'));
    return undefined;
  }
  return v;
}

/** A boolean field. */
export function getBool(o: Json, k: string, path: string, errs: Errors): boolean | undefined {
  const v = o[k];
  if (!present(v)) return undefined;
  if (typeof v !== 'boolean') {
    errs.push(typeInvalid(child(path, k), v, 'boolean'));
    return undefined;
  }
  return v;
}

/** An object field (a struct or a map). */
export function getObject(o: Json, k: string, path: string, errs: Errors): Json | undefined {
  const v = o[k];
  if (!present(v)) return undefined;
  if (!isObject(v)) {
    errs.push(typeInvalid(child(path, k), v, 'object'));
    return undefined;
  }
  return v;
}

/** An array field, elements unchecked. */
export function getArray(o: Json, k: string, path: string, errs: Errors): unknown[] | undefined {
  const v = o[k];
  if (!present(v)) return undefined;
  if (!Array.isArray(v)) {
    errs.push(typeInvalid(child(path, k), v, 'array'));
    return undefined;
  }
  return v;
}

/** An array whose elements must be objects; elements of another type are reported and skipped (index kept). */
export function getObjectArray(o: Json, k: string, path: string, errs: Errors): [Json, number][] {
  const arr = getArray(o, k, path, errs);
  const out: [Json, number][] = [];
  arr?.forEach((v, i) => {
    if (isObject(v)) out.push([v, i]);
    else errs.push(typeInvalid(index(child(path, k), i), v, 'object'));
  });
  return out;
}

/** An array of strings (command, args, values, except); non-strings are reported and skipped. */
export function getStringArray(o: Json, k: string, path: string, errs: Errors): [string, number][] {
  const arr = getArray(o, k, path, errs);
  const out: [string, number][] = [];
  arr?.forEach((v, i) => {
    if (typeof v === 'string') out.push([v, i]);
    else errs.push(stringTypeError(index(child(path, k), i), v));
  });
  return out;
}

/** A map of string to string (data, annotations); entries with other values are reported and left out. */
export function getStringMap(o: Json, k: string, path: string, errs: Errors): Record<string, string> | undefined {
  const v = o[k];
  if (!present(v)) return undefined;
  if (!isObject(v)) {
    errs.push(typeInvalid(child(path, k), v, 'map of string to string'));
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [mk, mv] of Object.entries(v)) {
    if (typeof mv === 'string') out[mk] = mv;
    else errs.push(stringTypeError(key(child(path, k), mk), mv));
  }
  return out;
}

/** An IntOrString field (targetPort, NetworkPolicy port, maxSurge). */
export function getIntOrString(o: Json, k: string, path: string, errs: Errors): number | string | undefined {
  const v = o[k];
  if (!present(v)) return undefined;
  if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) return v;
  errs.push(typeInvalid(child(path, k), v, 'integer or string'));
  return undefined;
}

/** True when a field is absent, null or the empty string: the cases upstream reports as Required. */
export function isMissing(o: Json, k: string): boolean {
  const v = o[k];
  return v === undefined || v === null || v === '';
}
