// Builds the meta.k8s.io/v1 Table kube-apiserver 1.32 returns for `kubectl get`, for every kind flatnet models.
// Column sets and cell rules: kubectl-api.md §3.2–3.3; upstream pkg/printers/internalversion/printers.go.

import type { ResourceType } from '../core/resources.js';
import type { KubeObject } from '../core/types.js';
import { configMapPrinter, eventPrinter, namespacePrinter, nodePrinter, secretPrinter } from './cluster-printers.js';
import {
  endpointSlicePrinter,
  endpointsPrinter,
  ingressClassPrinter,
  ingressPrinter,
  networkPolicyPrinter,
  servicePrinter,
} from './network-printers.js';
import { podPrinter } from './pod-printer.js';
import { column, type ResourcePrinter, type Table, type TableRow } from './table.js';
import { daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from './workload-printers.js';

export type { Table, TableCell, TableColumnDefinition, TableRow, TableRowCondition } from './table.js';

const PRINTERS: Record<string, ResourcePrinter> = {
  Pod: podPrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  EndpointSlice: endpointSlicePrinter,
  Namespace: namespacePrinter,
  Node: nodePrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  StatefulSet: statefulSetPrinter,
  DaemonSet: daemonSetPrinter,
  Ingress: ingressPrinter,
  IngressClass: ingressClassPrinter,
  NetworkPolicy: networkPolicyPrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  Event: eventPrinter,
};

/**
 * rest.defaultTableConvertor, used by the API server for kinds without a printer (custom resources):
 * Name and "Created At" as an RFC 3339 date.
 */
const defaultPrinter: ResourcePrinter = {
  columns: [
    column('Name', 'Name of the object, unique within its namespace.', { format: 'name' }),
    column('Created At', 'When the object was created.', { type: 'date' }),
  ],
  row: (o) => {
    const t = o.metadata.creationTimestamp ? Date.parse(o.metadata.creationTimestamp) : NaN;
    const created = Number.isNaN(t) ? '0001-01-01T00:00:00Z' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { cells: [o.metadata.name, created] };
  },
};

/**
 * The Table kube-apiserver returns for `objects` of `type` (the Accept asks for `as=Table`): every column,
 * wide ones included (priority 1), one row per object in the given order. Each row carries the object's
 * metadata as a PartialObjectMetadata, the API server's default, which kubectl needs for -A, --show-labels
 * and --sort-by. `metadata.resourceVersion` is left for the caller to set (the list's, or the single object's).
 *
 * @example formatTable(printTable(resolveResourceType('pods')!, pods, clock.now()), { wide: false, withNamespace: false })
 */
export function printTable(type: ResourceType, objects: KubeObject[], now: Date): Table {
  const printer = PRINTERS[type.kind] ?? defaultPrinter;
  const rows: TableRow[] = objects.map((o) => {
    const printed = printer.row(o, now);
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions.map((c) => ({ ...c }));
    row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: structuredClone(o.metadata) };
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: printer.columns.map((c) => ({ ...c })),
    rows,
  };
}
