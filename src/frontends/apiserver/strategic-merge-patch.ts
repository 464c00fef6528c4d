// Strategic merge patch as kube-apiserver applies it (`application/strategic-merge-patch+json`, the body of
// client-side `kubectl apply`, `kubectl patch` and `kubectl edit`), following
// k8s.io/apimachinery/pkg/util/strategicpatch/patch.go (StrategicMergeMapPatch, server-side merge options):
// maps merge, `null` deletes, lists merge or are replaced by the field's tags (patch-meta.ts), and the directives
// `$patch`, `$retainKeys`, `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>` are honoured.

import { cloneJson, goType, goValue, isMap, JsonMap, jsonTypeName, patchBadRequest, patchInternal, patchUnprocessable, put } from './patch-error.js';
import { FieldPatchMeta, PatchMetaTable, patchMetaFor } from './patch-meta.js';
import { normalizeElementOrder, partitionByPresence } from './strategic-merge-order.js';

export { PatchError } from './patch-error.js';
export { jsonMergePatch } from './json-merge-patch.js';
export { jsonPatch } from './json-patch.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

/**
 * Applies a strategic merge patch to an object of the given kind and returns the patched copy; neither input is
 * modified. Throws PatchError with the code, reason and message kube-apiserver answers with.
 *
 * Kinds without tags in patch-meta.ts are merged with only their ObjectMeta tags: every other list is replaced, as a
 * JSON merge patch would (kube-apiserver refuses this patch type for custom resources with a 415; a front end that
 * wants that checks knowsPatchMeta first).
 *
 * @example
 * strategicMergePatch(
 *   { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } },
 *   { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } },
 *   'Pod', 'v1',
 * ); // → { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }, { name: 'log', image: 'busybox' }] } }
 */
export function strategicMergePatch(original: unknown, patch: unknown, kind: string, apiVersion: string): unknown {
  // mergepatch.ErrBadJSONDoc; the live object is always a map.
  if (!isMap(original)) throw patchBadRequest('invalid JSON document');
  // The handler decodes the body into a map[string]interface{}: `null` decodes to an empty patch, other non-objects fail.
  if (patch === null) return cloneJson(original);
  if (!isMap(patch)) throw patchBadRequest(`json: cannot unmarshal ${jsonTypeName(patch)} into Go value of type map[string]interface {}`);
  return mergeMap(cloneJson(original) as JsonMap, cloneJson(patch) as JsonMap, '', patchMetaFor(kind, apiVersion));
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** The strategy that decides merging: `merge` or none (`retainKeys` only shapes client-computed patches). */
function merges(meta: FieldPatchMeta | undefined): boolean {
  return meta !== undefined && meta.strategy.split(',').includes('merge');
}

/** mergeMap: merges `patch` into `original` (both owned copies, mutated) at `path`. */
function mergeMap(original: JsonMap, patch: JsonMap, path: string, table: PatchMetaTable): JsonMap {
  if (Object.hasOwn(patch, DIRECTIVE)) return mapDirective(patch);
  applyRetainKeys(original, patch);
  applyElementOrders(original, patch, path, table);
  for (const [rawKey, patchV] of Object.entries(patch)) {
    const deleteList = rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    const key = deleteList ? directiveField(rawKey, DELETE_FROM_PRIMITIVE_LIST) : rawKey;
    // IgnoreUnmatchedNulls: a null deletes the key and is never kept.
    if (patchV === null) {
      delete original[key];
      continue;
    }
    const originalV = original[key];
    if (!Object.hasOwn(original, key) || shape(originalV) !== shape(patchV)) {
      // A value the original lacks (or of another type) is taken whole; a deletion list for it does nothing.
      if (!deleteList) setCleaned(original, key, patchV);
      continue;
    }
    const childPath = join(path, key);
    if (isMap(originalV)) put(original, key, mergeMap(originalV, patchV as JsonMap, childPath, table));
    else if (Array.isArray(originalV)) put(original, key, mergeListField(originalV, patchV as unknown[], childPath, table, deleteList));
    else put(original, key, patchV);
  }
  return original;
}

function shape(v: unknown): string {
  return Array.isArray(v) ? 'list' : isMap(v) ? 'map' : v === null ? 'null' : typeof v;
}

/** `$patch` on a map: `replace` takes the patch as the whole map, `delete` empties it (handleDirectiveInMergeMap). */
function mapDirective(patch: JsonMap): JsonMap {
  const directive = patch[DIRECTIVE];
  if (directive === 'replace') {
    delete patch[DIRECTIVE];
    return cleaned(patch).value as JsonMap;
  }
  if (directive === 'delete') return {};
  // `$patch: merge` on a map is refused too: mergepatch.ErrBadPatchType.
  throw patchInternal(`unknown patch type: ${goValue(directive)} in map: ${goValue(patch)}`);
}

/** extractKey: `$setElementOrder/containers` → `containers`. */
function directiveField(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw patchBadRequest(prefix === DELETE_FROM_PRIMITIVE_LIST ? 'invalid patch format of primitive list' : 'invalid patch format of setElementOrder list');
  }
  return key.slice(slash + 1);
}

