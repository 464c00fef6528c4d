// Table-driven tests for the Namespace, Node, ConfigMap, Secret and Event tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../core/types.js';
import { configMapPrinter, eventPrinter, namespacePrinter, nodePrinter, secretPrinter } from './cluster-printers.js';
import type { ResourcePrinter, TableCell } from './table.js';
import { cellsByName } from './testdata/cells-by-name.js';

const NOW = new Date('2026-01-10T12:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
const node = (labels: Record<string, string>, spec: any, status: any): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1', labels, creationTimestamp: ago(60 * 24 * 30) },
  spec,
  status,
});
const readyTrue = { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }] };
const event = (fields: any): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web.17a', namespace: 'default', creationTimestamp: ago(10) },
  type: 'Normal',
  reason: 'Scheduled',
  involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
  ...fields,
});

const cases: { name: string; printer: ResourcePrinter; obj: KubeObject; want: Record<string, TableCell> }[] = [
  {
    name: 'a namespace prints its phase',
    printer: namespacePrinter,
    obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', creationTimestamp: ago(90) }, status: { phase: 'Active' } },
    want: { Status: 'Active', Age: '90m' },
  },
  {
    name: 'a node with a True Ready condition is Ready',
    printer: nodePrinter,
    obj: node({}, {}, { ...readyTrue, nodeInfo: { kubeletVersion: 'v1.32.0' } }),
    want: { Status: 'Ready', Roles: '<none>', Age: '30d', Version: 'v1.32.0' },
  },
  {
    name: 'a node whose Ready condition is not True is NotReady',
    printer: nodePrinter,
    obj: node({}, {}, { conditions: [{ type: 'Ready', status: 'Unknown' }] }),
    want: { Status: 'NotReady' },
  },
  {
    name: 'a node without a Ready condition is Unknown',
    printer: nodePrinter,
    obj: node({}, {}, {}),
    want: { Status: 'Unknown', Version: '' },
  },
  {
    name: 'a cordoned node adds SchedulingDisabled',
    printer: nodePrinter,
    obj: node({}, { unschedulable: true }, readyTrue),
    want: { Status: 'Ready,SchedulingDisabled' },
  },
  {
    name: 'node roles come from node-role label keys and the kubernetes.io/role value, sorted',
    printer: nodePrinter,
    obj: node({ 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'edge', 'node-role.kubernetes.io/': 'x' }, {}, readyTrue),
    want: { Roles: 'control-plane,edge,worker' },
  },
  {
    name: 'an empty kubernetes.io/role value is not a role',
    printer: nodePrinter,
    obj: node({ 'kubernetes.io/role': '' }, {}, readyTrue),
    want: { Roles: '<none>' },
  },
  {
    name: 'node addresses and node info fill the wide columns',
    printer: nodePrinter,
    obj: node({}, {}, {
      ...readyTrue,
      addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '172.18.0.2' }, { type: 'InternalIP', address: '172.18.0.9' }, { type: 'ExternalIP', address: '203.0.113.5' }],
      nodeInfo: { osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64', containerRuntimeVersion: 'containerd://1.7.13' },
    }),
    want: {
      'Internal-IP': '172.18.0.2',
      'External-IP': '203.0.113.5',
      'OS-Image': 'Debian GNU/Linux 12 (bookworm)',
      'Kernel-Version': '6.1.0-18-amd64',
      'Container-Runtime': 'containerd://1.7.13',
    },
  },
  {
    name: 'a node without addresses or node info prints <none> and <unknown>',
    printer: nodePrinter,
    obj: node({}, {}, readyTrue),
    want: { 'Internal-IP': '<none>', 'External-IP': '<none>', 'OS-Image': '<unknown>', 'Kernel-Version': '<unknown>', 'Container-Runtime': '<unknown>' },
  },
  {
    name: 'a configmap counts data and binaryData keys as a number',
    printer: configMapPrinter,
    obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', creationTimestamp: ago(1) }, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } },
    want: { Data: 3, Age: '60s' },
  },
  {
    name: 'an empty configmap has zero data',
    printer: configMapPrinter,
    obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', creationTimestamp: ago(1) } },
    want: { Data: 0 },
  },
  {
    name: 'a secret prints its type and data key count',
    printer: secretPrinter,
    obj: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', creationTimestamp: ago(1) }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'QQ==', 'tls.key': 'Qg==' } },
    want: { Type: 'kubernetes.io/tls', Data: 2 },
  },
  {
    name: 'an event prints ages, lower-case kind/name, source and trimmed message',
    printer: eventPrinter,
    obj: event({
      firstTimestamp: ago(10),
      lastTimestamp: ago(2),
      count: 4,
      message: '  Successfully assigned default/web to n1\n',
      source: { component: 'default-scheduler', host: 'cp-1' },
      involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
    }),
    want: {
      'Last Seen': '2m',
      Type: 'Normal',
      Reason: 'Scheduled',
      Object: 'pod/web',
      Subobject: 'spec.containers{app}',
      Source: 'default-scheduler, cp-1',
      Message: 'Successfully assigned default/web to n1',
      'First Seen': '10m',
      Count: 4,
      Name: 'web.17a',
    },
  },
  {
    name: 'an event without a last timestamp or count is seen once, at its first timestamp',
    printer: eventPrinter,
    obj: event({ firstTimestamp: ago(5), source: { component: 'kubelet' } }),
    want: { 'Last Seen': '5m', 'First Seen': '5m', Count: 1, Source: 'kubelet' },
  },
  {
    name: 'an events.k8s.io-style event uses eventTime, series and the reporting fields',
    printer: eventPrinter,
    obj: event({ eventTime: ago(30), series: { count: 7, lastObservedTime: ago(3) }, reportingComponent: 'kube-proxy', reportingInstance: 'n2' }),
    want: { 'Last Seen': '3m', 'First Seen': '30m', Count: 7, Source: 'kube-proxy, n2' },
  },
  {
    name: 'an event without any timestamp has an <unknown> age',
    printer: eventPrinter,
    obj: event({ involvedObject: { kind: 'Node' } }),
    want: { 'Last Seen': '<unknown>', 'First Seen': '<unknown>', Object: 'node' },
  },
];

for (const c of cases) {
  test(`cluster printers: ${c.name}`, () => {
    const got = cellsByName(c.printer, c.obj, NOW);
    for (const [column, want] of Object.entries(c.want)) assert.equal(got[column], want, `column ${column}`);
  });
}
