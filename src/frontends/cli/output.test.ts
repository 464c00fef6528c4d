// Unit tests for formatTable and formatObjects: hand-computed tabwriter alignment, decorations and object output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../core/types.js';
import type { Table, TableRow } from '../../printers/table.js';
import { formatObjects, formatTable, type FormatTableOptions } from './output.js';

const col = (name: string, priority = 0, format = '') => ({ name, type: 'string', format, description: '', priority });
const row = (cells: (string | number)[], namespace?: string, labels?: Record<string, string>): TableRow => ({
  cells,
  object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: String(cells[0]), namespace, labels } },
});
const table = (columns: ReturnType<typeof col>[], rows: TableRow[]): Table => ({
  kind: 'Table',
  apiVersion: 'meta.k8s.io/v1',
  metadata: {},
  columnDefinitions: columns,
  rows,
});

// Widths: each column is max(6, widest cell + 3); the last column is unpadded.
const pods = table(
  [col('Name', 0, 'name'), col('Ready'), col('Status'), col('Age'), col('IP', 1), col('Nominated Node', 1)],
  [row(['web-7d4b9c-x2v9q', '1/1', 'Running', '5m', '10.244.1.7', '<none>'], 'default', { app: 'web', tier: 'front' }), row(['db', '0/1', 'Pending', '30s', '<none>', '<none>'], 'prod')],
);

const tableCases: { name: string; table: Table; opts: FormatTableOptions; want: string[] }[] = [
  {
    name: 'columns are as wide as their widest cell plus three, headers upper-cased, wide columns hidden',
    table: pods,
    opts: { wide: false, withNamespace: false },
    want: ['NAME               READY   STATUS    AGE', 'web-7d4b9c-x2v9q   1/1     Running   5m', 'db                 0/1     Pending   30s'],
  },
  {
    name: 'wide shows priority-1 columns and upper-cases multi-word names',
    table: pods,
    opts: { wide: true, withNamespace: false },
    want: [
      'NAME               READY   STATUS    AGE   IP           NOMINATED NODE',
      'web-7d4b9c-x2v9q   1/1     Running   5m    10.244.1.7   <none>',
      'db                 0/1     Pending   30s   <none>       <none>',
    ],
  },
  {
    name: 'withNamespace puts a NAMESPACE column first, from each row object',
    table: pods,
    opts: { wide: false, withNamespace: true },
    want: [
      'NAMESPACE   NAME               READY   STATUS    AGE',
      'default     web-7d4b9c-x2v9q   1/1     Running   5m',
      'prod        db                 0/1     Pending   30s',
    ],
  },
  {
    name: 'the kind prefix goes on the name column',
    table: pods,
    opts: { wide: false, withNamespace: false, kindPrefix: 'pod' },
    want: ['NAME                   READY   STATUS    AGE', 'pod/web-7d4b9c-x2v9q   1/1     Running   5m', 'pod/db                 0/1     Pending   30s'],
  },
  {
    name: 'showLabels appends sorted labels, <none> without any',
    table: pods,
    opts: { wide: false, withNamespace: false, showLabels: true },
    want: [
      'NAME               READY   STATUS    AGE   LABELS',
      'web-7d4b9c-x2v9q   1/1     Running   5m    app=web,tier=front',
      'db                 0/1     Pending   30s   <none>',
    ],
  },
  {
    name: 'noHeaders prints only the rows, aligned among themselves',
    table: pods,
    opts: { wide: false, withNamespace: false, noHeaders: true },
    want: ['web-7d4b9c-x2v9q   1/1   Running   5m', 'db                 0/1   Pending   30s'],
  },
  {
    name: 'short columns are padded to the minimum width of six',
    table: table([col('Name', 0, 'name'), col('Data'), col('Age')], [row(['a', 1, '5m'])]),
    opts: { wide: false, withNamespace: false },
    want: ['NAME   DATA   AGE', 'a      1      5m'],
  },
  {
    name: 'a cluster-scoped row gets an empty namespace cell',
    table: table([col('Name', 0, 'name'), col('Status')], [row(['n1', 'Ready']), row(['n2', 'NotReady'], 'x')]),
    opts: { wide: false, withNamespace: true },
    want: ['NAMESPACE   NAME   STATUS', '            n1     Ready', 'x           n2     NotReady'],
  },
  {
    name: 'an empty last cell leaves the padding of the column before it, as kubectl does',
    table: table([col('Name', 0, 'name'), col('Version')], [row(['node-b', ''])]),
    opts: { wide: false, withNamespace: false },
    want: ['NAME     VERSION', 'node-b   '],
  },
  {
    name: 'a cell is cut at its first line break with "..." and terminal escapes are neutralised',
    table: table([col('Name', 0, 'name'), col('Message')], [row(['e\x1b[31m', 'first line\nsecond line'])]),
    opts: { wide: false, withNamespace: false },
    want: ['NAME      MESSAGE', 'e^[[31m   first line...'],
  },
  {
    name: 'a row without an object gets empty namespace and no labels',
    table: table([col('Name', 0, 'name')], [{ cells: ['x'] }]),
    opts: { wide: false, withNamespace: true, showLabels: true },
    want: ['NAMESPACE   NAME   LABELS', '            x'],
  },
];

