// Resolving connection references (pods, workloads, Services, IPs, ports) and validating ConnectivityTest documents,
// against the demo cluster; no policy engine involved.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, InputError } from '../core/errors.js';
import { parseManifests } from '../core/manifests.js';
import { clusterFromYaml, REPO_ROOT } from '../testing/cluster.js';
import { parseConnectivityTests, resolveConnectivityTests } from './connectivity-test.js';
import { parseReference, ReferenceIndex, resolveConnection } from './references.js';

const demoDir = join(REPO_ROOT, 'examples/demo');
const demoYaml = readdirSync(demoDir)
  .filter((f) => f.endsWith('.yaml') && f !== 'connectivity-tests.yaml')
  .map((f) => readFileSync(join(demoDir, f), 'utf8'))
  .join('\n---\n');
const demo = clusterFromYaml(demoYaml);
const index = new ReferenceIndex(demo.objects);

const BACKEND_0 = 'production/backend-6d8fcc97bf-4dvpg';

test('parseReference reads every written form', () => {
  const cases = [
    { text: 'web-1', want: { kind: 'object', objectKind: 'Pod', namespace: 'dev', name: 'web-1' } },
    { text: 'prod/web-1', want: { kind: 'object', objectKind: 'Pod', namespace: 'prod', name: 'web-1' } },
    { text: 'prod/deploy/web', want: { kind: 'object', objectKind: 'Deployment', namespace: 'prod', name: 'web' } },
    { text: 'prod/deployment/web', want: { kind: 'object', objectKind: 'Deployment', namespace: 'prod', name: 'web' } },
    { text: 'prod/sts/db', want: { kind: 'object', objectKind: 'StatefulSet', namespace: 'prod', name: 'db' } },
    { text: 'prod/ds/agent', want: { kind: 'object', objectKind: 'DaemonSet', namespace: 'prod', name: 'agent' } },
    { text: 'prod/rs/web-abc', want: { kind: 'object', objectKind: 'ReplicaSet', namespace: 'prod', name: 'web-abc' } },
    { text: 'prod/pod/web-1', want: { kind: 'object', objectKind: 'Pod', namespace: 'prod', name: 'web-1' } },
    { text: 'prod/svc/web', want: { kind: 'object', objectKind: 'Service', namespace: 'prod', name: 'web' } },
    { text: 'prod/service/web', want: { kind: 'object', objectKind: 'Service', namespace: 'prod', name: 'web' } },
    { text: '203.0.113.9', want: { kind: 'ip', ip: '203.0.113.9' } },
  ];
  for (const c of cases) assert.deepEqual(parseReference(c.text, 'dev'), c.want, c.text);
});

test('parseReference explains malformed text', () => {
  const cases = [
    { text: 'prod/configmap/x', want: /^unknown kind "configmap": use/ },
    { text: 'prod//x', want: /^not a reference/ },
    { text: 'a/b/c/d', want: /^too many "\/"/ },
  ];
  for (const c of cases) assert.match(parseReference(c.text, 'dev') as string, c.want, c.text);
});

const resolveCases = [
  {
    name: 'a Deployment resolves to its first pod by name, following ReplicaSet ownership',
    input: { from: 'production/deploy/frontend', to: 'production/deploy/backend', port: 8080 },
    want: { from: 'production/frontend-8545b95d86-nlq6t', to: BACKEND_0, port: 8080 },
  },
  {
    name: 'a bare pod name takes the default namespace given',
    input: { from: 'frontend-8545b95d86-nlq6t', to: 'backend-6d8fcc97bf-sv4pk', port: 'http' },
    want: { from: 'production/frontend-8545b95d86-nlq6t', to: 'production/backend-6d8fcc97bf-sv4pk', port: 'http' },
    namespace: 'production',
  },
  {
    name: 'a Service destination becomes a ready backend and its targetPort',
    input: { from: 'production/deploy/frontend', to: 'production/svc/backend', port: 'http' },
    want: { from: 'production/frontend-8545b95d86-nlq6t', to: BACKEND_0, port: 8080, service: 'backend' },
  },
  {
    name: 'a Service port maps to a different targetPort',
    input: { from: 'default/pod1', to: 'default/svc/my-api', port: 80 },
    want: { from: 'default/pod1', to: 'default/my-api-66d4b66986-4j48n', port: 8080, service: 'my-api' },
  },
  {
    name: 'a StatefulSet and a ReplicaSet resolve to their pods',
    input: { from: 'default/sts/my-statefulset', to: 'production/rs/backend-6d8fcc97bf', port: 8080 },
    want: { from: 'default/my-statefulset-0', to: BACKEND_0, port: 8080 },
  },
  {
    name: 'a pod IP is that pod, and an outside address stays an address',
    input: { from: '203.0.113.9', to: '10.244.1.227', port: 8080 },
    want: { from: '203.0.113.9', to: BACKEND_0, port: 8080 },
  },
  {
    name: 'a ClusterIP destination goes through its Service',
    input: { from: 'default/pod2', to: 'CLUSTER_IP', port: 6379 },
    want: { from: 'default/pod2', to: 'cache/redis-79b8cf58f-j6hw7', port: 6379, service: 'redis' },
  },
];

