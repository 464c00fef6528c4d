// SimDataPlane with traffic from outside and through nodes: NodePorts under both externalTrafficPolicies, load-balancer
// IPs and their source ranges, hostPorts, a pod dialling another node's NodePort, session affinity, nftables rejects.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../core/clock.js';
import type { KubeObject } from '../../core/types.js';
import { clusterFromYaml, find, list, TEST_NOW } from '../../testing/cluster.js';
import type { ConnectOutcome, ConnectRequest } from '../types.js';
import { SimDataPlane } from './sim-data-plane.js';
import { curlRequest } from './workloads/workload-fixtures.js';

const CLIENT = '192.168.1.10';

function app(name: string, node: string, extra = '', labels = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}${labels}}}
    spec:
      nodeSelector: {kubernetes.io/hostname: ${node}}
      containers:
      - name: netexec
        image: registry.k8s.io/e2e-test-images/agnhost:2.53
        args: [netexec, --http-port=8080]
        ports: [{containerPort: 8080${extra}}]
---
`;
}

function service(name: string, selector: string, type: string, extra = ''): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  type: ${type}
  selector: {${selector.includes(':') ? selector : `app: ${selector}`}}
  ports: [{port: 80, targetPort: 8080}]
${extra}---
`;
}

const yaml = (proxyMode = 'iptables') => `apiVersion: flatnet/v1alpha1
kind: ClusterConfig
metadata: {name: ext}
spec: {nodes: 3, proxyMode: ${proxyMode}}
---
${app('web', 'node-1', '', ', tier: pair')}${app('web2', 'node-2', '', ', tier: pair')}${app('hp', 'node-1', ', hostPort: 18080')}${service('np', 'web', 'NodePort')}${service('np-local', 'web', 'NodePort', '  externalTrafficPolicy: Local\n')}${service('lb', 'web', 'LoadBalancer')}${service('lb-local', 'web2', 'LoadBalancer', '  externalTrafficPolicy: Local\n')}${service('lb-ranges', 'web', 'LoadBalancer', '  loadBalancerSourceRanges: [10.0.0.0/8]\n')}${service('sticky', 'tier: pair', 'ClusterIP', '  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}\n')}apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeSelector: {kubernetes.io/hostname: node-2}
  containers:
  - {name: curl, image: 'curlimages/curl:8.8.0', command: [sleep, infinity]}
---
apiVersion: v1
kind: Pod
metadata: {name: locked, labels: {role: locked}}
spec:
  nodeSelector: {kubernetes.io/hostname: node-2}
  containers:
  - {name: curl, image: 'curlimages/curl:8.8.0', command: [sleep, infinity]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: no-egress}
spec:
  podSelector: {matchLabels: {role: locked}}
  policyTypes: [Egress]
`;

const cluster = clusterFromYaml(yaml());
const plane = (c = cluster, clock = new FixedClock(TEST_NOW)) => new SimDataPlane(c.objects, c.config, { clock });
const nodeIP = (name: string): string => find(cluster, 'Node', undefined, name).status.addresses.find((a: any) => a.type === 'InternalIP').address;
const svc = (name: string): KubeObject => find(cluster, 'Service', 'default', name);
const nodePort = (name: string): number => svc(name).spec.ports[0].nodePort;
const lbIP = (name: string): string => svc(name).status.loadBalancer.ingress[0].ip;
const podOf = (app: string): KubeObject => list(cluster, 'Pod', 'default').find((p) => p.metadata.labels?.app === app)!;
const external = (ip: string, port: number, entryNode?: string): ConnectRequest => ({ from: { kind: 'external', ip: CLIENT }, to: { ip, port }, protocol: 'TCP', ...(entryNode ? { entryNode } : {}) });

/** What the receiving program reports as its client (agnhost netexec /clientip), checked against delivered.conn. */
async function clientSeen(o: ConnectOutcome): Promise<string> {
  if (o.kind !== 'connected') assert.fail(`expected a connection, got ${o.kind} ${o.reason}: ${o.message}`);
  assert.equal(o.session.kind, 'http');
  if (o.session.kind !== 'http') return '';
  const res = await o.session.http(curlRequest('x', '/clientip'));
  const seen = res.body.toString().trim();
  assert.equal(seen, `${o.delivered.conn.source.ip}:${o.delivered.conn.source.port}`);
  return seen.slice(0, seen.lastIndexOf(':'));
}

test('external → NodePort (externalTrafficPolicy Cluster) on a node without the endpoint: the endpoint sees that node\'s IP', async () => {
  assert.equal(podOf('web').spec.nodeName, 'node-1');
  const out = plane().connect(external(nodeIP('node-2'), nodePort('np')));
  assert.equal(await clientSeen(out), nodeIP('node-2'));
  assert.match(out.hops.find((h) => h.stage === 'nat')!.summary, /masquerade/);
});

test('external → NodePort (externalTrafficPolicy Local) on the endpoint\'s node: the endpoint sees the client IP', async () => {
  assert.equal(await clientSeen(plane().connect(external(nodeIP('node-1'), nodePort('np-local')))), CLIENT);
});

test('external → NodePort (externalTrafficPolicy Local) on a node without a local endpoint is dropped (timeout, NO_ENDPOINTS)', () => {
  const out = plane().connect(external(nodeIP('node-2'), nodePort('np-local')));
  assert.deepEqual([out.kind, out.kind !== 'connected' && out.reason], ['timeout', 'NO_ENDPOINTS']);
  assert.match(out.hops[out.hops.length - 1].summary, /node node-2.*DROP/);
});

