// SimDataPlane on the demo cluster: pod-to-pod and Service connections, NetworkPolicy drops, refusals, loopback,
// the source's errors, and update() keeping a pod's logs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../core/clock.js';
import { NotFoundError } from '../../core/errors.js';
import type { KubeObject } from '../../core/types.js';
import { clusterFromYaml, demoYaml, find, list, TEST_NOW } from '../../testing/cluster.js';
import type { ConnectOutcome, ConnectRequest } from '../types.js';
import { SimDataPlane } from './sim-data-plane.js';
import { curlRequest } from './workloads/workload-fixtures.js';

const DEMO_YAML = demoYaml();
const demo = clusterFromYaml(DEMO_YAML);
const plane = (c = demo) => new SimDataPlane(c.objects, c.config, { clock: new FixedClock(TEST_NOW) });

function pod(ns: string, prefix: string, c = demo): KubeObject {
  const p = list(c, 'Pod', ns).find((x) => x.metadata.name.startsWith(prefix));
  if (!p) throw new Error(`no pod ${ns}/${prefix}* in the cluster`);
  return p;
}
const from = (p: KubeObject): ConnectRequest['from'] => ({ kind: 'pod', namespace: p.metadata.namespace!, name: p.metadata.name });
const clusterIP = (ns: string, name: string, c = demo): string => find(c, 'Service', ns, name).spec.clusterIP;

function connected(o: ConnectOutcome): Extract<ConnectOutcome, { kind: 'connected' }> {
  if (o.kind !== 'connected') assert.fail(`expected a connection, got ${o.kind} ${o.reason}: ${o.message}`);
  return o;
}

async function get(o: ConnectOutcome, host: string, target: string): Promise<{ status: number; body: string }> {
  const c = connected(o);
  assert.equal(c.session.kind, 'http');
  if (c.session.kind !== 'http') throw new Error('unreachable');
  const res = await c.session.http(curlRequest(host, target));
  return { status: res.status, body: res.body.toString() };
}

test('same-node pod → pod HTTP reaches nginx and gets its welcome page, the route staying on the node', async () => {
  const client = pod('default', 'pod2');
  const server = list(demo, 'Pod', 'default').find((p) => p.spec.nodeName === client.spec.nodeName && p !== client && p.spec.containers.some((c: any) => c.image.startsWith('nginx')));
  assert.ok(server, 'the demo has a second nginx pod on pod2\'s node');
  const out = plane().connect({ from: from(client), to: { ip: server.status.podIP, port: 80 }, protocol: 'TCP' });
  const res = await get(out, server.status.podIP, '/');
  assert.equal(res.status, 200);
  assert.match(res.body, /<title>Welcome to nginx!<\/title>/);
  const c = connected(out);
  assert.deepEqual(c.delivered.pod, { namespace: 'default', name: server.metadata.name });
  assert.deepEqual([c.delivered.conn.source.ip, c.delivered.conn.destination], [client.status.podIP, { ip: server.status.podIP, port: 80 }]);
  const route = c.hops.find((h) => h.stage === 'route')!;
  assert.match(route.summary, new RegExp(`same node ${client.spec.nodeName}`));
  assert.deepEqual(c.hops.map((h) => h.stage), ['source', 'route', 'policy', 'deliver']);
});

test('pod → ClusterIP spreads over both endpoints, and the same sequence on a fresh plane picks the same ones', () => {
  const client = pod('default', 'debug');
  const ip = clusterIP('default', 'my-api');
  const endpoints = list(demo, 'Pod', 'default').filter((p) => p.metadata.labels?.app === 'my-api').map((p) => p.status.podIP).sort();
  const picks = (dp: SimDataPlane) => Array.from({ length: 4 }, () => connected(dp.connect({ from: from(client), to: { ip, port: 80 }, protocol: 'TCP' })).delivered.conn.destination.ip);
  const first = picks(plane());
  assert.deepEqual(first, picks(plane()));
  assert.deepEqual([...new Set(first)].sort(), endpoints);
  // Consecutive connections alternate: round-robin per node and Service port.
  assert.notEqual(first[0], first[1]);
  assert.equal(first[0], first[2]);
});