const redisIP = demo.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'redis')!.spec.clusterIP as string;

for (const tc of resolveCases) {
  test(`resolveConnection: ${tc.name}`, () => {
    const to = tc.input.to === 'CLUSTER_IP' ? redisIP : tc.input.to;
    const r = resolveConnection(index, { ...tc.input, to, protocol: 'TCP' }, tc.namespace ?? 'default');
    assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
    const c = r.connection;
    assert.deepEqual(
      { from: c.from.display, to: c.to.display, port: c.query.port, service: c.to.service?.name },
      { service: undefined, ...tc.want },
    );
  });
}

const issueCases = [
  { name: 'an unknown pod', input: { from: 'production/nope', to: 'production/deploy/backend', port: 8080 }, want: [['from', 'no pod "nope" in namespace "production"']] },
  { name: 'an unknown namespace', input: { from: 'prod/x', to: 'production/deploy/backend', port: 8080 }, want: [['from', 'no namespace "prod"']] },
  {
    name: 'a kind written as a namespace gets a hint',
    input: { from: 'deploy/frontend', to: 'production/deploy/backend', port: 8080 },
    want: [['from', 'no namespace "deploy"; to name a Deployment write <ns>/deploy/frontend']],
  },
  { name: 'an unknown workload', input: { from: 'production/deploy/nope', to: 'production/deploy/backend', port: 8080 }, want: [['from', 'no Deployment "nope" in namespace "production"']] },
  { name: 'a Service as a source', input: { from: 'production/svc/backend', to: 'production/deploy/backend', port: 8080 }, want: [['from', 'a Service cannot be a source: name a pod or workload (<ns>/deploy/<name>)']] },
  {
    name: 'a port name the destination does not declare',
    input: { from: 'production/deploy/frontend', to: 'production/deploy/backend', port: 'htp' },
    want: [['port', 'pod production/backend-6d8fcc97bf-4dvpg declares no container port named "htp" (it declares: http 8080/TCP)']],
  },
  {
    name: 'a Service port that does not exist',
    input: { from: 'production/deploy/frontend', to: 'production/svc/backend', port: 80 },
    want: [['port', 'Service production/backend has no port 80/TCP (it has: http 8080/TCP)']],
  },
  {
    name: 'a port name towards an outside address',
    input: { from: 'production/deploy/frontend', to: '203.0.113.9', port: 'http' },
    want: [['port', 'a port name needs a pod to resolve it, and 203.0.113.9 is no pod\'s IP']],
  },
  {
    name: 'both ends wrong at once',
    input: { from: 'production/a', to: 'production/b', port: 8080 },
    want: [['from', 'no pod "a" in namespace "production"'], ['to', 'no pod "b" in namespace "production"']],
  },
  { name: 'a port out of range', input: { from: 'production/deploy/frontend', to: 'production/deploy/backend', port: 70000 }, want: [['port', 'must be between 1 and 65535, inclusive']] },
];

for (const tc of issueCases) {
  test(`resolveConnection reports ${tc.name}`, () => {
    const r = resolveConnection(index, { ...tc.input, protocol: 'TCP' }, 'default');
    assert.ok(!r.ok);
    assert.deepEqual(r.issues.map((i) => [i.field, i.detail]), tc.want);
  });
}

