// Tests of the EndpointSlice and Endpoints controllers: readiness, named ports, hostnames, slicing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterFromYaml, deploymentYaml, find, list, serviceYaml } from '../testing/cluster.js';

const slicesOf = (c: any, ns: string, svc: string) => list(c, 'EndpointSlice', ns).filter((s) => s.metadata.labels!['kubernetes.io/service-name'] === svc);

test('a selector Service gets an EndpointSlice with one ready endpoint per pod and the upstream labels', () => {
  const c = clusterFromYaml(deploymentYaml('web', 2, { port: 8080 }) + serviceYaml('web', { targetPort: 8080 }));
  const [slice, ...rest] = slicesOf(c, 'default', 'web');
  assert.equal(rest.length, 0);
  assert.equal(slice.addressType, 'IPv4');
  assert.equal(slice.metadata.labels!['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
  assert.match(slice.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(slice.ports, [{ name: '', port: 8080, protocol: 'TCP' }]);
  const pods = list(c, 'Pod', 'default');
  assert.deepEqual(
    slice.endpoints.map((e: any) => [e.addresses[0], e.conditions, e.nodeName, e.targetRef.name]),
    pods.map((p) => [p.status.podIP, { ready: true, serving: true, terminating: false }, p.spec.nodeName, p.metadata.name]),
  );
  const ep = find(c, 'Endpoints', 'default', 'web');
  assert.deepEqual(ep.subsets[0].addresses.map((a: any) => a.ip), pods.map((p) => p.status.podIP).sort());
  assert.deepEqual(ep.subsets[0].ports, [{ port: 8080, protocol: 'TCP' }]);
});

test('a named targetPort resolves per pod, and pods without that port name get no port', () => {
  const c = clusterFromYaml(
    deploymentYaml('a', 1, { port: 8080, portName: 'http', labels: { tier: 'web', v: 'a' } }) +
      deploymentYaml('b', 1, { port: 9090, portName: 'http', labels: { tier: 'web', v: 'b' } }) +
      deploymentYaml('c', 1, { port: 7070, labels: { tier: 'web', v: 'c' } }) +
      serviceYaml('web', { selector: { tier: 'web' }, targetPort: 'http' }),
  );
  const slices = slicesOf(c, 'default', 'web');
  const byPort = new Map(slices.map((s) => [JSON.stringify(s.ports), s.endpoints.map((e: any) => e.targetRef.name.split('-')[0])]));
  assert.deepEqual(
    new Map([...byPort.entries()].sort()),
    new Map(
      [
        [JSON.stringify([]), ['c']],
        [JSON.stringify([{ name: '', port: 8080, protocol: 'TCP' }]), ['a']],
        [JSON.stringify([{ name: '', port: 9090, protocol: 'TCP' }]), ['b']],
      ].sort() as [string, string[]][],
    ),
  );
});

const readinessCases = [
  { name: 'a pod marked not ready is not ready and not serving', annotations: "{flatnet.dev/ready: 'false'}", extra: '', want: { ready: false, serving: false, terminating: false }, inEndpoints: 'notReadyAddresses' },
  { name: 'publishNotReadyAddresses makes a not-ready pod ready', annotations: "{flatnet.dev/ready: 'false'}", extra: '  publishNotReadyAddresses: true', want: { ready: true, serving: false, terminating: false }, inEndpoints: 'addresses' },
  { name: 'a terminating pod is serving but not ready, and leaves v1 Endpoints', annotations: "{flatnet.dev/terminating: 'true'}", extra: '', want: { ready: false, serving: true, terminating: true }, inEndpoints: undefined },
];

for (const tc of readinessCases) {
  test(tc.name, () => {
    const c = clusterFromYaml(`apiVersion: v1
kind: Pod
metadata: {name: p, labels: {app: web}, annotations: ${tc.annotations}}
spec:
  containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]
---
` + serviceYaml('web', { extra: tc.extra }));
    const [slice] = slicesOf(c, 'default', 'web');
    assert.deepEqual(slice.endpoints[0].conditions, tc.want);
    const ep = find(c, 'Endpoints', 'default', 'web');
    if (tc.inEndpoints) assert.equal(ep.subsets[0][tc.inEndpoints][0].ip, find(c, 'Pod', 'default', 'p').status.podIP);
    else assert.equal(ep.subsets, undefined);
  });
}

test('more than 100 endpoints are split into slices of at most 100', () => {
  const c = clusterFromYaml(
    `apiVersion: flatnet/v1alpha1\nkind: ClusterConfig\nmetadata: {name: t}\nspec: {nodes: 4}\n---\n` + deploymentYaml('web', 250) + serviceYaml('web'),
  );
  const sizes = slicesOf(c, 'default', 'web').map((s) => s.endpoints.length).sort((a, b) => b - a);
  assert.deepEqual(sizes, [100, 100, 50]);
});

test('StatefulSet pods get hostnames in the slice of their governing headless Service', () => {
  const c = clusterFromYaml(`apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: postgres, ports: [{containerPort: 5432}]}]}
---
` + serviceYaml('db', { port: 5432, extra: '  clusterIP: None' }));
  const [slice] = slicesOf(c, 'default', 'db');
  assert.deepEqual(slice.endpoints.map((e: any) => e.hostname), ['db-0', 'db-1']);
  assert.equal(slice.metadata.labels!['service.kubernetes.io/headless'], '');
  assert.equal(find(c, 'Pod', 'default', 'db-0').spec.subdomain, 'db');
});

test('a Service with no matching pods keeps one empty placeholder slice', () => {
  const c = clusterFromYaml(serviceYaml('lonely'));
  const slices = slicesOf(c, 'default', 'lonely');
  assert.equal(slices.length, 1);
  assert.deepEqual([slices[0].endpoints, slices[0].ports], [[], null]);
  assert.equal(find(c, 'Endpoints', 'default', 'lonely').subsets, undefined);
});

test('Endpoints of a selector-less Service are the user\'s, mirrored into an EndpointSlice', () => {
  const c = clusterFromYaml(`apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {ports: [{port: 5432}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: ext}
subsets: [{addresses: [{ip: 192.0.2.10}], ports: [{port: 5432}]}]
`);
  const [slice] = slicesOf(c, 'default', 'ext');
  assert.equal(slice.metadata.labels!['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  assert.deepEqual(slice.endpoints[0].addresses, ['192.0.2.10']);
  assert.equal(find(c, 'Endpoints', 'default', 'ext').subsets[0].addresses[0].ip, '192.0.2.10');
});

test('default/kubernetes points at the control plane on 6443', () => {
  const c = clusterFromYaml('');
  assert.deepEqual(find(c, 'Endpoints', 'default', 'kubernetes').subsets, [{ addresses: [{ ip: '172.18.0.2' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
});

test('v1 Endpoints leave out pods that resolve none of the Service\'s ports, as the endpoints controller does', () => {
  const c = clusterFromYaml(
    deploymentYaml('a', 1, { port: 8080, portName: 'http', labels: { tier: 'web', v: 'a' } }) +
      deploymentYaml('c', 1, { port: 7070, labels: { tier: 'web', v: 'c' } }) +
      serviceYaml('web', { selector: { tier: 'web' }, targetPort: 'http' }),
  );
  const ep = find(c, 'Endpoints', 'default', 'web');
  assert.equal(ep.subsets.length, 1);
  assert.deepEqual(ep.subsets[0].addresses.map((x: any) => x.targetRef.name.split('-')[0]), ['a']);
});