test('the Service hop names the Service port, every candidate and the endpoint taken; the NAT hop the DNAT', () => {
  const out = connected(plane().connect({ from: from(pod('default', 'debug')), to: { ip: clusterIP('default', 'my-api'), port: 80 }, protocol: 'TCP' }));
  const svc = out.hops.find((h) => h.stage === 'service')!;
  assert.match(svc.summary, /Service default\/my-api port 80 \(80\/TCP\)/);
  assert.match(svc.summary, /2 candidates \[/);
  assert.match(svc.summary, new RegExp(`took ${out.delivered.conn.destination.ip.replace(/\./g, '\\.')}:8080 \\(pod default/my-api-`));
  assert.ok(svc.objects.includes('Service default/my-api'));
  const nat = out.hops.find((h) => h.stage === 'nat')!;
  assert.match(nat.summary, new RegExp(`DNAT ${clusterIP('default', 'my-api')}:80 → ${out.delivered.conn.destination.ip}:8080; source ${pod('default', 'debug').status.podIP} kept`));
});

test('demo production: the frontend reaches backend:8080/health through the Service and gets {"status":"ok"}', async () => {
  const dp = plane();
  const frontend = pod('production', 'frontend');
  for (let i = 0; i < 2; i++) {
    const res = await get(dp.connect({ from: from(frontend), to: { ip: clusterIP('production', 'backend'), port: 8080 }, protocol: 'TCP' }), 'backend:8080', '/health');
    assert.deepEqual(res, { status: 200, body: '{"status":"ok"}\n' });
  }
});

test('demo production: monitoring → backend is dropped by NetworkPolicy (timeout, POLICY_DENIED, naming deny-all-ingress)', () => {
  const out = plane().connect({ from: from(pod('production', 'monitoring')), to: { ip: clusterIP('production', 'backend'), port: 8080 }, protocol: 'TCP' });
  assert.equal(out.kind, 'timeout');
  if (out.kind !== 'timeout') return;
  assert.equal(out.reason, 'POLICY_DENIED');
  assert.match(out.message, /NetworkPolicy production\/deny-all-ingress/);
  assert.match(out.message, /ingress/);
  const hop = out.hops[out.hops.length - 1];
  assert.equal(hop.stage, 'policy');
  assert.ok(hop.objects.includes('NetworkPolicy production/deny-all-ingress'));
});

const CLIENT_YAML = `apiVersion: v1\nkind: Pod\nmetadata: {name: client}\nspec:\n  containers:\n  - {name: curl, image: 'curlimages/curl:8.8.0', command: [sleep, infinity]}\n`;

const refusals = [
  {
    name: 'a pod whose containers only sleep refuses, naming the container',
    yaml: `apiVersion: v1\nkind: Pod\nmetadata: {name: sleeper}\nspec:\n  containers:\n  - {name: waiter, image: busybox:1.36, command: [sleep, infinity]}\n`,
    to: (c: ReturnType<typeof clusterFromYaml>) => ({ ip: find(c, 'Pod', 'default', 'sleeper').status.podIP, port: 80 }),
    want: [/nothing in pod default\/sleeper listens on 80\/TCP/, /container waiter/],
  },
  {
    name: "a Service whose targetPort nothing binds refuses, naming the pod's container, its port and the Service",
    yaml: `apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec:\n  containers:\n  - {name: nginx, image: 'nginx:1.27', ports: [{containerPort: 80}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 9090}]\n`,
    to: (c: ReturnType<typeof clusterFromYaml>) => ({ ip: find(c, 'Service', 'default', 'web').spec.clusterIP, port: 80 }),
    want: [/listens on 9090\/TCP/, /container nginx \(nginx\/1\.27\.0\) listens on 80\/TCP/, /Service default\/web port 80/],
  },
];

for (const c of refusals)
  test(c.name, () => {
    const cluster = clusterFromYaml(`${c.yaml}---\n${CLIENT_YAML}`);
    const out = plane(cluster).connect({ from: from(find(cluster, 'Pod', 'default', 'client')), to: c.to(cluster), protocol: 'TCP' });
    assert.equal(out.kind, 'refused');
    if (out.kind !== 'refused') return;
    assert.equal(out.reason, 'PORT_UNREACHABLE');
    for (const re of c.want) assert.match(out.message, re);
  });

test('a Service without endpoints is refused (NO_ENDPOINTS) naming the Service', () => {
  const cluster = clusterFromYaml(`apiVersion: v1\nkind: Service\nmetadata: {name: empty}\nspec:\n  selector: {app: nobody}\n  ports: [{port: 80, targetPort: 8080}]\n---\n${CLIENT_YAML}`);
  const out = plane(cluster).connect({ from: from(find(cluster, 'Pod', 'default', 'client')), to: { ip: find(cluster, 'Service', 'default', 'empty').spec.clusterIP, port: 80 }, protocol: 'TCP' });
  assert.equal(out.kind, 'refused');
  if (out.kind !== 'refused') return;
  assert.equal(out.reason, 'NO_ENDPOINTS');
  assert.match(out.message, /Service default\/empty/);
  assert.match(out.message, /REJECT/);
});

test('loopback inside a pod reaches another container of the same pod; no route or policy is involved', async () => {
  const p = pod('default', 'pod1');
  const out = plane().connect({ from: from(p), to: { ip: '127.0.0.1', port: 80 }, protocol: 'TCP' });
  const res = await get(out, 'localhost', '/');
  assert.match(res.body, /Welcome to nginx!/);
  const c = connected(out);
  assert.deepEqual(c.delivered.conn, { protocol: 'TCP', source: { ip: '127.0.0.1', port: c.delivered.conn.source.port }, destination: { ip: '127.0.0.1', port: 80 } });
  assert.match(c.hops[c.hops.length - 1].summary, /container nginx/);
  assert.ok(!c.hops.some((h) => h.stage === 'policy'));
});

test('an address outside every cluster range is unreachable: flatnet simulates nothing beyond the cluster', () => {
  const out = plane().connect({ from: from(pod('default', 'debug')), to: { ip: '203.0.113.9', port: 443 }, protocol: 'TCP' });
  assert.equal(out.kind, 'unreachable');
  if (out.kind === 'unreachable') assert.match(out.message, /203\.0\.113\.9 is outside the cluster.*simulates nothing beyond the cluster/);
});

test('a pod-network address no pod has is unreachable (NO_ROUTE)', () => {
  const used = new Set(list(demo, 'Pod').map((p) => p.status?.podIP));
  const node = find(demo, 'Node', undefined, 'node-1');
  const base = node.spec.podCIDR.replace(/\.0\/24$/, '');
  const free = Array.from({ length: 250 }, (_, i) => `${base}.${i + 2}`).find((ip) => !used.has(ip))!;
  const out = plane().connect({ from: from(pod('default', 'debug')), to: { ip: free, port: 80 }, protocol: 'TCP' });
  assert.deepEqual([out.kind, out.kind !== 'connected' && out.reason], ['unreachable', 'NO_ROUTE']);
});

test('connect from a pod that does not exist throws NotFoundError; from a pending pod, an error naming the pod', () => {
  const dp = plane();
  assert.throws(() => dp.connect({ from: { kind: 'pod', namespace: 'default', name: 'ghost' }, to: { ip: '10.96.0.10', port: 53 }, protocol: 'UDP' }), NotFoundError);
  const cluster = clusterFromYaml(`apiVersion: v1\nkind: Pod\nmetadata: {name: stuck}\nspec:\n  nodeSelector: {disk: none-has-it}\n  containers:\n  - {name: c, image: busybox:1.36}\n`);
  assert.throws(() => plane(cluster).connect({ from: { kind: 'pod', namespace: 'default', name: 'stuck' }, to: { ip: '10.96.0.10', port: 53 }, protocol: 'UDP' }), /pod default\/stuck is not scheduled/);
});

test('update() keeps a pod\'s workloads and logs while its uid and spec are unchanged, and drops them when the pod is replaced', async () => {
  const dp = plane();
  const nginx = pod('default', 'pod2');
  await get(dp.connect({ from: from(pod('default', 'debug')), to: { ip: nginx.status.podIP, port: 80 }, protocol: 'TCP' }), nginx.status.podIP, '/');
  const before = dp.podWorkloads('default', 'pod2')!.logs.lines('nginx');
  assert.ok(before.some((l) => l.includes('"GET / HTTP/1.1" 200')), `an access log line in ${JSON.stringify(before)}`);
  const rebuilt = clusterFromYaml(DEMO_YAML, demo.objects);
  dp.update(rebuilt.objects, rebuilt.config);
  assert.deepEqual(dp.podWorkloads('default', 'pod2')!.logs.lines('nginx'), before);
  const replaced = rebuilt.objects.map((o) => (o.kind === 'Pod' && o.metadata.name === 'pod2' ? { ...o, metadata: { ...o.metadata, uid: 'a-new-pod' } } : o));
  dp.update(replaced, rebuilt.config);
  assert.ok(!dp.podWorkloads('default', 'pod2')!.logs.lines('nginx').some((l) => l.includes('GET /')));
  assert.equal(dp.podWorkloads('default', 'no-such-pod'), undefined);
});
