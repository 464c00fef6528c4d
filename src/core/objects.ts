// Helpers over plain Kubernetes objects: keys, copies, canonical JSON and deep merge.

import type { KubeObject } from './types.js';

/** The identity of an object in the store: kind, namespace and name. */
export function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

export function keyOf(o: KubeObject): string {
  return objectKey(o.kind, o.metadata.namespace, o.metadata.name);
}

/** A Node's InternalIP (status.addresses), the address kube-proxy, kubelet and the CNI use; undefined when it has none. */
export function nodeInternalIPOf(node: KubeObject | undefined): string | undefined {
  return ((node?.status?.addresses ?? []) as { type?: string; address?: string }[]).find((a) => a?.type === 'InternalIP')?.address;
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
  const out: string[] = [];
  writeCanonical(v, out);
  return out.join('');
}

function writeCanonical(v: unknown, out: string[]): void {
  if (v === null || typeof v !== 'object') {
    out.push(JSON.stringify(v) ?? 'null');
    return;
  }
  if (Array.isArray(v)) {
    out.push('[');
    v.forEach((x, i) => {
      if (i > 0) out.push(',');
      writeCanonical(x, out);
    });
    out.push(']');
    return;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  out.push('{');
  keys.forEach((k, i) => {
    out.push(i > 0 ? ',' : '', JSON.stringify(k), ':');
    writeCanonical(o[k], out);
  });
  out.push('}');
}

/**
 * Whether two JSON values are equal as canonicalJson would say (key order and undefined-valued keys ignored),
 * without building strings: it stops at the first difference.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return canonicalScalar(a) === canonicalScalar(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], bb[i])) return false;
    return true;
  }
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  let na = 0;
  for (const k in oa) {
    if (oa[k] === undefined) continue;
    na++;
    if (ob[k] === undefined || !jsonEqual(oa[k], ob[k])) return false;
  }
  let nb = 0;
  for (const k in ob) if (ob[k] !== undefined) nb++;
  return na === nb;
}

function canonicalScalar(v: unknown): string {
  return typeof v === 'object' && v !== null ? '\u0000object' : (JSON.stringify(v) ?? 'null');
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
