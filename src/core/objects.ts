// Helpers over plain Kubernetes objects: keys, copies, canonical JSON and deep merge.

import type { KubeObject } from './types.js';

/** The identity of an object in the store: kind, namespace and name. */
export function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

export function keyOf(o: KubeObject): string {
  return objectKey(o.kind, o.metadata.namespace, o.metadata.name);
}

/** `namespace/name`, or just `name` for cluster-scoped objects. */
export function namespacedName(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

export function deepClone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** JSON with object keys sorted at every level: equal values give equal strings (for hashing and comparison). */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(v as object)
    .filter((k) => (v as any)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as any)[k])}`).join(',')}}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Merges `over` onto `base` the way `kubectl apply` of a partial manifest updates an existing object for the
 * fields it names: maps merge recursively, everything else (scalars, lists) is replaced. Inputs are not modified.
 */
export function mergeObjects<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return deepClone(over) as T;
  const out: Record<string, unknown> = { ...(deepClone(base) as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? mergeObjects(out[k], v) : deepClone(v);
  return out as T;
}

/** Compares objects by canonical JSON: order of keys never matters. */
export function sameObject(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
