// What listens in the demo cluster's pods, shared-namespace port conflicts, and declared ports nothing binds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../../core/clock.js';
import type { KubeObject } from '../../../core/types.js';
import { clusterFromYaml, demoYaml, list, TEST_NOW } from '../../../testing/cluster.js';
import { workloadsForPod, type HttpListener } from './pod-workloads.js';
import { connection, curlRequest, testPod } from './workload-fixtures.js';

const demo = clusterFromYaml(demoYaml());
const clock = new FixedClock(TEST_NOW);
const pods = list(demo, 'Pod');
const pod = (ns: string, prefix: string): KubeObject => {
  const p = pods.find((x) => x.metadata.namespace === ns && x.metadata.name.startsWith(prefix));
  if (!p) throw new Error(`no pod ${ns}/${prefix}* in the demo`);
  return p;
};
const sockets = (p: KubeObject) => workloadsForPod(p, { clock }).listeners.map((l) => `${l.container} ${l.program} ${l.port}/${l.protocol}`);

const cases = [
  { name: 'pod1 (centos sleep ×2 + nginx) listens only on 80/TCP, from the nginx container', ns: 'default', pod: 'pod1', want: ['nginx nginx/1.27.0 80/TCP'] },
  { name: 'my-api (agnhost netexec --http-port=8080) serves HTTP 8080 and netexec UDP 8081', ns: 'default', pod: 'my-api-', want: ['my-api agnhost netexec 8080/TCP', 'my-api agnhost netexec 8081/UDP'] },
  { name: 'the production backend (http-echo -listen=:8080) listens on 8080', ns: 'production', pod: 'backend-', want: ['backend http-echo 1.0.0 8080/TCP'] },
  { name: 'monitoring (curl image sleeping) listens on nothing', ns: 'production', pod: 'monitoring-', want: [] },
  { name: 'debug (busybox sleep) listens on nothing', ns: 'default', pod: 'debug-', want: [] },
  { name: 'redis listens on 6379', ns: 'cache', pod: 'redis-', want: ['redis redis 7.2.5 6379/TCP'] },
  { name: 'the users backend behind the Ingress listens on 5678', ns: 'default', pod: 'users-', want: ['users http-echo 1.0.0 5678/TCP'] },
  {
    name: 'the built-in ingress-nginx controller runs its own program on 80, 443, 8181, 8443 and 10254',
    ns: 'ingress-nginx',
    pod: 'ingress-nginx-controller-',
    want: [80, 443, 8181, 8443, 10254].map((p) => `controller NGINX Ingress controller v1.15.1 ${p}/TCP`),
  },
];

for (const c of cases) test(c.name, () => assert.deepEqual(sockets(pod(c.ns, c.pod)), c.want));

test('every demo pod builds its workloads without annotation problems', () => {
  assert.deepEqual(pods.flatMap((p) => workloadsForPod(p, { clock }).problems), []);
});

test("the demo backend answers GET /health with {\"status\":\"ok\"} to frontend's curl", async () => {
  const backend = pod('production', 'backend-');
  const w = workloadsForPod(backend, { clock });
  const r = w.connect(8080, 'TCP', backend.status.podIP);
  assert.ok('listener' in r);
  const res = await (r.listener as HttpListener).http(curlRequest('backend:8080', '/health'), connection('10.244.2.9:43512', `${backend.status.podIP}:8080`));
  assert.deepEqual([res.status, res.body.toString()], [200, '{"status":"ok"}\n']);
});

test('pod1 containers reach nginx over localhost: a connection to 127.0.0.1:80 is accepted', () => {
  const w = workloadsForPod(pod('default', 'pod1'), { clock });
  assert.ok('listener' in w.connect(80, 'TCP', '127.0.0.1'));
  assert.deepEqual(w.connect(8080, 'TCP', '127.0.0.1'), { refused: 'nothing in pod default/pod1 listens on 8080/TCP (listening: 80/TCP)' });
});

test('a second container binding the same port loses with EADDRINUSE and the first keeps answering', () => {
  const p = testPod([
    { name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] },
    { name: 'web2', image: 'httpd:2.4', ports: [{ containerPort: 80 }] },
  ]);
  const w = workloadsForPod(p, { clock });
  assert.deepEqual(w.listeners.map((l) => `${l.container} ${l.port}/${l.protocol}`), ['web 80/TCP']);
  assert.deepEqual(w.notListening, [
    { container: 'web2', port: 80, protocol: 'TCP', reason: 'container web2 (httpd:2.4) cannot bind 80/TCP: address already in use (EADDRINUSE): container web (nginx:1.27) in the same pod holds it; containers share one network namespace' },
  ]);
  assert.equal(w.logs.lines('web2').at(-1), 'bind() to 0.0.0.0:80 failed (98: Address already in use)');
});

test('the same port number on TCP and UDP does not conflict', () => {
  const p = testPod([
    { name: 'a', image: 'acme/a', ports: [{ containerPort: 53, protocol: 'UDP' }] },
    { name: 'b', image: 'acme/b', ports: [{ containerPort: 53, protocol: 'TCP' }] },
  ]);
  assert.deepEqual(sockets(p), ['a flatnet echo server 53/UDP', 'b flatnet echo server 53/TCP']);
});

test('a declared containerPort the program does not bind is explained, and nginx still answers on 80', () => {
  const w = workloadsForPod(testPod([{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }]), { clock });
  assert.deepEqual(w.describe(), [
    'nginx:1.27 (nginx/1.27.0) in container web serves HTTP on 80/TCP',
    'container web: nothing on 8080/TCP: nginx/1.27.0 listens on 80/TCP; containerPort 8080/TCP is informational and makes nothing listen',
  ]);
});

test('a sleeping container with a declared port explains that it only sleeps', () => {
  const w = workloadsForPod(testPod([{ name: 'tools', image: 'centos:7', command: ['/bin/sh', '-c', 'sleep infinity'], ports: [{ containerPort: 80 }] }]), { clock });
  assert.deepEqual(w.connect(80), { refused: 'nothing in pod default/web-0 listens on 80/TCP: runs `/bin/sh -c sleep infinity`; nothing listens' });
});
