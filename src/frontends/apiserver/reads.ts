// Reads: GET of one object, LIST with label and field selectors, as plain JSON (`<Kind>List`) or as the server-side
// Table kubectl prints (kubectl-api.md §3), with the `includeObject` forms of the rows.

import { apiVersionOf, ResourceType } from '../../core/resources.js';
import { matches, parseSelector, Selector, SelectorSyntaxError } from '../../core/labels.js';
import type { ObjectStore } from '../../core/store.js';
import type { KubeObject } from '../../core/types.js';
import { printTable, Table } from '../../printers/table-printers.js';
import { FieldSelector, matchesFields, parseFieldSelector } from './field-selector.js';
import { listJson } from './object-json.js';
import type { ResourceRequest } from './routes.js';
import { badRequest, notFound } from './status.js';

/** What a list or watch selects: one kind, optionally one namespace, label and field requirements. */
export interface ObjectFilter {
  kind: string;
  namespace?: string;
  labels: Selector;
  fields: FieldSelector;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** The filter of a request: its namespace, `labelSelector` and `fieldSelector` (and the name of a single-object watch). */
export function filterOf(req: ResourceRequest, query: URLSearchParams): ObjectFilter {
  let labels: Selector = [];
  try {
    labels = parseSelector(query.get('labelSelector') ?? '');
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw badRequest(e.message);
    throw e;
  }
  const fields = parseFieldSelector(query.get('fieldSelector') ?? '', req.type.kind);
  if (req.name !== undefined) fields.push({ field: 'metadata.name', operator: '=', value: req.name });
  return { kind: req.type.kind, namespace: req.namespace, labels, fields };
}

export function matchesFilter(f: ObjectFilter, o: KubeObject): boolean {
  if (o.kind !== f.kind) return false;
  if (f.namespace !== undefined && o.metadata.namespace !== f.namespace) return false;
  return matches(f.labels, o.metadata.labels) && matchesFields(f.fields, o);
}

/** The `includeObject` query parameter (kubectl-api.md §3.2); Metadata when absent. */
export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  if (v === null || v === '' || v === 'Metadata') return 'Metadata';
  if (v === 'None' || v === 'Object') return v;
  throw badRequest(`includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`);
}

/** The stored object a request names; a 404 Status when there is none. */
export function getObject(store: ObjectStore, req: ResourceRequest): KubeObject {
  const o = store.get(req.type.kind, req.type.namespaced ? req.namespace : undefined, req.name!);
  if (!o) throw notFound(req.type, req.name!);
  return o;
}

/** The objects a LIST returns, sorted by namespace then name. A namespace that does not exist gives an empty list. */
export function listObjects(store: ObjectStore, filter: ObjectFilter): KubeObject[] {
  return store.list(filter.kind, filter.namespace).filter((o) => matches(filter.labels, o.metadata.labels) && matchesFields(filter.fields, o));
}

/** `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":…},"items":[…]}` as JSON. */
export function listJsonOf(type: ResourceType, items: KubeObject[], resourceVersion: number): string {
  return listJson({ kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(resourceVersion) } }, items);
}

/**
 * The Table of `objects`: kube-apiserver's printers (src/printers), with each row's object as includeObject asks —
 * PartialObjectMetadata (the default), the whole object, or none.
 */
export function tableBody(type: ResourceType, objects: KubeObject[], now: Date, include: IncludeObject, resourceVersion: string): Table {
  const table = printTable(type, objects, now);
  table.metadata = { resourceVersion };
  table.rows.forEach((row, i) => {
    if (include === 'None') delete row.object;
    else if (include === 'Object') row.object = objects[i];
  });
  return table;
}
