// Cilium's service load balancer over the proxy fixtures: the frontend table (`cilium-dbg service list`, exact text
// with Go tabwriter's trailing padding; which frontends exist with and without the replacement; backend sets under
// Local traffic policies; HostPorts) and the decision per hook (socket-LB, the BPF NodePort path, the lxc path).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureModel, fixtureObjects, TEST_NODE } from '../../../testing/proxy-fixtures.js';
import type { NodeProxyView } from '../../model.js';
import { buildProxyModel } from '../../model.js';
import { parseCidr } from '../../../core/ip.js';
import { chooseCilium, ciliumContext, type CiliumDecision } from './choose.js';
import type { CiliumHook } from './maps.js';
import { ciliumHostPorts, ciliumServiceTable, findFrontend, serviceList } from './service-table.js';

const view = (fixture: string): NodeProxyView => fixtureModel(fixture).forNode(TEST_NODE);
const table = (fixture: string, kubeProxyReplacement = true) => ciliumServiceTable(view(fixture), { kubeProxyReplacement, hostPorts: [] });
const rows = (fixture: string, kubeProxyReplacement = true) => table(fixture, kubeProxyReplacement).map((f) => `${f.id} ${f.frontend} ${f.type} [${f.backends.map((b) => `${b.id}=${b.address}`).join(' ')}]`);

test('service list: the exact text, tabwriter-padded like cilium-dbg (minwidth 5, padding 3, every cell tab-terminated)', () => {
  assert.equal(
    serviceList(table('nodeport')),
    [
      'ID   Frontend               Service Type   Backend                           ',
      '1    172.30.0.43:80/TCP     ClusterIP      1 => 10.180.0.1:80/TCP (active)   ',
      '                                           2 => 10.180.1.1:80/TCP (active)   ',
      '2    0.0.0.0:3003/TCP       NodePort       1 => 10.180.0.1:80/TCP (active)   ',
      '                                           2 => 10.180.1.1:80/TCP (active)   ',
      '3    192.168.0.2:3003/TCP   NodePort       1 => 10.180.0.1:80/TCP (active)   ',
      '                                           2 => 10.180.1.1:80/TCP (active)   ',
      '',
    ].join('\n'),
  );
});

test('service list: a frontend without backends keeps its (empty, padded) Backend cell', () => {
  const text = serviceList(table('no-endpoints'));
  const line = text.split('\n')[1];
  assert.match(line, /^1 {4}\S+:\d+\/TCP +ClusterIP +$/);
});

const tables = [
  {
    name: 'the replacement adds external IPs, the NodePort wildcard and node address, and LB IPs; eTP Local frontends hold this node\'s backends only',
    fixture: 'external-traffic-policy-local',
    want: [
      '1 172.30.0.42:80/TCP ClusterIP [1=10.180.0.2:80/TCP]',
      '2 192.168.99.22:80/TCP ExternalIPs []',
      '3 0.0.0.0:3001/TCP NodePort []',
      '4 192.168.0.2:3001/TCP NodePort []',
      '5 1.2.3.4:80/TCP LoadBalancer []',
      '6 172.30.0.48:80/TCP ClusterIP [2=10.180.0.8:80/TCP 3=10.180.1.8:80/TCP]',
      '7 0.0.0.0:3008/TCP NodePort [2=10.180.0.8:80/TCP]',
      '8 192.168.0.2:3008/TCP NodePort [2=10.180.0.8:80/TCP]',
      '9 9.10.11.12:80/TCP LoadBalancer [2=10.180.0.8:80/TCP]',
    ],
  },
  {
    name: 'without the replacement Cilium programs cluster IPs only (its per-packet balancing); kube-proxy does the rest',
    fixture: 'external-traffic-policy-local',
    kpr: false,
    want: ['1 172.30.0.42:80/TCP ClusterIP [1=10.180.0.2:80/TCP]', '2 172.30.0.48:80/TCP ClusterIP [2=10.180.0.8:80/TCP 3=10.180.1.8:80/TCP]'],
  },
];

for (const c of tables) test(`table: ${c.name}`, () => assert.deepEqual(rows(c.fixture, c.kpr ?? true), c.want));

