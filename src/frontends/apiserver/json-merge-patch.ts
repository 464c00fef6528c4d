// JSON merge patch (RFC 7386, `application/merge-patch+json`: `kubectl label`, `annotate`, `scale`, `patch --type
// merge`) as kube-apiserver applies it with gopkg.in/evanphx/json-patch.v4 MergePatch.

import { cloneJson, isMap, JsonMap, patchBadRequest, put } from './patch-error.js';

/**
 * Applies an RFC 7386 merge patch and returns the patched copy: objects merge member by member, `null` removes a
 * member, anything else (arrays included) replaces. Nulls inside values that are added whole are dropped, as
 * evanphx's pruneNulls does. A top-level `null` or scalar patch is refused with 400 `Invalid JSON Patch`
 * (evanphx ErrBadJSONPatch) where RFC 7386 would return the patch itself; an array patch is returned as the RFC
 * says, and the caller's typed decoding rejects it.
 *
 * @example
 * jsonMergePatch({ metadata: { labels: { app: 'web', tier: 'fe' } } }, { metadata: { labels: { tier: null } } });
 * // → { metadata: { labels: { app: 'web' } } }
 */
export function jsonMergePatch(original: unknown, patch: unknown): unknown {
  if (patch === null || (typeof patch !== 'object' && !Array.isArray(patch))) throw patchBadRequest('Invalid JSON Patch');
  return mergeValue(original, patch);
}

function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return pruneNulls(patch);
  const out = (isMap(target) ? cloneJson(target) : {}) as JsonMap;
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else put(out, k, mergeValue(Object.hasOwn(out, k) ? out[k] : undefined, v));
  }
  return out;
}

/** A copy without null object members at any depth; nulls that are array elements stay (pruneAryNulls). */
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneNulls);
  if (!isMap(v)) return v;
  const out: JsonMap = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) put(out, k, pruneNulls(x));
  return out;
}
