// JSON of stored objects, serialized once per object version and reused by every LIST and watch event that sends it —
// what kube-apiserver's watch cache does with cachingObject (k8s.io/apiserver/pkg/storage/cacher/caching_object.go).
// Store objects are never modified in place (a change replaces the object and bumps its resourceVersion), so an entry
// is valid while its object lives and its resourceVersion is the one it was made for.

import type { KubeObject } from '../../core/types.js';

const cache = new WeakMap<KubeObject, { rv: string | undefined; json: string }>();

/** `JSON.stringify(o)`, from the cache when this version of the object was serialized before. */
export function objectJson(o: KubeObject): string {
  const rv = o.metadata.resourceVersion;
  const hit = cache.get(o);
  if (hit && hit.rv === rv) return hit.json;
  const json = JSON.stringify(o);
  cache.set(o, { rv, json });
  return json;
}

/** `JSON.stringify({ ...head, items })` for a list of store objects, each item's JSON from the cache. */
export function listJson(head: Record<string, unknown>, items: KubeObject[]): string {
  const h = JSON.stringify(head);
  const parts = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) parts[i] = objectJson(items[i]);
  return `${h.length > 2 ? `${h.slice(0, -1)},` : '{'}"items":[${parts.join(',')}]}`;
}