/**
 * applyRetainKeysDirective: every non-null field of the patch must be listed, and fields of the original that are
 * not listed are cleared before merging.
 */
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const keep = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(keep)) throw patchBadRequest('invalid patch format of retainKeys');
  const kept = new Set(keep);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!kept.has(k)) throw patchBadRequest('invalid patch format of retainKeys');
  }
  for (const k of Object.keys(original)) if (!kept.has(k)) delete original[k];
}

function asList(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw patchInternal(`expected a []interface {}, but received a ${goType(v)}`);
  return v;
}

/**
 * mergePatchIntoOriginal: each `$setElementOrder/<field>` merges its list now and orders the result: the listed
 * elements in the listed order, the elements only the server has kept near their old neighbours.
 */
function applyElementOrders(original: JsonMap, patch: JsonMap, path: string, table: PatchMetaTable): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    const orderList = asList(order);
    const field = directiveField(key, SET_ELEMENT_ORDER);
    const inOriginal = Object.hasOwn(original, field);
    const inPatch = Object.hasOwn(patch, field);
    const originalList = inOriginal ? asList(original[field]) : [];
    const patchList = inPatch ? asList(patch[field]) : [];
    const childPath = join(path, field);
    const mergeKey = table.get(childPath)?.mergeKey ?? '';
    validateOrder(patchList, orderList, mergeKey);
    let merged: unknown[];
    if (inOriginal && inPatch) merged = mergeListField(originalList, patchList, childPath, table, false);
    else if (inOriginal) merged = originalList;
    else if (inPatch) merged = cleaned(patchList).value as unknown[];
    else continue;
    const kind = elementKind(originalList, patchList);
    const { present, absent } = partitionByPresence(merged, orderList, mergeKey);
    put(original, field, normalizeElementOrder(present, absent, orderList, originalList, mergeKey, kind));
    delete patch[field];
  }
}

