// Parses API request paths into the resource they address, following the URL layout of kube-apiserver
// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go): /api/v1/... for the core group, /apis/<group>/<version>/...
// for the others, an optional namespaces/<ns>/ segment, and the legacy /watch/ prefix.

import { RESOURCE_TYPES, ResourceType } from '../../core/resources.js';

/** A request for objects of one resource type. */
export interface ResourceRequest {
  type: ResourceType;
  /** The namespace segment of the path; undefined for cluster-scoped kinds and all-namespace lists. */
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The path used the legacy `/watch/` prefix (a watch whatever the query says). */
  watchPath: boolean;
}

/** The group and version of a path under /api or /apis, or undefined for other paths. */
export function groupVersionOf(segments: string[]): { group: string; version: string; rest: string[] } | undefined {
  if (segments[0] === 'api' && segments.length >= 2) return { group: '', version: segments[1], rest: segments.slice(2) };
  if (segments[0] === 'apis' && segments.length >= 3) return { group: segments[1], version: segments[2], rest: segments.slice(3) };
  return undefined;
}

function typeOf(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/**
 * The resource a path addresses, or undefined when it addresses none (an unknown type, a namespace segment before a
 * cluster-scoped type, too many segments). `/api/v1/namespaces/<name>` is the Namespace itself, as upstream reads it.
 */
export function parseResourcePath(pathname: string): ResourceRequest | undefined {
  let segments: string[];
  try {
    segments = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    return undefined; // a malformed %-escape names no resource
  }
  const gv = groupVersionOf(segments);
  if (!gv || gv.rest.length === 0) return undefined;
  let rest = gv.rest;
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && typeOf(gv.group, gv.version, rest[2])?.namespaced) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (extra.length > 0) return undefined;
  const type = typeOf(gv.group, gv.version, plural);
  if (!type) return undefined;
  if (namespace !== undefined && !type.namespaced) return undefined;
  return { type, namespace, name, subresource, watchPath };
}