test('external → LoadBalancer IP enters at the first node the load balancer uses (not the excluded control plane) and is masqueraded', async () => {
  const out = plane().connect(external(lbIP('lb'), 80));
  assert.match(out.hops[0].summary, /enters the cluster at node node-1/);
  assert.equal(await clientSeen(out), nodeIP('node-1'));
});

test('external → LoadBalancer IP with externalTrafficPolicy Local enters at the node with the endpoint and keeps the client IP', async () => {
  assert.equal(podOf('web2').spec.nodeName, 'node-2');
  const out = plane().connect(external(lbIP('lb-local'), 80));
  assert.match(out.hops[0].summary, /at node node-2/);
  assert.equal(await clientSeen(out), CLIENT);
});

test('external → LoadBalancer IP from outside loadBalancerSourceRanges is dropped (SOURCE_RANGE_DENIED)', () => {
  const out = plane().connect(external(lbIP('lb-ranges'), 80));
  assert.deepEqual([out.kind, out.kind !== 'connected' && out.reason], ['timeout', 'SOURCE_RANGE_DENIED']);
  const inside = plane().connect({ ...external(lbIP('lb-ranges'), 80), from: { kind: 'external', ip: '10.1.2.3' } });
  assert.equal(inside.kind, 'connected');
});

test('hostPort: <nodeIP>:<hostPort> reaches the pod\'s containerPort with the client IP; another node has nothing there', async () => {
  const hp = podOf('hp');
  const out = plane().connect(external(nodeIP(hp.spec.nodeName), 18080));
  assert.equal(await clientSeen(out), CLIENT);
  if (out.kind === 'connected') assert.deepEqual(out.delivered.conn.destination, { ip: hp.status.podIP, port: 8080 });
  assert.match(out.hops.find((h) => h.stage === 'nat')!.summary, /hostPort 18080.*portmap/);
  const other = plane().connect(external(nodeIP('node-2'), 18080));
  assert.deepEqual([other.kind, other.kind !== 'connected' && other.reason], ['refused', 'PORT_UNREACHABLE']);
});

test("a pod dialling another node's IP:NodePort is routed there and matched by that node's rules", async () => {
  const client = find(cluster, 'Pod', 'default', 'client');
  assert.equal(client.spec.nodeName, 'node-2');
  const out = plane().connect({ from: { kind: 'pod', namespace: 'default', name: 'client' }, to: { ip: nodeIP('node-1'), port: nodePort('np-local') }, protocol: 'TCP' });
  const stages = out.hops.map((h) => `${h.stage}@${h.at}`);
  assert.deepEqual(stages.slice(0, 3), ['source@pod default/client', 'route@node node-2', 'service@node node-1']);
  // eTP Local short-circuits pod traffic to the cluster endpoints without masquerade.
  assert.equal(await clientSeen(out), client.status.podIP);
});

test('ClientIP session affinity keeps a client on its endpoint until affinityTimeoutSeconds pass', () => {
  const clock = new FixedClock(TEST_NOW);
  const dp = plane(cluster, clock);
  const to = { ip: svc('sticky').spec.clusterIP, port: 80 };
  const dial = () => {
    const o = dp.connect({ from: { kind: 'pod', namespace: 'default', name: 'client' }, to, protocol: 'TCP' });
    if (o.kind !== 'connected') assert.fail(`${o.kind}: ${o.message}`);
    return o.delivered.conn.destination.ip;
  };
  const first = dial();
  clock.advance(59_000);
  assert.equal(dial(), first);
  clock.advance(61_000);
  assert.notEqual(dial(), first);
});

const invalidPort = [
  { mode: 'iptables', want: 'timeout' },
  { mode: 'nftables', want: 'refused' },
  { mode: 'ipvs', want: 'refused' },
];
for (const c of invalidPort)
  test(`a ClusterIP on a port its Service lacks: ${c.want} under kube-proxy ${c.mode}`, () => {
    const cl = clusterFromYaml(yaml(c.mode));
    const out = plane(cl).connect({ from: { kind: 'pod', namespace: 'default', name: 'client' }, to: { ip: find(cl, 'Service', 'default', 'np').spec.clusterIP, port: 81 }, protocol: 'TCP' });
    assert.equal(out.kind, c.want);
    if (out.kind !== 'connected') assert.match(out.message, /Service default\/np, which has no port 81\/TCP/);
  });

test("a masqueraded connection is still subject to the source pod's egress policy (enforced before SNAT)", () => {
  // pod → its own node's NodePort under externalTrafficPolicy Cluster: kube-proxy masquerades it to the node.
  const out = plane().connect({ from: { kind: 'pod', namespace: 'default', name: 'locked' }, to: { ip: nodeIP('node-2'), port: nodePort('np') }, protocol: 'TCP' });
  assert.match(out.hops.find((h) => h.stage === 'nat')?.summary ?? '', /masquerade/);
  assert.deepEqual([out.kind, out.kind !== 'connected' && out.reason], ['timeout', 'POLICY_DENIED']);
  if (out.kind !== 'connected') assert.match(out.message, /egress \(NetworkPolicy default\/no-egress\)/);
});