test('table: iTP Local cluster IPs hold node-local backends, and backend IDs are shared across frontends by address', () => {
  const t = table('internal-traffic-policy-local');
  for (const f of t.filter((x) => x.type === 'ClusterIP' && x.servicePort?.internalPolicyLocal)) {
    const local = new Set(f.servicePort!.endpoints.filter((e) => e.nodeName === TEST_NODE).map((e) => `${e.address}/TCP`));
    assert.ok(f.backends.every((b) => local.has(b.address)), `${f.frontend} holds only ${TEST_NODE}'s backends`);
  }
  const ids = new Map<string, number>();
  for (const b of t.flatMap((f) => f.backends)) {
    if (ids.has(b.address)) assert.equal(ids.get(b.address), b.id);
    ids.set(b.address, b.id);
  }
});

test('hostPorts: running non-hostNetwork pods on the node, wildcard and node address, or only hostIP when set', () => {
  const pod = (name: string, node: string, port: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns' },
    spec: { nodeName: node, containers: [{ name: 'c', ports: [{ containerPort: 80, ...port }] }], ...extra },
    status: { phase: 'Running', podIP: `10.0.1.${name.length}` },
  });
  const objects = [
    ...fixtureObjects('clusterip-one-endpoint'),
    pod('a', TEST_NODE, { hostPort: 8080 }),
    pod('bb', TEST_NODE, { hostPort: 9090, protocol: 'UDP', hostIP: '192.168.0.2' }),
    pod('ccc', 'other-node', { hostPort: 7070 }),
    pod('dddd', TEST_NODE, { hostPort: 6060 }, { hostNetwork: true }),
  ];
  const hostPorts = ciliumHostPorts(objects as never, TEST_NODE);
  assert.deepEqual(hostPorts, [
    { protocol: 'TCP', hostPort: 8080, podIP: '10.0.1.1', containerPort: 80 },
    { protocol: 'UDP', hostPort: 9090, hostIP: '192.168.0.2', podIP: '10.0.1.2', containerPort: 80 },
  ]);
  const t = ciliumServiceTable(buildProxyModel(objects as never, { podCIDR: parseCidr('10.0.0.0/8')! }).forNode(TEST_NODE), { kubeProxyReplacement: true, hostPorts });
  assert.deepEqual(
    t.filter((f) => f.type === 'HostPort').map((f) => `${f.frontend} ${f.backends.map((b) => b.address).join(',')}`),
    ['0.0.0.0:8080/TCP 10.0.1.1:80/TCP', '192.168.0.2:8080/TCP 10.0.1.1:80/TCP', '192.168.0.2:9090/UDP 10.0.1.2:80/UDP'],
  );
  assert.equal(findFrontend(t, '192.168.0.3', 8080, 'tcp')?.frontend, '0.0.0.0:8080/TCP', 'other addresses fall back to the wildcard');
});

type Want = { verdict: string; endpoints?: string[]; masquerade?: boolean[]; reason?: RegExp };
const decide = (fixture: string, hook: CiliumHook, sourceIP: string, [dst, port, protocol = 'tcp']: [string, number, ('tcp' | 'udp')?], hostNamespace = false): CiliumDecision =>
  chooseCilium({ sourceIP, protocol, destinationIP: dst, destinationPort: port }, hook, ciliumContext(view(fixture)), hostNamespace);