for (const c of tableCases) {
  test(`formatTable: ${c.name}`, () => {
    assert.equal(formatTable(c.table, c.opts), c.want.map((l) => `${l}\n`).join(''));
  });
}

test('formatTable: a table without rows prints nothing, not even headers', () => {
  assert.equal(formatTable(table([col('Name', 0, 'name')], []), { wide: false, withNamespace: false }), '');
});

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] },
};
const deploy: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' } };
const slice: KubeObject = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-x1' }, addressType: 'IPv4' };

test('formatObjects: several objects as YAML form a v1 List with an empty resourceVersion', () => {
  const want = [
    'apiVersion: v1',
    'items:',
    '- apiVersion: v1',
    '  kind: Pod',
    '  metadata:',
    '    labels:',
    '      app: web',
    '    name: web',
    '    namespace: default',
    '  spec:',
    '    containers:',
    '    - image: nginx',
    '      name: web',
    '      ports:',
    '      - containerPort: 80',
    '- apiVersion: apps/v1',
    '  kind: Deployment',
    '  metadata:',
    '    name: web',
    '    namespace: default',
    'kind: List',
    'metadata:',
    '  resourceVersion: ""',
    '',
  ].join('\n');
  assert.equal(formatObjects([pod, deploy], 'yaml', { single: false }), want);
});

test('formatObjects: one object asked for by name prints alone', () => {
  assert.equal(formatObjects([deploy], 'yaml', { single: true }), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\n');
});

test('formatObjects: one object from a list query is still a List', () => {
  assert.match(formatObjects([deploy], 'yaml', { single: false }), /^apiVersion: v1\nitems:\n- apiVersion: apps\/v1\n/);
});

test('formatObjects: no objects as YAML is an empty List', () => {
  assert.equal(formatObjects([], 'yaml', { single: false }), 'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n');
});

test('formatObjects: JSON is indented four spaces with sorted keys and a final newline', () => {
  const want = [
    '{',
    '    "apiVersion": "v1",',
    '    "items": [',
    '        {',
    '            "apiVersion": "apps/v1",',
    '            "kind": "Deployment",',
    '            "metadata": {',
    '                "name": "web",',
    '                "namespace": "default"',
    '            }',
    '        }',
    '    ],',
    '    "kind": "List",',
    '    "metadata": {',
    '        "resourceVersion": ""',
    '    }',
    '}',
    '',
  ].join('\n');
  assert.equal(formatObjects([deploy], 'json', { single: false }), want);
});

test('formatObjects: -o name qualifies core, apps and discovery kinds', () => {
  assert.equal(formatObjects([pod, deploy, slice], 'name', { single: false }), 'pod/web\ndeployment.apps/web\nendpointslice.discovery.k8s.io/web-x1\n');
});

test('formatObjects: -o name uses the given qualifier', () => {
  assert.equal(formatObjects([pod], 'name', { single: true }, () => 'po'), 'po/web\n');
});