test('a Service with no ready endpoints is an error that says why', () => {
  const c = clusterFromYaml(`apiVersion: v1
kind: Service
metadata: {name: lonely, namespace: default}
spec: {selector: {app: nobody}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default}
spec: {containers: [{name: c, image: busybox}]}
`);
  const r = resolveConnection(new ReferenceIndex(c.objects), { from: 'client', to: 'default/svc/lonely', port: 80, protocol: 'TCP' }, 'default');
  assert.ok(!r.ok);
  assert.deepEqual(r.issues, [{ field: 'to', value: 'default/svc/lonely', detail: 'Service default/lonely has no ready endpoints for port 80: its selector matches no running pod' }]);
});

function testsFrom(yaml: string) {
  const { docs, problems } = parseManifests(yaml, 'tests.yaml');
  assert.deepEqual(problems, []);
  return parseConnectivityTests(docs);
}

test('ConnectivityTest validation reports every problem with file, doc, test, field and value', () => {
  const { problems } = testsFrom(`apiVersion: flatnet/v1alpha1
kind: ConnectivityTest
metadata: {name: bad}
spec:
  cases:
  - {from: a/b, to: c/d, port: 80, expect: allowed}
  - {from: a/b, port: 0, protocol: ICMP, expect: maybe}
  - {from: 7, to: c/d, port: [80], expected: denied}
  - {from: a/b, to: c/d, port: "HTTP", expect: denied}
---
apiVersion: flatnet/v1alpha1
kind: ConnectivityTest
metadata: {name: empty}
spec: {}
`);
  assert.deepEqual(problems.map(formatProblem), [
    'tests.yaml doc 1: ConnectivityTest bad: spec.cases[1].to: Required value: the destination: <ns>/<pod>, <ns>/<kind>/<name>, <ns>/svc/<name> or an IP',
    'tests.yaml doc 1: ConnectivityTest bad: spec.cases[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'tests.yaml doc 1: ConnectivityTest bad: spec.cases[1].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
    'tests.yaml doc 1: ConnectivityTest bad: spec.cases[1].expect: Unsupported value: "maybe": supported values: "allowed", "denied"',
    'tests.yaml doc 1: ConnectivityTest bad: spec.cases[2].expected: Invalid value: "denied": unknown field "expected"; known fields: from, to, port, protocol, expect',
    'tests.yaml doc 1: ConnectivityTest bad: spec.cases[2].from: Invalid value: 7: must be of type string',
    'tests.yaml doc 1: ConnectivityTest bad: spec.cases[2].port: Invalid value: [80]: must be of type integer or string',
    'tests.yaml doc 1: ConnectivityTest bad: spec.cases[2].expect: Required value: allowed or denied',
    'tests.yaml doc 1: ConnectivityTest bad: spec.cases[3].port: Invalid value: "HTTP": not a port number, and not a port name: must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), must contain at least one letter (a-z)',
    'tests.yaml doc 2: ConnectivityTest empty: spec.cases: Required value: at least one case (or a truth table in spec.truthTables)',
  ]);
});

test('truth tables become one case per checked cell, rows from and columns to', () => {
  const { tests, problems } = testsFrom(`apiVersion: flatnet/v1alpha1
kind: ConnectivityTest
metadata: {name: table}
spec:
  truthTables:
  - port: 80
    protocol: UDP
    pods: [x/a, x/b]
    rows: |
      - X
      . #
`);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    tests[0].cases.map((c) => [c.field, c.from, c.to, c.port, c.protocol, c.expect]),
    [
      ['spec.truthTables[0].rows[0][1]', 'x/a', 'x/b', 80, 'UDP', 'denied'],
      ['spec.truthTables[0].rows[1][0]', 'x/b', 'x/a', 80, 'UDP', 'allowed'],
    ],
  );
});

