// printTable: the Table shape and, for every kind, the exact kube-apiserver 1.32 column set (names, types, priorities).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveResourceType, type ResourceType } from '../core/resources.js';
import type { KubeObject } from '../core/types.js';
import { printTable } from './table-printers.js';

const NOW = new Date('2026-01-10T12:00:00Z');

/** "Name" is a string column with format name; "Count:integer" a typed column; a trailing "+" marks priority 1. */
const columnSets: { resource: string; columns: string[] }[] = [
  { resource: 'pods', columns: ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP+', 'Node+', 'Nominated Node+', 'Readiness Gates+'] },
  { resource: 'services', columns: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector+'] },
  { resource: 'endpoints', columns: ['Name', 'Endpoints', 'Age'] },
  { resource: 'endpointslices', columns: ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'] },
  { resource: 'namespaces', columns: ['Name', 'Status', 'Age'] },
  {
    resource: 'nodes',
    columns: ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP+', 'External-IP+', 'OS-Image+', 'Kernel-Version+', 'Container-Runtime+'],
  },
  { resource: 'deployments', columns: ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers+', 'Images+', 'Selector+'] },
  { resource: 'replicasets', columns: ['Name', 'Desired:integer', 'Current:integer', 'Ready:integer', 'Age', 'Containers+', 'Images+', 'Selector+'] },
  { resource: 'statefulsets', columns: ['Name', 'Ready', 'Age', 'Containers+', 'Images+'] },
  {
    resource: 'daemonsets',
    columns: [
      'Name',
      'Desired:integer',
      'Current:integer',
      'Ready:integer',
      'Up-to-date:integer',
      'Available:integer',
      'Node Selector',
      'Age',
      'Containers+',
      'Images+',
      'Selector+',
    ],
  },
  { resource: 'ingresses', columns: ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'] },
  { resource: 'ingressclasses', columns: ['Name', 'Controller', 'Parameters', 'Age'] },
  { resource: 'networkpolicies', columns: ['Name', 'Pod-Selector', 'Age'] },
  { resource: 'configmaps', columns: ['Name', 'Data', 'Age'] },
  { resource: 'secrets', columns: ['Name', 'Type', 'Data', 'Age'] },
  {
    resource: 'events',
    columns: ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject+', 'Source+', 'Message', 'First Seen+', 'Count+', 'Name+'],
  },
];

function describeColumns(type: ResourceType): string[] {
  return printTable(type, [], NOW).columnDefinitions.map((c) => {
    assert.ok(c.description.length > 0, `${c.name} has a description`);
    assert.equal(c.format, c.name === 'Name' ? 'name' : '', `${c.name} format`);
    return `${c.name}${c.type === 'string' ? '' : `:${c.type}`}${c.priority === 1 ? '+' : ''}`;
  });
}

for (const c of columnSets) {
  test(`printTable: ${c.resource} have the kube-apiserver 1.32 columns`, () => {
    assert.deepEqual(describeColumns(resolveResourceType(c.resource)!), c.columns);
  });
}

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '7', creationTimestamp: '2026-01-10T11:55:00Z', labels: { app: 'web' } },
  spec: { containers: [{ name: 'a', image: 'nginx' }] },
  status: { phase: 'Running' },
};

test('printTable: the result is a meta.k8s.io/v1 Table with one row per object, in order', () => {
  const second = { ...pod, metadata: { ...pod.metadata, name: 'api' } };
  const table = printTable(resolveResourceType('pods')!, [pod, second], NOW);
  assert.equal(table.kind, 'Table');
  assert.equal(table.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(table.metadata, {});
  assert.deepEqual(
    table.rows.map((r) => r.cells[0]),
    ['web', 'api'],
  );
  assert.equal(table.rows[0].cells.length, table.columnDefinitions.length, 'every column, wide ones included, has a cell');
});

test('printTable: each row carries the full metadata as a PartialObjectMetadata copy', () => {
  const [row] = printTable(resolveResourceType('pods')!, [pod], NOW).rows;
  assert.deepEqual(row.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
  assert.notEqual(row.object!.metadata, pod.metadata, 'the metadata is copied, not shared with the store');
  assert.notEqual(row.object!.metadata.labels, pod.metadata.labels);
});

test('printTable: integer columns carry numbers and string columns strings', () => {
  const ds: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'd', creationTimestamp: '2026-01-10T11:00:00Z' },
    spec: { template: { spec: { containers: [] } } },
    status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 },
  };
  const table = printTable(resolveResourceType('ds')!, [ds], NOW);
  table.columnDefinitions.forEach((c, i) => {
    if (c.type === 'integer') assert.equal(typeof table.rows[0].cells[i], 'number', c.name);
  });
  assert.deepEqual(table.rows[0].cells.slice(1, 6), [2, 2, 1, 2, 1]);
});

test('printTable: a kind without a printer gets the default Name and Created At table', () => {
  const type: ResourceType = { kind: 'Widget', group: 'example.com', version: 'v1', plural: 'widgets', singular: 'widget', namespaced: true, shortNames: [], categories: [] };
  const table = printTable(type, [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', creationTimestamp: '2026-01-10T11:00:00Z' } }], NOW);
  assert.deepEqual(
    table.columnDefinitions.map((c) => [c.name, c.type, c.format]),
    [
      ['Name', 'string', 'name'],
      ['Created At', 'date', ''],
    ],
  );
  assert.deepEqual(table.rows[0].cells, ['w', '2026-01-10T11:00:00Z']);
});
