// Table-driven tests for the Deployment, ReplicaSet, StatefulSet and DaemonSet tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../core/types.js';
import type { ResourcePrinter, TableCell } from './table.js';
import { cellsByName } from './testdata/cells-by-name.js';
import { daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from './workload-printers.js';

const NOW = new Date('2026-01-10T12:00:00Z');
const template = { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'log', image: 'fluent-bit:3' }] } };
const workload = (kind: string, spec: any, status: any): KubeObject => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name: 'w', namespace: 'default', creationTimestamp: '2026-01-08T07:00:00Z' },
  spec: { template, ...spec },
  status,
});

const cases: { name: string; printer: ResourcePrinter; obj: KubeObject; want: Record<string, TableCell> }[] = [
  {
    name: 'a deployment prints ready/desired and numeric up-to-date and available counts',
    printer: deploymentPrinter,
    obj: workload('Deployment', { replicas: 3, selector: { matchLabels: { app: 'web' } } }, { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 }),
    want: { Ready: '2/3', 'Up-to-date': 3, Available: 2, Age: '2d5h', Containers: 'web,log', Images: 'nginx:1.27,fluent-bit:3', Selector: 'app=web' },
  },
  {
    name: 'a deployment without status counts zero',
    printer: deploymentPrinter,
    obj: workload('Deployment', { replicas: 1, selector: { matchLabels: { app: 'web' } } }, undefined),
    want: { Ready: '0/1', 'Up-to-date': 0, Available: 0 },
  },
  {
    name: 'a deployment selector prints expressions sorted by key and values sorted',
    printer: deploymentPrinter,
    obj: workload('Deployment', { replicas: 1, selector: { matchLabels: { tier: 'front' }, matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['z', 'a'] }] } }, {}),
    want: { Selector: 'app notin (a,z),tier=front' },
  },
  {
    name: 'a deployment with an empty selector prints an empty cell, not <none>',
    printer: deploymentPrinter,
    obj: workload('Deployment', { replicas: 1, selector: {} }, {}),
    want: { Selector: '' },
  },
  {
    name: 'a replicaset prints desired, current and ready as numbers',
    printer: replicaSetPrinter,
    obj: workload('ReplicaSet', { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': 'abc' } } }, { replicas: 3, readyReplicas: 1 }),
    want: { Desired: 3, Current: 3, Ready: 1, Selector: 'app=web,pod-template-hash=abc' },
  },
  {
    name: 'a replicaset without a selector prints <none>',
    printer: replicaSetPrinter,
    obj: workload('ReplicaSet', { replicas: 0 }, {}),
    want: { Desired: 0, Current: 0, Ready: 0, Selector: '<none>' },
  },
  {
    name: 'a statefulset prints ready/desired and its containers',
    printer: statefulSetPrinter,
    obj: workload('StatefulSet', { replicas: 2 }, { readyReplicas: 1, replicas: 2 }),
    want: { Ready: '1/2', Containers: 'web,log', Images: 'nginx:1.27,fluent-bit:3' },
  },
  {
    name: 'a daemonset prints its five status counts as numbers',
    printer: daemonSetPrinter,
    obj: workload(
      'DaemonSet',
      { selector: { matchLabels: { k8s: 'proxy' } } },
      { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2 },
    ),
    want: { Desired: 3, Current: 3, Ready: 2, 'Up-to-date': 1, Available: 2, 'Node Selector': '<none>', Selector: 'k8s=proxy' },
  },
  {
    name: "a daemonset prints its template's node selector",
    printer: daemonSetPrinter,
    obj: workload(
      'DaemonSet',
      { selector: { matchLabels: { k8s: 'proxy' } }, template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux', disk: 'ssd' }, containers: [] } } },
      {},
    ),
    want: { 'Node Selector': 'disk=ssd,kubernetes.io/os=linux', Containers: '', Desired: 0 },
  },
];

for (const c of cases) {
  test(`workload printers: ${c.name}`, () => {
    const got = cellsByName(c.printer, c.obj, NOW);
    for (const [column, want] of Object.entries(c.want)) assert.equal(got[column], want, `column ${column}`);
  });
}