test('truth table problems name the table, row and cell', () => {
  const { problems } = testsFrom(`apiVersion: flatnet/v1alpha1
kind: ConnectivityTest
metadata: {name: tables}
spec:
  truthTables:
  - {port: 80, pods: [x/a, x/b], rows: "- X"}
  - {port: 80, pods: [x/a, x/b], rows: ["- X", ". o"]}
  - {port: 80, pods: [x/a, x/b], rows: ["- X", ". - ."]}
  - {pods: [], rows: ""}
`);
  assert.deepEqual(problems.map(formatProblem), [
    'tests.yaml doc 1: ConnectivityTest tables: spec.truthTables[0].rows: Invalid value: "- X": has 1 row(s); want 2, one per pod',
    'tests.yaml doc 1: ConnectivityTest tables: spec.truthTables[1].rows[1][1]: Invalid value: "o": must be . (allowed), X (blocked), or - # ? (not checked)',
    'tests.yaml doc 1: ConnectivityTest tables: spec.truthTables[2].rows[1]: Invalid value: ". - .": has 3 cell(s); want 2, one per pod',
    'tests.yaml doc 1: ConnectivityTest tables: spec.truthTables[3].port: Required value: a port number or a port name',
    'tests.yaml doc 1: ConnectivityTest tables: spec.truthTables[3].pods: Required value: the pods of the rows and columns, in order',
  ]);
});

test('a truth table pod that does not resolve is reported once, at its place in pods', () => {
  const { tests } = testsFrom(`apiVersion: flatnet/v1alpha1
kind: ConnectivityTest
metadata: {name: table}
spec:
  truthTables:
  - port: 8080
    pods: [production/deploy/frontend, production/deploy/nope]
    rows: |
      - .
      X -
`);
  assert.throws(
    () => resolveConnectivityTests(tests, index),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.deepEqual(e.problems.map(formatProblem), [
        'tests.yaml doc 1: ConnectivityTest table: spec.truthTables[0].pods[1]: Invalid value: "production/deploy/nope": no Deployment "nope" in namespace "production"',
      ]);
      return true;
    },
  );
});

test('a workload without pods is an error saying so', () => {
  const c = clusterFromYaml(`apiVersion: apps/v1
kind: Deployment
metadata: {name: idle, namespace: default}
spec:
  replicas: 0
  selector: {matchLabels: {app: idle}}
  template:
    metadata: {labels: {app: idle}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default}
spec: {containers: [{name: c, image: busybox}]}
`);
  const r = resolveConnection(new ReferenceIndex(c.objects), { from: 'client', to: 'default/deploy/idle', port: 80, protocol: 'TCP' }, 'default');
  assert.ok(!r.ok);
  assert.deepEqual(r.issues, [{ field: 'to', value: 'default/deploy/idle', detail: 'Deployment default/idle has no pods' }]);
});

test('an unresolvable reference in a ConnectivityTest names the test and the case', () => {
  const { tests, problems } = testsFrom(`apiVersion: flatnet/v1alpha1
kind: ConnectivityTest
metadata: {name: walkthrough}
spec:
  cases:
  - {from: production/deploy/frontend, to: production/deploy/backend, port: 8080, expect: allowed}
  - {from: production/deploy/frontend, to: production/svc/nope, port: 8080, expect: allowed}
`);
  assert.deepEqual(problems, []);
  assert.throws(
    () => resolveConnectivityTests(tests, index),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.deepEqual(e.problems.map(formatProblem), [
        'tests.yaml doc 1: ConnectivityTest walkthrough: spec.cases[1].to: Invalid value: "production/svc/nope": no Service "nope" in namespace "production"',
      ]);
      return true;
    },
  );
});

test('a ConnectivityTest namespace completes bare pod names, and a quoted number is a number', () => {
  const { tests, problems } = testsFrom(`apiVersion: flatnet/v1alpha1
kind: ConnectivityTest
metadata: {name: t, namespace: production}
spec:
  cases:
  - {from: frontend-8545b95d86-nlq6t, to: backend-6d8fcc97bf-4dvpg, port: "8080", expect: allowed}
`);
  assert.deepEqual(problems, []);
  const [rc] = resolveConnectivityTests(tests, index);
  assert.deepEqual([rc.connection.from.display, rc.connection.to.display, rc.connection.query.port], ['production/frontend-8545b95d86-nlq6t', BACKEND_0, 8080]);
});
