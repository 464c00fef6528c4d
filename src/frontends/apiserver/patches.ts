// The PATCH content types the API server accepts (k8s.io/apiserver/pkg/endpoints/handlers/patch.go) and how each is
// applied: JSON merge patch, JSON patch and strategic merge patch from the patch libraries beside this file, with
// their PatchErrors answered as the Status kube-apiserver sends.

import { jsonMergePatch, jsonPatch, PatchError, strategicMergePatch } from './strategic-merge-patch.js';
import { ApiError, unsupportedMediaType } from './status.js';

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

export type PatchType = typeof MERGE_PATCH | typeof JSON_PATCH | typeof STRATEGIC_MERGE_PATCH | typeof APPLY_PATCH;

/** The patch type of a Content-Type header; 415 for anything else, as upstream answers. */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (t === MERGE_PATCH || t === JSON_PATCH || t === STRATEGIC_MERGE_PATCH || t === APPLY_PATCH) return t;
  throw unsupportedMediaType(
    `the body of the request was in an unknown format - accepted media types include: ${[JSON_PATCH, MERGE_PATCH, APPLY_PATCH, STRATEGIC_MERGE_PATCH].join(', ')}`,
  );
}

function asApiError(e: unknown): unknown {
  if (!(e instanceof PatchError)) return e;
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, ...(e.reason ? { reason: e.reason } : {}), code: e.code });
}

/**
 * Applies a patch of `type` to `current` (not modified) and returns the result. Server-side apply merges the applied
 * configuration into the live object strategically: the minimal semantics of kubectl-api.md §6.4 (fields the applier
 * omits are kept; no managedFields, no conflict detection).
 */
export function applyPatch(type: PatchType, current: unknown, patch: unknown, kind: string, apiVersion: string): unknown {
  try {
    if (type === MERGE_PATCH) return jsonMergePatch(current, patch);
    if (type === JSON_PATCH) return jsonPatch(current, patch);
    return strategicMergePatch(current, patch, kind, apiVersion);
  } catch (e) {
    throw asApiError(e);
  }
}
