// Element order after a strategic merge of a list, as k8s.io/apimachinery/pkg/util/strategicpatch/patch.go
// computes it (normalizeElementOrder, mergeSortedSlice): elements named by the patch (or its `$setElementOrder`) in
// that order, interleaved with the elements only the server has, which keep their order among themselves.

import { goType, goValue, isMap, JsonMap, patchInternal } from './patch-error.js';

/** The value an element is matched on: its merge key's value, or the element itself in a list of primitives. */
function identity(item: unknown, mergeKey: string): unknown {
  if (!mergeKey) return item;
  return isMap(item) ? item[mergeKey] : undefined;
}

/** index(): the position of the first element of `list` matching `item`, or -1. */
function indexIn(list: unknown[], item: unknown, mergeKey: string): number {
  const want = identity(item, mergeKey);
  return list.findIndex((v) => identity(v, mergeKey) === want);
}

function requireKeyed(item: unknown, mergeKey: string): JsonMap {
  if (!isMap(item)) throw patchInternal(`expected a map[string]interface {}, but received a ${goType(item)}`);
  if (!Object.hasOwn(item, mergeKey)) throw patchInternal(`map: ${goValue(item)} does not contain declared merge key: ${mergeKey}`);
  return item;
}

/**
 * partitionMapsByPresentInList / partitionPrimitivesByPresentInList: the elements of `list` that `by` names, and the
 * others, each in list order.
 */
export function partitionByPresence(list: unknown[], by: unknown[], mergeKey: string): { present: unknown[]; absent: unknown[] } {
  const present: unknown[] = [];
  const absent: unknown[] = [];
  if (mergeKey) {
    by.forEach((v, i) => {
      if (!isMap(v)) throw patchInternal(`value for key ${i} is not a map`);
    });
    for (const item of list) {
      const value = requireKeyed(item, mergeKey)[mergeKey];
      (by.some((v) => (v as JsonMap)[mergeKey] === value) ? present : absent).push(item);
    }
    return { present, absent };
  }
  // Go hashes primitives into a map here; map elements (a tagless list of objects) make it panic.
  if (list.some(isMap) || by.some(isMap)) throw patchInternal('runtime error: hash of unhashable type map[string]interface {}');
  const named = new Set(by);
  for (const item of list) (named.has(item) ? present : absent).push(item);
  return { present, absent };
}

/**
 * normalizeSliceOrder: `items` stably sorted by their position in `order`. Lists of maps must carry the merge key in
 * both lists, and `$patch: delete` elements go last. Elements `order` does not name keep their relative order after
 * the named ones (Go's comparator is inconsistent for them; no client sends such lists).
 */
function sortByOrder(items: unknown[], order: unknown[], mergeKey: string, kind: string): unknown[] {
  let toSort = items;
  let deletions: unknown[] = [];
  if (kind === 'map') {
    for (const item of [...items, ...order]) requireKeyed(item, mergeKey);
    toSort = items.filter((i) => (i as JsonMap).$patch !== 'delete');
    deletions = items.filter((i) => (i as JsonMap).$patch === 'delete');
  }
  const ranked = toSort.map((item, pos) => ({ item, pos, at: indexIn(order, item, mergeKey) }));
  ranked.sort((a, b) => {
    const ai = a.at < 0 ? Infinity : a.at;
    const bi = b.at < 0 ? Infinity : b.at;
    return ai === bi ? a.pos - b.pos : ai - bi;
  });
  return [...ranked.map((r) => r.item), ...deletions];
}

/**
 * normalizeElementOrder: sorts the patch's elements by `patchOrder` and the server-only ones by `serverOrder`, then
 * merges the two: a server-only element goes before a patch element only when both appear in `serverOrder` and it
 * came first there. So an element the live list did not have goes before the server-only elements that follow it.
 */
export function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: string,
): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey, kind);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      out.push(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++]);
    }
  }
  return out;
}