/** validatePatchWithSetOrderList: the patch list (deletions aside) must follow the order list's relative order. */
function validateOrder(patchList: unknown[], orderList: unknown[], mergeKey: string): void {
  if (orderList.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? patchList.filter((v) => requireMap(v)[DIRECTIVE] !== 'delete') : patchList;
  let p = 0;
  let o = 0;
  while (p < items.length && o < orderList.length) {
    if (isMap(items[p]) && Object.hasOwn(items[p] as JsonMap, DIRECTIVE)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(items[p], orderList[o], mergeKey)) p++;
    o++;
  }
  if (p < items.length) {
    throw patchInternal(`The order in patch list:\n${goValue(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goValue(orderList)}\n`);
  }
}

function requireMap(v: unknown): JsonMap {
  if (!isMap(v)) throw patchInternal(`expected a map[string]interface {}, but received a ${goType(v)}`);
  return v;
}

function requireMergeKey(m: JsonMap, mergeKey: string): unknown {
  if (!Object.hasOwn(m, mergeKey)) throw patchInternal(`map: ${goValue(m)} does not contain declared merge key: ${mergeKey}`);
  return m[mergeKey];
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  return requireMergeKey(requireMap(left), mergeKey) === requireMergeKey(requireMap(right), mergeKey);
}

/**
 * sliceElementType: the shape every element of the lists shares. A list as the first element is refused with a 422
 * (lists of lists); mixed element types and two empty lists with a plain error.
 */
function elementKind(...lists: unknown[][]): string {
  let kind: string | undefined;
  for (const v of lists.flat()) {
    const k = shape(v);
    if (kind === undefined && k === 'list') throw patchUnprocessable('lists of lists are not supported');
    if (kind !== undefined && k !== kind) throw patchInternal(`list element types are not identical: ${goValue(lists)}`);
    kind = k;
  }
  if (kind === undefined) throw patchInternal('no elements in any of the given slices');
  return kind;
}

/** mergeSliceHandler: a merge-strategy field (or a deletion list) merges; any other list is replaced by the patch. */
function mergeListField(original: unknown[], patch: unknown[], path: string, table: PatchMetaTable, deleteList: boolean): unknown[] {
  const meta = table.get(path);
  if (!merges(meta) && !deleteList) return cleaned(patch).value as unknown[];
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  if (kind !== 'map') {
    if (deleteList) {
      const gone = new Set(patch);
      return original.filter((v) => !gone.has(v));
    }
    const merged = [...new Set([...original, ...patch])];
    const { present, absent } = partitionByPresence(merged, patch, '');
    return normalizeElementOrder(present, absent, patch, original, '', kind);
  }
  const mergeKey = meta?.mergeKey;
  if (!mergeKey) throw patchInternal(`cannot merge lists without merge key for ${path}`);
  const { base, items } = applyListDirectives(original, patch, mergeKey);
  const merged = base.slice();
  for (const item of items) {
    const value = requireMergeKey(item, mergeKey);
    const at = merged.findIndex((m) => isMap(m) && Object.hasOwn(m, mergeKey) && m[mergeKey] === value);
    if (at >= 0) merged[at] = mergeMap(merged[at] as JsonMap, item, `${path}[]`, table);
    else {
      const added = cleaned(item);
      if (added.keep) merged.push(added.value);
    }
  }
  const { present, absent } = partitionByPresence(merged, items, mergeKey);
  return normalizeElementOrder(present, absent, items, base, mergeKey, kind);
}

/**
 * mergeSliceWithSpecialElements: `{"$patch":"delete", <key>: v}` removes every element with that key value,
 * `{"$patch":"replace"}` makes the rest of the patch list the whole list; `$patch: merge` is refused.
 */
function applyListDirectives(original: unknown[], patch: unknown[], mergeKey: string): { base: unknown[]; items: JsonMap[] } {
  let base = original;
  let replace = false;
  const items: JsonMap[] = [];
  for (const v of patch) {
    const item = v as JsonMap;
    if (!Object.hasOwn(item, DIRECTIVE)) {
      items.push(item);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === 'delete') {
      const value = requireMergeKey(item, mergeKey);
      base = base.filter((m) => !(isMap(m) && Object.hasOwn(m, mergeKey) && m[mergeKey] === value));
    } else if (directive === 'replace') replace = true;
    else if (directive === 'merge') throw patchInternal('merging lists cannot yet be specified in the patch');
    else throw patchInternal(`unknown patch type: ${goValue(directive)} in map: ${goValue(item)}`);
  }
  if (replace) return { base: items.map((i) => cleaned(i).value), items: [] };
  return { base, items };
}

/**
 * A patch value taken whole: nulls dropped (discardNullValuesFromPatch) and directives removed (removeDirectives: a
 * map carrying `$patch` is dropped). kube-apiserver leaves `$retainKeys`, `$setElementOrder/…` and
 * `$deleteFromPrimitiveList/…` keys in such values for its typed decoding to drop; they are dropped here directly.
 */
function cleaned(v: unknown): { keep: boolean; value: unknown } {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const c = cleaned(x);
      if (c.keep) out.push(c.value);
    }
    return { keep: true, value: out };
  }
  if (!isMap(v)) return { keep: true, value: v };
  if (Object.hasOwn(v, DIRECTIVE)) return { keep: false, value: undefined };
  const out: JsonMap = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || k === RETAIN_KEYS || k.startsWith(`${SET_ELEMENT_ORDER}/`) || k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`)) continue;
    const c = cleaned(x);
    if (c.keep) put(out, k, c.value);
  }
  return { keep: true, value: out };
}

function setCleaned(target: JsonMap, key: string, v: unknown): void {
  const c = cleaned(v);
  if (c.keep) put(target, key, c.value);
  else delete target[key];
}
