// Tests of the connectivity matrix: peer order and owners on a reconciled cluster, external segments cut at ipBlock
// boundaries, namespace filtering, node traffic, and the cells' connection sets with named ports resolved per pod.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterFromYaml, deploymentYaml } from '../testing/cluster.js';
import { formatConnectionSet } from './connection-set.js';
import { buildPolicyEngine, policyEngineFor } from './engine.js';
import { DEFAULT_POLICY_SETTINGS } from './settings.js';
import type { ConnectivityMatrix, MatrixPeer } from './types.js';
import { e2eWorld, podObject, policy } from './testdata/world.js';

const name = (p: MatrixPeer) => (p.kind === 'pod' ? `${p.namespace}/${p.name}` : `${p.first}-${p.last}`);
const cell = (m: ConnectivityMatrix, from: string, to: string) => formatConnectionSet(m.connections(m.peers.findIndex((p) => name(p) === from), m.peers.findIndex((p) => name(p) === to)));

const WORKLOADS = `${deploymentYaml('web', 2, { ns: 'shop', port: 8080, portName: 'http' })}apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: postgres, ports: [{containerPort: 5432, name: pg}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: bare, namespace: shop, labels: {app: bare}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: pg}]}]
`;

test('matrix peers are pods sorted by namespace/name with their top owner, then external segments', () => {
  const c = clusterFromYaml(WORKLOADS);
  const m = policyEngineFor(c).matrix({ namespaces: ['shop'] });
  const pods = m.peers.filter((p) => p.kind === 'pod');
  assert.deepEqual(
    pods.map((p) => [name(p), p.kind === 'pod' ? (p.ownerKind ?? '-') : '', p.kind === 'pod' ? (p.ownerName ?? '-') : '']),
    [
      ['shop/bare', '-', '-'],
      ['shop/db-0', 'StatefulSet', 'db'],
      ...pods.filter((p) => name(p).startsWith('shop/web-')).map((p) => [name(p), 'Deployment', 'web']),
    ],
  );
  assert.deepEqual(m.peers.slice(pods.length), [{ kind: 'external', first: '0.0.0.0', last: '255.255.255.255' }]);
  const web = name(pods[2]);
  assert.equal(cell(m, web, 'shop/db-0'), 'TCP 5432');
  assert.equal(cell(m, 'shop/bare', 'shop/db-0'), 'No Connections');
  assert.equal(cell(m, 'shop/db-0', web), 'All Connections');
  assert.equal(cell(m, '0.0.0.0-255.255.255.255', 'shop/db-0'), 'No Connections');
  assert.equal(cell(m, '0.0.0.0-255.255.255.255', web), 'All Connections');
});

test('a named port resolves per destination pod in matrix cells', () => {
  const objects = [
    ...e2eWorld(),
    podObject({ ns: 'y', name: 'w1', labels: { app: 'web' }, ip: '10.244.2.50', node: 'node-2', hostIP: '172.18.0.3', ports: [{ name: 'http', containerPort: 80 }] }),
    podObject({ ns: 'y', name: 'w2', labels: { app: 'web' }, ip: '10.244.2.51', node: 'node-2', hostIP: '172.18.0.3', ports: [{ name: 'http', containerPort: 8080 }] }),
    policy('y', 'http', 'podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: http}, {port: 53, protocol: UDP}]}]'),
  ];
  const m = buildPolicyEngine(objects, DEFAULT_POLICY_SETTINGS).matrix();
  assert.equal(cell(m, 'x/a', 'y/w1'), 'TCP 80,UDP 53');
  assert.equal(cell(m, 'x/a', 'y/w2'), 'TCP 8080,UDP 53');
});

test('external segments are cut at every ipBlock boundary and answer with ipBlock rules only', () => {
  const objects = [...e2eWorld(), policy('x', 'egress', 'podSelector: {}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}], ports: [{port: 443}]}]')];
  const m = buildPolicyEngine(objects, DEFAULT_POLICY_SETTINGS).matrix({ namespaces: ['x'] });
  assert.deepEqual(m.peers.filter((p) => p.kind === 'external').map(name), [
    '0.0.0.0-9.255.255.255',
    '10.0.0.0-10.0.255.255',
    '10.1.0.0-10.1.255.255',
    '10.2.0.0-10.255.255.255',
    '11.0.0.0-255.255.255.255',
  ]);
  assert.deepEqual(
    ['0.0.0.0-9.255.255.255', '10.0.0.0-10.0.255.255', '10.1.0.0-10.1.255.255', '10.2.0.0-10.255.255.255'].map((e) => cell(m, 'x/a', e)),
    ['No Connections', 'TCP 443', 'No Connections', 'TCP 443'],
  );
  assert.equal(cell(m, '10.0.0.0-10.0.255.255', '11.0.0.0-255.255.255.255'), 'No Connections');
});

test('a hostNetwork pod reaches pods on its own node in the matrix, others only through policy', () => {
  const objects = [...e2eWorld(), policy('y', 'deny', 'podSelector: {}\npolicyTypes: [Ingress]')];
  const m = buildPolicyEngine(objects, DEFAULT_POLICY_SETTINGS).matrix();
  assert.equal(cell(m, 'kube-system/agent-1', 'y/a'), 'All Connections');
  assert.equal(cell(m, 'kube-system/agent-1', 'y/b'), 'No Connections');
  assert.equal(cell(m, 'x/a', 'kube-system/agent-1'), 'All Connections');
});

test('under flannel every cell allows everything', () => {
  const objects = [...e2eWorld(), policy('y', 'deny', 'podSelector: {}\npolicyTypes: [Ingress, Egress]')];
  const m = buildPolicyEngine(objects, { ...DEFAULT_POLICY_SETTINGS, cni: 'flannel', enforced: false }).matrix();
  assert.equal(cell(m, 'x/a', 'y/a'), 'All Connections');
  assert.equal(cell(m, 'y/a', '0.0.0.0-255.255.255.255'), 'All Connections');
});
