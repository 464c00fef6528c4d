// The meta.k8s.io/v1 Table shape that kube-apiserver returns for human output, and the per-resource printer contract.

import type { KubeObject, ObjectMeta } from '../core/types.js';

/** One column of a Table; `priority` 0 is always shown, 1 only with `-o wide`. */
export interface TableColumnDefinition {
  name: string;
  /** OpenAPI type name: "string", "integer", "date", ... */
  type: string;
  /** "name" marks the column kubectl prefixes with `kind/` in multi-type output. */
  format: string;
  description: string;
  priority: number;
}

export type TableCell = string | number;

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The metadata-only object a Table row carries by default (no `includeObject` parameter). */
export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** kubectl reads namespace and labels from here; it may also be a full object (`includeObject=Object`). */
  object?: PartialObjectMetadata | KubeObject;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** What a printer returns for one object: its cells, one per column, and optional row conditions. */
export interface PrintedRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
}

/** A resource's table printer: its columns and how one object fills them (always the wide set, as the server does). */
export interface ResourcePrinter {
  columns: TableColumnDefinition[];
  row(obj: KubeObject, now: Date): PrintedRow;
}

/** A column definition; `type` defaults to "string", `priority` to 0, `format` to "". */
export function column(
  name: string,
  description: string,
  opts: { type?: 'string' | 'integer' | 'date'; priority?: number; format?: string } = {},
): TableColumnDefinition {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

/** The Name column every printer starts with (events excepted). */
export const NAME_COLUMN = column('Name', 'Name of the object, unique within its namespace.', { format: 'name' });

/** The Age column: time since metadata.creationTimestamp. */
export const AGE_COLUMN = column('Age', 'Time since the object was created.');

export const CONTAINERS_COLUMN = column('Containers', 'Names of the containers in the pod template.', { priority: 1 });
export const IMAGES_COLUMN = column('Images', 'Images of the containers in the pod template.', { priority: 1 });
