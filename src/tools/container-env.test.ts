// The Service environment variables against the rules of kubelet's pkg/kubelet/envvars/envvars.go (the cases of its
// envvars_test.go), and which Services a pod gets them for (kubelet_pods.go getServiceEnvVarMap).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../core/types.js';
import { containerEnvironment, expandReferences, serviceEnvironment, serviceVariables } from './container-env.js';

function service(name: string, namespace: string, clusterIP: string, ports: { name?: string; port: number; protocol?: string }[], extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { clusterIP, ports, ...extra } };
}

const pod = (namespace: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  status: { podIP: '10.244.1.7', hostIP: '172.18.0.3' },
});

test('serviceVariables: the names and values envvars.go FromServices makes', () => {
  const cases = [
    {
      name: 'one unnamed TCP port',
      svc: service('foo-bar', 'default', '1.2.3.4', [{ port: 8080, protocol: 'TCP' }]),
      want: [
        ['FOO_BAR_SERVICE_HOST', '1.2.3.4'],
        ['FOO_BAR_SERVICE_PORT', '8080'],
        ['FOO_BAR_PORT', 'tcp://1.2.3.4:8080'],
        ['FOO_BAR_PORT_8080_TCP', 'tcp://1.2.3.4:8080'],
        ['FOO_BAR_PORT_8080_TCP_PROTO', 'tcp'],
        ['FOO_BAR_PORT_8080_TCP_PORT', '8080'],
        ['FOO_BAR_PORT_8080_TCP_ADDR', '1.2.3.4'],
      ],
    },
    {
      name: 'two named ports: the first is the backwards-compatible one, each name gets _SERVICE_PORT_<NAME>',
      svc: service('abc-123', 'default', '5.6.7.8', [{ name: 'u-d-p', port: 8081, protocol: 'UDP' }, { name: 't-c-p', port: 8081, protocol: 'TCP' }]),
      want: [
        ['ABC_123_SERVICE_HOST', '5.6.7.8'],
        ['ABC_123_SERVICE_PORT', '8081'],
        ['ABC_123_SERVICE_PORT_U_D_P', '8081'],
        ['ABC_123_SERVICE_PORT_T_C_P', '8081'],
        ['ABC_123_PORT', 'udp://5.6.7.8:8081'],
        ['ABC_123_PORT_8081_UDP', 'udp://5.6.7.8:8081'],
        ['ABC_123_PORT_8081_UDP_PROTO', 'udp'],
        ['ABC_123_PORT_8081_UDP_PORT', '8081'],
        ['ABC_123_PORT_8081_UDP_ADDR', '5.6.7.8'],
        ['ABC_123_PORT_8081_TCP', 'tcp://5.6.7.8:8081'],
        ['ABC_123_PORT_8081_TCP_PROTO', 'tcp'],
        ['ABC_123_PORT_8081_TCP_PORT', '8081'],
        ['ABC_123_PORT_8081_TCP_ADDR', '5.6.7.8'],
      ],
    },
    {
      name: 'a protocol left out means TCP',
      svc: service('q', 'default', '9.8.7.6', [{ port: 8083 }]),
      want: [
        ['Q_SERVICE_HOST', '9.8.7.6'],
        ['Q_SERVICE_PORT', '8083'],
        ['Q_PORT', 'tcp://9.8.7.6:8083'],
        ['Q_PORT_8083_TCP', 'tcp://9.8.7.6:8083'],
        ['Q_PORT_8083_TCP_PROTO', 'tcp'],
        ['Q_PORT_8083_TCP_PORT', '8083'],
        ['Q_PORT_8083_TCP_ADDR', '9.8.7.6'],
      ],
    },
  ];
  for (const c of cases) assert.deepEqual(serviceVariables(c.svc), c.want, c.name);
});

test('serviceEnvironment: which Services a pod gets variables for', () => {
  const objects = [
    service('kubernetes', 'default', '10.96.0.1', [{ name: 'https', port: 443 }]),
    service('web', 'shop', '10.96.5.5', [{ port: 80 }]),
    service('db', 'other', '10.96.6.6', [{ port: 5432 }]),
    service('headless', 'shop', 'None', [{ port: 80 }]),
    service('ext', 'shop', '', [], { type: 'ExternalName', externalName: 'example.com' }),
  ];
  const names = (p: KubeObject) => [...new Set(serviceEnvironment(p, objects).map(([k]) => k.replace(/_(SERVICE|PORT).*$/, '')))];
  assert.deepEqual(names(pod('shop')), ['KUBERNETES', 'WEB'], 'own namespace and the master service; no headless, ExternalName or other namespaces');
  assert.deepEqual(names(pod('shop', { enableServiceLinks: false })), ['KUBERNETES'], 'enableServiceLinks: false still gets kubernetes');
  const shadow = [...objects, service('kubernetes', 'shop', '10.96.9.9', [{ port: 8443 }])];
  assert.equal(new Map(serviceEnvironment(pod('shop'), shadow)).get('KUBERNETES_SERVICE_HOST'), '10.96.9.9', "a Service named kubernetes in the pod's namespace wins");
  const sorted = serviceEnvironment(pod('shop'), objects).map(([k]) => k);
  assert.deepEqual(sorted, [...sorted].sort());
});

test('containerEnvironment: PATH, HOSTNAME, env with $(VAR) and valueFrom, Service variables, HOME', () => {
  const objects = [
    service('kubernetes', 'default', '10.96.0.1', [{ name: 'https', port: 443 }]),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data: { MODE: 'fast', LEVEL: '3' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec', namespace: 'shop' }, data: { TOKEN: Buffer.from('s3cret').toString('base64') } },
  ] as KubeObject[];
  const container = {
    name: 'c',
    image: 'busybox',
    envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
    env: [
      { name: 'API', value: 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)' },
      { name: 'LITERAL', value: '$$(NOT_EXPANDED) $(UNKNOWN)' },
      { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'MY_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'sec', key: 'TOKEN' } } },
    ],
  };
  const env = containerEnvironment(pod('shop'), container as never, objects, { path: '/bin' }, 'p');
  assert.deepEqual(env.slice(0, 2), [['PATH', '/bin'], ['HOSTNAME', 'p']]);
  const m = new Map(env);
  assert.equal(m.get('API'), 'https://10.96.0.1:443');
  assert.equal(m.get('LITERAL'), '$(NOT_EXPANDED) $(UNKNOWN)');
  assert.deepEqual([m.get('MY_IP'), m.get('MY_NS'), m.get('TOKEN'), m.get('CFG_MODE')], ['10.244.1.7', 'shop', 's3cret', 'fast']);
  assert.deepEqual(env[env.length - 1], ['HOME', '/root']);
  assert.equal(expandReferences('$(A)-$(B)', (n) => ({ A: 'x' })[n]), 'x-$(B)');
});