const decisions: { name: string; fixture: string; hook: CiliumHook; from: string; to: [string, number, ('tcp' | 'udp')?]; hostNamespace?: boolean; want: Want }[] = [
  { name: 'socket: a pod to a cluster IP takes every backend, nothing masqueraded', fixture: 'nodeport', hook: 'socket', from: '10.0.1.5', to: ['172.30.0.43', 80], want: { verdict: 'dnat', endpoints: ['10.180.0.1', '10.180.1.1'], masquerade: [false, false] } },
  { name: "socket: another node's address and a NodePort match the wildcard", fixture: 'nodeport', hook: 'socket', from: '10.0.1.5', to: ['192.168.0.3', 3003], want: { verdict: 'dnat', endpoints: ['10.180.0.1', '10.180.1.1'] } },
  { name: 'socket: 127.0.0.1 and a NodePort match from the node\'s namespace', fixture: 'nodeport', hook: 'socket', from: '192.168.0.2', to: ['127.0.0.1', 3003], hostNamespace: true, want: { verdict: 'dnat', masquerade: [false, false] } },
  { name: "socket: 127.0.0.1 from a pod is the pod's own loopback", fixture: 'nodeport', hook: 'socket', from: '10.0.1.5', to: ['127.0.0.1', 3003], want: { verdict: 'none' } },
  { name: 'socket: eTP Local does not narrow backends for in-cluster clients', fixture: 'external-traffic-policy-local', hook: 'socket', from: '10.0.1.5', to: ['192.168.0.2', 3008], want: { verdict: 'dnat', endpoints: ['10.180.0.8', '10.180.1.8'] } },
  { name: 'socket: no backends fails connect() (reject)', fixture: 'no-endpoints', hook: 'socket', from: '10.0.1.5', to: ['172.30.0.46', 80], want: { verdict: 'reject', reason: /has no backends/ } },
  { name: 'socket: loadBalancerSourceRanges are ignored in the cluster', fixture: 'loadbalancer-source-ranges', hook: 'socket', from: '10.0.1.5', to: ['5.6.7.8', 80], want: { verdict: 'dnat' } },
  { name: 'device: NodePort, eTP Cluster: SNAT only towards the other node\'s backend', fixture: 'nodeport', hook: 'device', from: '203.0.113.1', to: ['192.168.0.2', 3003], want: { verdict: 'dnat', endpoints: ['10.180.0.1', '10.180.1.1'], masquerade: [false, true] } },
  { name: 'device: eTP Local keeps the client address', fixture: 'external-traffic-policy-local', hook: 'device', from: '203.0.113.1', to: ['192.168.0.2', 3008], want: { verdict: 'dnat', endpoints: ['10.180.0.8'], masquerade: [false] } },
  { name: 'device: eTP Local without a local backend drops', fixture: 'external-traffic-policy-local', hook: 'device', from: '203.0.113.1', to: ['192.168.0.2', 3001], want: { verdict: 'drop' } },
  { name: 'device: no backends drops (DROP_NO_SERVICE), never rejects', fixture: 'no-endpoints', hook: 'device', from: '203.0.113.1', to: ['192.168.0.2', 3007, 'udp'], want: { verdict: 'drop', reason: /DROP_NO_SERVICE/ } },
  { name: 'device: a cluster IP is not served to outside clients', fixture: 'nodeport', hook: 'device', from: '203.0.113.1', to: ['172.30.0.43', 80], want: { verdict: 'none', reason: /bpf\.lbExternalClusterIP/ } },
  { name: 'device: loadBalancerSourceRanges drop outside clients not in range, admit those in it', fixture: 'loadbalancer-source-ranges', hook: 'device', from: '198.51.100.1', to: ['5.6.7.8', 80], want: { verdict: 'drop', reason: /outside loadBalancerSourceRanges/ } },
  { name: 'device: a client inside loadBalancerSourceRanges gets through', fixture: 'loadbalancer-source-ranges', hook: 'device', from: '203.0.113.1', to: ['5.6.7.8', 80], want: { verdict: 'dnat', endpoints: ['10.180.0.3'], masquerade: [true] } },
  { name: 'lxc: only cluster IPs are balanced; a NodePort is left to kube-proxy', fixture: 'nodeport', hook: 'lxc', from: '10.0.1.5', to: ['192.168.0.2', 3003], want: { verdict: 'none', reason: /left to kube-proxy|leaves it to kube-proxy/ } },
  { name: 'lxc: a backend reaching itself is masqueraded (service loopback address)', fixture: 'nodeport', hook: 'lxc', from: '10.180.0.1', to: ['172.30.0.43', 80], want: { verdict: 'dnat', masquerade: [true, false] } },
  { name: 'lxc: no backends drops', fixture: 'no-endpoints', hook: 'lxc', from: '10.0.1.5', to: ['172.30.0.46', 80], want: { verdict: 'drop', reason: /DROP_NO_SERVICE/ } },
];

for (const c of decisions)
  test(`decide: ${c.name}`, () => {
    const d = decide(c.fixture, c.hook, c.from, c.to, c.hostNamespace);
    assert.equal(d.verdict, c.want.verdict, d.reason);
    assert.equal(d.hook, c.hook);
    if (c.want.reason) assert.match(d.reason, c.want.reason);
    if (d.verdict !== 'dnat') return;
    if (c.want.endpoints) assert.deepEqual(d.candidates.map((x) => x.endpoint.ip), c.want.endpoints);
    if (c.want.masquerade) assert.deepEqual(d.candidates.map((x) => x.masquerade), c.want.masquerade);
  });
