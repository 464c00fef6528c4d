// The proxy model: endpoint categorisation exactly as pkg/proxy/topology.go CategorizeEndpoints decides it, the
// Service-port view kube-proxy builds from Services and EndpointSlices, incremental updates, and unknown nodes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidr } from '../core/ip.js';
import type { KubeObject } from '../core/types.js';
import { categorizeEndpoints } from './categorize.js';
import { fixtureModel, TEST_NODE } from '../testing/proxy-fixtures.js';
import { buildProxyModel, UnknownNodeError } from './model.js';
import type { ProxyEndpoint, ProxyServicePort } from './types.js';

function ep(ip: string, node: string, c: Partial<Pick<ProxyEndpoint, 'ready' | 'serving' | 'terminating'>> = {}): ProxyEndpoint {
  return { ip, port: 80, address: `${ip}:80`, nodeName: node, ready: c.ready ?? true, serving: c.serving ?? true, terminating: c.terminating ?? false };
}

function port(p: Partial<ProxyServicePort>): ProxyServicePort {
  return { namespace: 'ns', name: 's', portName: 'p', servicePortName: 'ns/s:p', protocol: 'tcp', clusterIP: '172.30.0.1', port: 80, nodePort: 0, externalIPs: [], loadBalancerIPs: [], loadBalancerSourceRanges: [], healthCheckNodePort: 0, internalPolicyLocal: false, externalPolicyLocal: false, externallyAccessible: false, endpoints: [], ...p };
}

const here = 'test-node';
const addrs = (es: ProxyEndpoint[]) => es.map((e) => e.ip);

// Cases restated from upstream's TestCategorizeEndpoints (pkg/proxy/topology_test.go), without topology hints.
const cases = [
  { name: 'Cluster policy uses every ready endpoint and no local set', p: port({ endpoints: [ep('10.1.2.3', here), ep('10.1.2.4', 'other')] }), want: { cluster: ['10.1.2.3', '10.1.2.4'], local: [], all: ['10.1.2.3', '10.1.2.4'], hasAny: true } },
  { name: 'not-ready endpoints are left out while any is ready', p: port({ endpoints: [ep('10.1.2.3', here, { ready: false, serving: true, terminating: true }), ep('10.1.2.4', 'other')] }), want: { cluster: ['10.1.2.4'], local: [], all: ['10.1.2.4'], hasAny: true } },
  { name: 'with none ready, serving+terminating endpoints are used', p: port({ endpoints: [ep('10.1.2.3', here, { ready: false, terminating: true }), ep('10.1.2.4', 'other', { ready: false, serving: false, terminating: true })] }), want: { cluster: ['10.1.2.3'], local: [], all: ['10.1.2.3'], hasAny: true } },
  { name: 'not-ready, not-terminating endpoints are never used', p: port({ endpoints: [ep('10.1.2.3', here, { ready: false, serving: false })] }), want: { cluster: [], local: [], all: [], hasAny: false } },
  { name: 'iTP Local uses only local endpoints and no cluster set', p: port({ internalPolicyLocal: true, endpoints: [ep('10.1.2.3', here), ep('10.1.2.4', 'other')] }), want: { cluster: [], local: ['10.1.2.3'], all: ['10.1.2.3'], hasAny: true } },
  { name: 'iTP Local with no local endpoint still knows endpoints exist elsewhere', p: port({ internalPolicyLocal: true, endpoints: [ep('10.1.2.4', 'other')] }), want: { cluster: [], local: [], all: [], hasAny: true } },
  { name: 'eTP Local keeps cluster endpoints for short-circuiting', p: port({ externalPolicyLocal: true, externallyAccessible: true, nodePort: 30000, endpoints: [ep('10.1.2.3', here), ep('10.1.2.4', 'other')] }), want: { cluster: ['10.1.2.3', '10.1.2.4'], local: ['10.1.2.3'], all: ['10.1.2.3', '10.1.2.4'], hasAny: true } },
  { name: 'eTP Local falls back to a local terminating endpoint independently of cluster', p: port({ externalPolicyLocal: true, externallyAccessible: true, nodePort: 30000, endpoints: [ep('10.1.2.3', here, { ready: false, terminating: true }), ep('10.1.2.4', 'other')] }), want: { cluster: ['10.1.2.4'], local: ['10.1.2.3'], all: ['10.1.2.3', '10.1.2.4'], hasAny: true } },
];

for (const c of cases)
  test(`categorize: ${c.name}`, () => {
    const r = categorizeEndpoints(c.p, here);
    assert.deepEqual({ cluster: addrs(r.cluster), local: addrs(r.local), all: addrs(r.all), hasAny: r.hasAny }, c.want);
  });

