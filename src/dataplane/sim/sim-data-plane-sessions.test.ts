// SimDataPlane sessions and sockets beyond plain HTTP: RESP streams and UDP datagrams through Services, the HTTP
// override hook, hostNetwork listeners on node addresses, node sources, and a 10,000-pod cluster.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../core/clock.js';
import { NotFoundError } from '../../core/errors.js';
import type { KubeObject } from '../../core/types.js';
import { clusterFromYaml, demoYaml, deploymentYaml, find, list, serviceYaml, TEST_NOW } from '../../testing/cluster.js';
import type { ConnectOutcome, HttpResponse } from '../types.js';
import { SimDataPlane } from './sim-data-plane.js';
import { curlRequest } from './workloads/workload-fixtures.js';

const demo = clusterFromYaml(demoYaml());
const clock = () => new FixedClock(TEST_NOW);
const podNamed = (ns: string, prefix: string): KubeObject => list(demo, 'Pod', ns).find((p) => p.metadata.name.startsWith(prefix))!;
const fromPod = (p: KubeObject) => ({ kind: 'pod' as const, namespace: p.metadata.namespace!, name: p.metadata.name });

function connected(o: ConnectOutcome): Extract<ConnectOutcome, { kind: 'connected' }> {
  if (o.kind !== 'connected') assert.fail(`expected a connection, got ${o.kind} ${o.reason}: ${o.message}`);
  return o;
}

test('a stream session through the redis Service answers PING with +PONG', async () => {
  const dp = new SimDataPlane(demo.objects, demo.config, { clock: clock() });
  const out = connected(dp.connect({ from: fromPod(podNamed('default', 'debug')), to: { ip: find(demo, 'Service', 'cache', 'redis').spec.clusterIP, port: 6379 }, protocol: 'TCP' }));
  assert.equal(out.session.kind, 'stream');
  if (out.session.kind !== 'stream') return;
  const reply = await out.session.send(Buffer.from('PING\r\n'));
  assert.equal(reply.data.toString(), '+PONG\r\n');
  assert.equal(out.delivered.pod?.name, podNamed('cache', 'redis').metadata.name);
});

test('a UDP datagram session to agnhost netexec answers "echo hi"', async () => {
  const dp = new SimDataPlane(demo.objects, demo.config, { clock: clock() });
  const api = podNamed('default', 'my-api');
  const out = connected(dp.connect({ from: fromPod(podNamed('default', 'debug')), to: { ip: api.status.podIP, port: 8081 }, protocol: 'UDP' }));
  assert.equal(out.session.kind, 'datagram');
  if (out.session.kind !== 'datagram') return;
  assert.equal((await out.session.datagram(Buffer.from('echo hi')))?.toString(), 'hi');
});

test('httpOverride answers in place of the emulated workload on the pod and port it claims, and only there', async () => {
  const nginx = podNamed('default', 'pod2');
  const seen: string[] = [];
  const dp = new SimDataPlane(demo.objects, demo.config, {
    clock: clock(),
    httpOverride: (pod, port) =>
      pod.metadata.name === nginx.metadata.name && port === 80
        ? async (req, conn): Promise<HttpResponse> => {
            seen.push(`${conn.source.ip} ${req.target}`);
            return { version: 'HTTP/1.1', status: 418, reason: "I'm a teapot", headers: [], body: Buffer.from('proxy') };
          }
        : undefined,
  });
  const client = podNamed('default', 'debug');
  const out = connected(dp.connect({ from: fromPod(client), to: { ip: nginx.status.podIP, port: 80 }, protocol: 'TCP' }));
  if (out.session.kind !== 'http') assert.fail('an HTTP session');
  const res = await out.session.http(curlRequest('x', '/hello'));
  assert.deepEqual([res.status, res.body.toString(), seen], [418, 'proxy', [`${client.status.podIP} /hello`]]);
  const other = podNamed('default', 'my-statefulset-0');
  const plain = connected(dp.connect({ from: fromPod(client), to: { ip: other.status.podIP, port: 80 }, protocol: 'TCP' }));
  if (plain.session.kind !== 'http') assert.fail('an HTTP session');
  assert.equal((await plain.session.http(curlRequest('x', '/'))).status, 200);
});

test("a node address with no NodePort or hostPort reaches the hostNetwork pods' sockets on that node", async () => {
  const cluster = clusterFromYaml(`apiVersion: v1
kind: Pod
metadata: {name: exporter, namespace: kube-system}
spec:
  hostNetwork: true
  nodeSelector: {kubernetes.io/hostname: node-1}
  containers:
  - {name: exporter, image: 'hashicorp/http-echo:1.0', args: ['-listen=:9100', '-text=metrics'], ports: [{containerPort: 9100}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeSelector: {kubernetes.io/hostname: node-2}
  containers: [{name: c, image: busybox:1.36, command: [sleep, infinity]}]
`);
  const dp = new SimDataPlane(cluster.objects, cluster.config, { clock: clock() });
  const node1 = find(cluster, 'Node', undefined, 'node-1').status.addresses[0].address;
  const out = connected(dp.connect({ from: { kind: 'pod', namespace: 'default', name: 'client' }, to: { ip: node1, port: 9100 }, protocol: 'TCP' }));
  assert.deepEqual([out.delivered.pod, out.delivered.node, out.delivered.conn.destination], [{ namespace: 'kube-system', name: 'exporter' }, 'node-1', { ip: node1, port: 9100 }]);
  if (out.session.kind !== 'http') assert.fail('an HTTP session');
  assert.equal((await out.session.http(curlRequest(node1, '/'))).body.toString(), 'metrics\n');
  assert.match(out.hops.find((h) => h.stage === 'route')!.summary, /node address, not a pod/);
  // From node-1 itself, 127.0.0.1 reaches the same socket.
  const local = connected(dp.connect({ from: { kind: 'node', name: 'node-1' }, to: { ip: '127.0.0.1', port: 9100 }, protocol: 'TCP' }));
  assert.equal(local.delivered.pod?.name, 'exporter');
  assert.throws(() => dp.connect({ from: { kind: 'node', name: 'node-9' }, to: { ip: node1, port: 9100 }, protocol: 'TCP' }), NotFoundError);
  assert.throws(() => dp.connect({ from: { kind: 'external', ip: '192.168.1.10' }, to: { ip: node1, port: 9100 }, protocol: 'TCP', entryNode: 'node-9' }), NotFoundError);
});

test('a cluster of 10,000 pods: pod → Service and pod → pod connections succeed', () => {
  let yaml = 'apiVersion: flatnet/v1alpha1\nkind: ClusterConfig\nmetadata: {name: big}\nspec: {nodes: 100}\n---\n';
  for (let i = 0; i < 100; i++) yaml += deploymentYaml(`app-${i}`, 100) + serviceYaml(`app-${i}`);
  const cluster = clusterFromYaml(yaml);
  const pods = list(cluster, 'Pod', 'default');
  assert.ok(pods.length >= 10_000);
  const dp = new SimDataPlane(cluster.objects, cluster.config, { clock: clock() });
  const kinds = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const client = pods[(i * 7919) % pods.length];
    const server = pods[(i * 104729) % pods.length];
    const svc = find(cluster, 'Service', 'default', `app-${i % 100}`);
    kinds.add(dp.connect({ from: fromPod(client), to: { ip: svc.spec.clusterIP, port: 80 }, protocol: 'TCP' }).kind);
    kinds.add(dp.connect({ from: fromPod(client), to: { ip: server.status.podIP, port: 80 }, protocol: 'TCP' }).kind);
  }
  assert.deepEqual([...kinds], ['connected']);
});
