// Table-driven tests of the allocation rules: node ranges, pod IPs, scheduling, Service IPs and ports.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterConfigYaml, clusterFromYaml, inputErrorsOf, deploymentYaml, find, list, serviceYaml } from '../testing/cluster.js';



test('nodes get podCIDRs in config order and InternalIPs from .2 of the node network', () => {
  const c = clusterFromYaml('');
  const rows = list(c, 'Node').map((n) => [n.metadata.name, n.spec.podCIDR, n.status.addresses[0].address]);
  assert.deepEqual(rows, [
    ['control-plane', '10.244.0.0/24', '172.18.0.2'],
    ['node-1', '10.244.1.0/24', '172.18.0.3'],
    ['node-2', '10.244.2.0/24', '172.18.0.4'],
  ]);
  assert.deepEqual(find(c, 'Node', undefined, 'control-plane').spec.taints, [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
});

test('a node count makes a control plane and workers; a single node is schedulable', () => {
  const five = clusterFromYaml(clusterConfigYaml('  nodes: 5'));
  assert.deepEqual(list(five, 'Node').map((n) => n.metadata.name), ['control-plane', 'node-1', 'node-2', 'node-3', 'node-4']);
  const one = clusterFromYaml(clusterConfigYaml('  nodes: 1') + deploymentYaml('web', 2));
  assert.ok(list(one, 'Pod', 'default').every((p) => p.spec.nodeName === 'control-plane' && p.status.phase === 'Running'));
});

test('pod IPs avoid the network, gateway and broadcast addresses and stay inside the node range', () => {
  const c = clusterFromYaml(clusterConfigYaml('  nodes: 2\n  nodeCIDRMaskSize: 28') + deploymentYaml('web', 13));
  const pods = list(c, 'Pod', 'default');
  const ips = pods.filter((p) => p.status.podIP).map((p) => p.status.podIP);
  assert.equal(ips.length, 13, 'a /28 holds 16 addresses, 13 usable');
  assert.equal(new Set(ips).size, 13);
  for (const ip of ips) {
    const last = Number(ip.split('.')[3]);
    assert.ok(ip.startsWith('10.244.0.') && last >= 18 && last <= 30, `${ip} is a usable address of node-1's 10.244.0.16/28`);
  }
});

test('a full podCIDR leaves the extra pod ContainerCreating with the CNI error', () => {
  const c = clusterFromYaml(clusterConfigYaml('  nodes: 1\n  nodeCIDRMaskSize: 29') + deploymentYaml('web', 6));
  const pending = list(c, 'Pod', 'default').filter((p) => !p.status.podIP);
  assert.equal(pending.length, 1);
  assert.equal(pending[0].status.phase, 'Pending');
  assert.equal(pending[0].status.containerStatuses[0].state.waiting.reason, 'ContainerCreating');
  assert.match(pending[0].status.message, /no IP addresses available in range set: 10\.244\.0\.0\/29/);
  assert.ok(c.warnings.some((w) => w.includes('is full')));
});

test('hostNetwork pods get their node IP', () => {
  const c = clusterFromYaml('');
  const proxies = list(c, 'Pod', 'kube-system').filter((p) => p.metadata.name.startsWith('kube-proxy-'));
  assert.equal(proxies.length, 3, 'kube-proxy runs on every node, the tainted control plane included');
  for (const p of proxies) assert.equal(p.status.podIP, p.status.hostIP);
});

test('replicas of a Deployment spread over the schedulable workers, never the tainted control plane', () => {
  const c = clusterFromYaml(deploymentYaml('web', 4));
  const nodes = list(c, 'Pod', 'default').map((p) => p.spec.nodeName).sort();
  assert.deepEqual(nodes, ['node-1', 'node-1', 'node-2', 'node-2']);
});

const schedulingCases = [
  {
    name: 'a nodeSelector no node matches leaves the pod Pending with the scheduler message',
    spec: 'nodeSelector: {disk: ssd}',
    want: "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
  },
  {
    name: 'a pod tolerating the control-plane taint with a matching nodeSelector lands on the control plane',
    spec: "nodeSelector: {node-role.kubernetes.io/control-plane: ''}\n  tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]",
    wantNode: 'control-plane',
  },
  {
    name: 'spec.nodeName binds directly',
    spec: 'nodeName: node-2',
    wantNode: 'node-2',
  },
  {
    name: 'required node affinity on the hostname label is honoured',
    spec: 'affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [node-1]}]}]}}}',
    wantNode: 'node-1',
  },
];

for (const tc of schedulingCases) {
  test(tc.name, () => {
    const c = clusterFromYaml(`apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  ${tc.spec}
  containers: [{name: c, image: nginx}]
`);
    const pod = find(c, 'Pod', 'default', 'p');
    if (tc.want) {
      assert.equal(pod.status.phase, 'Pending');
      assert.equal(pod.spec.nodeName, undefined);
      assert.equal(pod.status.conditions[0].reason, 'Unschedulable');
      assert.equal(pod.status.conditions[0].message, tc.want);
    } else {
      assert.equal(pod.spec.nodeName, tc.wantNode);
      assert.equal(pod.status.phase, 'Running');
    }
  });
}

test('the kubernetes and kube-dns Services sit at the first service IP and the DNS IP', () => {
  const c = clusterFromYaml('');
  assert.equal(find(c, 'Service', 'default', 'kubernetes').spec.clusterIP, '10.96.0.1');
  const dns = find(c, 'Service', 'kube-system', 'kube-dns');
  assert.equal(dns.spec.clusterIP, '10.96.0.10');
  assert.deepEqual(dns.spec.ports.map((p: any) => `${p.port}/${p.protocol}`), ['53/UDP', '53/TCP', '9153/TCP']);
});

const serviceCases = [
  { name: 'a dynamic ClusterIP comes from the upper band of the service CIDR', svc: serviceYaml('a'), check: (s: any) => {
      assert.match(s.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\./);
      assert.ok(!s.spec.clusterIP.startsWith('10.96.0.'), 'the lowest 256 addresses are the static band');
    },
  },
  { name: 'an explicit ClusterIP is honoured', svc: serviceYaml('a', { extra: '  clusterIP: 10.96.5.5' }), check: (s: any) => assert.deepEqual(s.spec.clusterIPs, ['10.96.5.5']) },
  { name: 'clusterIP None makes a headless Service', svc: serviceYaml('a', { extra: '  clusterIP: None' }), check: (s: any) => assert.deepEqual([s.spec.clusterIP, s.spec.clusterIPs], ['None', ['None']]) },
  { name: 'a NodePort Service gets a node port inside the range', svc: serviceYaml('a', { type: 'NodePort' }), check: (s: any) => assert.ok(s.spec.ports[0].nodePort >= 30000 && s.spec.ports[0].nodePort <= 32767) },
  {
    name: 'a LoadBalancer gets node ports and an address from the pool',
    svc: serviceYaml('a', { type: 'LoadBalancer' }),
    check: (s: any) => {
      assert.ok(s.spec.ports[0].nodePort >= 30000);
      assert.match(s.status.loadBalancer.ingress[0].ip, /^127\.1\.0\.([1-9]\d?|1\d\d|2[0-4]\d|25[0-4])$/);
    },
  },
  {
    name: 'a LoadBalancer with externalTrafficPolicy Local also gets a health-check node port',
    svc: serviceYaml('a', { type: 'LoadBalancer', extra: '  externalTrafficPolicy: Local' }),
    check: (s: any) => assert.ok(s.spec.healthCheckNodePort >= 30000 && s.spec.healthCheckNodePort !== s.spec.ports[0].nodePort),
  },
  {
    name: 'an ExternalName Service gets no ClusterIP',
    svc: 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: ExternalName, externalName: db.example.com}\n',
    check: (s: any) => assert.equal(s.spec.clusterIP, undefined),
  },
];

for (const tc of serviceCases) test(tc.name, () => tc.check(find(clusterFromYaml(tc.svc), 'Service', 'default', 'a')));

const serviceErrorCases = [
  {
    name: 'a ClusterIP outside the service CIDR is rejected naming the range',
    yaml: serviceYaml('a', { extra: '  clusterIP: 10.0.0.5' }),
    want: 'test.yaml doc 1: Service default/a: spec.clusterIPs[0]: Invalid value: "10.0.0.5": failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
  },
  {
    name: 'a ClusterIP already held is rejected naming the holder',
    yaml: serviceYaml('a', { extra: '  clusterIP: 10.96.0.10' }),
    want: 'test.yaml doc 1: Service default/a: spec.clusterIPs[0]: Invalid value: "10.96.0.10": failed to allocate IP 10.96.0.10: provided IP is already allocated to Service kube-system/kube-dns',
  },
  {
    name: 'a node port outside the range is rejected naming the range',
    yaml: serviceYaml('a', { type: 'NodePort', extra: '    nodePort: 8080' }),
    want: 'test.yaml doc 1: Service default/a: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767',
  },
  {
    name: 'a node port used twice is rejected naming the first holder',
    yaml: serviceYaml('a', { type: 'NodePort', extra: '    nodePort: 30080' }) + serviceYaml('b', { type: 'NodePort', extra: '    nodePort: 30080' }),
    want: 'test.yaml doc 2: Service default/b: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated to Service default/a',
  },
];

for (const tc of serviceErrorCases) test(tc.name, () => assert.deepEqual(inputErrorsOf(tc.yaml), [tc.want]));

test('cluster config errors name both values', () => {
  const errs = inputErrorsOf(clusterConfigYaml('  podCIDR: 10.96.0.0/16\n  dnsServiceIP: 10.200.0.10\n  nodeCIDRMaskSize: 8'));
  assert.deepEqual(errs, [
    'test.yaml doc 1: ClusterConfig t: spec.nodeCIDRMaskSize: Invalid value: 8: must not be shorter than the prefix of spec.podCIDR "10.96.0.0/16"',
    'test.yaml doc 1: ClusterConfig t: spec.serviceCIDR: Invalid value: "10.96.0.0/12": overlaps spec.podCIDR "10.96.0.0/16": node, pod, service and load-balancer ranges must not overlap',
    'test.yaml doc 1: ClusterConfig t: spec.dnsServiceIP: Invalid value: "10.200.0.10": must be inside spec.serviceCIDR "10.96.0.0/12"',
  ]);
});

test('more nodes than the podCIDR has node ranges is an error per node, never a shared or outside range', () => {
  const node = (n: string) => `apiVersion: v1\nkind: Node\nmetadata: {name: ${n}}\n---\n`;
  const errs = inputErrorsOf(clusterConfigYaml('  nodes: 1\n  nodeCIDRMaskSize: 17') + node('a') + node('b') + node('c'));
  assert.deepEqual(errs, [
    'test.yaml doc 3: Node b: spec.podCIDR: Invalid value: null: no free /17 range left in the cluster podCIDR 10.244.0.0/16 for 4 nodes (CIDRNotAvailable)',
    'test.yaml doc 4: Node c: spec.podCIDR: Invalid value: null: no free /17 range left in the cluster podCIDR 10.244.0.0/16 for 4 nodes (CIDRNotAvailable)',
  ]);
});

test('a ClusterConfig under a mistyped flatnet apiVersion is rejected, not ignored', () => {
  const errs = inputErrorsOf('apiVersion: flatnet.dev/v1alpha1\nkind: ClusterConfig\nmetadata: {name: t}\nspec: {nodes: 3}\n');
  assert.deepEqual(errs, ['test.yaml doc 1: ClusterConfig t: apiVersion: Unsupported value: "flatnet.dev/v1alpha1": supported values: "flatnet/v1alpha1"']);
});

test('a ClusterConfig spec that is not an object is one error', () => {
  assert.deepEqual(inputErrorsOf('apiVersion: flatnet/v1alpha1\nkind: ClusterConfig\nmetadata: {name: t}\nspec: abc\n'), [
    'test.yaml doc 1: ClusterConfig t: spec: Invalid value: "abc": must be of type object',
  ]);
});

test('full nodes report that preemption found no victims, unlike nodes preemption cannot help', () => {
  const c = clusterFromYaml(clusterConfigYaml('  nodes: 2') + deploymentYaml('web', 112));
  const pending = list(c, 'Pod', 'default').filter((p) => p.status.phase === 'Pending');
  assert.equal(pending.length, 112 - 110 + 2, 'node-1 holds 110 pods minus the two DaemonSet pods on it');
  assert.equal(
    pending[0].status.conditions[0].message,
    '0/2 nodes are available: 1 Too many pods, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
  );
});