test('endpoints are sorted by ip:port as strings, so 10.0.0.10 comes before 10.0.0.2', () => {
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.2' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' }, spec: { clusterIP: '172.30.0.1', ports: [{ port: 80 }] } },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's-b', namespace: 'ns', labels: { 'kubernetes.io/service-name': 's' } }, addressType: 'IPv4', ports: [{ port: 80, protocol: 'TCP' }], endpoints: [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.10'], conditions: { ready: false } }] },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's-a', namespace: 'ns', labels: { 'kubernetes.io/service-name': 's' } }, addressType: 'IPv4', ports: [{ port: 80, protocol: 'TCP' }], endpoints: [{ addresses: ['10.0.0.10'] }] },
  ];
  const m = buildProxyModel(objects, { podCIDR: parseCidr('10.0.0.0/8')! });
  const [p] = m.servicePorts();
  assert.equal(p.servicePortName, 'ns/s');
  assert.deepEqual(p.endpoints.map((e) => [e.address, e.ready]), [['10.0.0.10:80', true], ['10.0.0.2:80', true]], 'de-duplicated, the ready copy wins');
});

test('headless, ExternalName and other-proxy Services are skipped', () => {
  const svc = (name: string, spec: object, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns', ...(labels ? { labels } : {}) }, spec });
  const m = buildProxyModel(
    [svc('headless', { clusterIP: 'None', ports: [{ port: 80 }] }), svc('ext', { type: 'ExternalName', externalName: 'example.com' }), svc('other', { clusterIP: '172.30.0.9', ports: [{ port: 80 }] }, { 'service.kubernetes.io/service-proxy-name': 'x' }), svc('kept', { clusterIP: '172.30.0.8', ports: [{ port: 80 }] })],
    { podCIDR: parseCidr('10.0.0.0/8')! },
  );
  assert.deepEqual(m.serviceKeys(), ['ns/kept']);
});

test('apply re-derives only the touched Services and views follow', () => {
  const m = fixtureModel('clusterip-three-endpoints');
  const view = m.forNode(TEST_NODE);
  const before = view.servicePortsOf('ns3/svc3')[0];
  const slice: KubeObject = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'svc3-abc', namespace: 'ns3', labels: { 'kubernetes.io/service-name': 'svc3' } }, addressType: 'IPv4', ports: [{ name: 'p80', port: 80, protocol: 'TCP' }], endpoints: [{ addresses: ['10.0.3.1'], conditions: { ready: false, serving: false }, nodeName: TEST_NODE }, { addresses: ['10.0.3.2'], nodeName: 'other-node' }] };
  assert.deepEqual(m.apply({ upsert: [slice] }), ['ns3/svc3']);
  const after = view.servicePortsOf('ns3/svc3')[0];
  assert.notEqual(after, before);
  assert.deepEqual(addrs(after.clusterEndpoints), ['10.0.3.2']);
  const d = view.choose({ sourceIP: '10.0.1.9', protocol: 'tcp', destinationIP: '172.30.0.43', destinationPort: 80 });
  assert.equal(d.verdict, 'dnat');
});

test('forNode on an unknown node throws UnknownNodeError naming the cluster\'s nodes', () => {
  const m = fixtureModel('nodeport');
  assert.throws(() => m.forNode('nope'), (e: unknown) => e instanceof UnknownNodeError && e.message === 'node "nope" not found; the cluster\'s nodes are: test-node, other-node');
});

test('choose reports REJECT, DROP and pass-through with reasons', () => {
  const view = fixtureModel('internal-traffic-policy-local').forNode(TEST_NODE);
  const drop = view.choose({ sourceIP: '10.0.1.9', protocol: 'tcp', destinationIP: '172.30.0.49', destinationPort: 80 });
  assert.deepEqual([drop.verdict, drop.reason], ['drop', 'ns9/svc9 has no local endpoints']);
  const none = view.choose({ sourceIP: '10.0.1.9', protocol: 'udp', destinationIP: '172.30.0.49', destinationPort: 80 });
  assert.equal(none.verdict, 'none');
  const reject = fixtureModel('no-endpoints').forNode(TEST_NODE).choose({ sourceIP: '10.0.1.9', protocol: 'tcp', destinationIP: '172.30.0.46', destinationPort: 80 });
  assert.deepEqual([reject.verdict, reject.reason], ['reject', 'ns6/svc6:p80 has no endpoints']);
});
