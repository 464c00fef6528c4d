// The real kubectl writing through the API server: client-side apply (create, then a strategic merge patch),
// server-side apply, scale, delete with propagation, optimistic concurrency, validation errors with the CLI's text,
// dry runs, merge and JSON patches, and the writes flatnet refuses, with the Status kubectl prints.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FixedClock } from '../../core/clock.js';
import type { KubeObject } from '../../core/types.js';
import { runCli } from '../../testing/cli.js';
import { deploymentYaml, REPO_ROOT, TEST_NOW } from '../../testing/cluster.js';
import { ApiHarness, startApiHarness } from '../../testing/kubectl.js';

const DEMO = join(REPO_ROOT, 'examples/demo');

let h: ApiHarness;
before(async () => {
  h = await startApiHarness({ paths: [join(DEMO, 'cluster.yaml')] }, new FixedClock(TEST_NOW));
});
after(() => h.dispose());

/** Writes `text` to a file in the harness directory and returns its path. */
function file(name: string, text: string): string {
  const p = join(h.dir, name);
  writeFileSync(p, text);
  return p;
}

const pods = (ns: string, prefix: string): KubeObject[] => h.manager.store.list('Pod', ns).filter((p) => p.metadata.name.startsWith(`${prefix}-`));

function endpointIPs(ns: string, svc: string): string[] {
  const ep = h.manager.store.get('Endpoints', ns, svc);
  return (ep?.subsets ?? []).flatMap((s: any) => (s.addresses ?? []).map((a: any) => a.ip)).sort();
}

test('kubectl apply -f creates the demo objects; the cluster equals the one flatnet builds from the same files', async () => {
  const r = await h.kubectl(['apply', '-f', join(DEMO, 'production.yaml')]);
  assert.equal(r.stderr, '');
  assert.equal(
    r.stdout,
    [
      'namespace/production created',
      'deployment.apps/frontend created',
      'deployment.apps/backend created',
      'deployment.apps/monitoring created',
      'service/backend created',
      'networkpolicy.networking.k8s.io/deny-all-ingress created',
      'networkpolicy.networking.k8s.io/allow-frontend-to-backend created',
      '',
    ].join('\n'),
  );
  const stored = h.manager.store.get('Deployment', 'production', 'backend')!;
  assert.match(stored.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '', /^\{"apiVersion":"apps\/v1","kind":"Deployment"/);
  for (const args of [['get', 'pods', '-n', 'production', '-o', 'wide'], ['get', 'svc,netpol', '-n', 'production']]) {
    const got = await h.kubectl(args);
    const want = await runCli([...args, '-f', join(DEMO, 'cluster.yaml'), '-f', join(DEMO, 'production.yaml')]);
    assert.equal(got.stdout, want.stdout, args.join(' '));
  }
});

test('re-applying a changed manifest patches the object, and the new pod gets an IP and an endpoint', async () => {
  await h.kubectl(['apply', '-f', join(DEMO, 'production.yaml')]);
  const before = pods('production', 'backend').map((p) => p.status.podIP);
  const changed = readFileSync(join(DEMO, 'production.yaml'), 'utf8').replace(/(name: backend\n[\s\S]*?replicas: )2/, '$13');
  const r = await h.kubectl(['apply', '-f', file('production-3.yaml', changed)]);
  assert.match(r.stdout, /^deployment\.apps\/backend configured$/m);
  assert.match(r.stdout, /^deployment\.apps\/frontend unchanged$/m);
  const after = pods('production', 'backend');
  assert.equal(after.length, 3);
  assert.ok(after.every((p) => p.status.phase === 'Running' && /^10\.244\./.test(p.status.podIP)));
  assert.deepEqual(before.filter((ip) => !after.some((p) => p.status.podIP === ip)), [], 'the existing pods keep their IPs');
  assert.deepEqual(endpointIPs('production', 'backend'), after.map((p) => p.status.podIP).sort());
  const again = await h.kubectl(['apply', '-f', file('production-3.yaml', changed)]);
  assert.match(again.stdout, /^deployment\.apps\/backend unchanged$/m);
});

test('kubectl apply --server-side creates, then merges a change', async () => {
  const cache = readFileSync(join(DEMO, 'cache.yaml'), 'utf8');
  const r = await h.kubectl(['apply', '--server-side', '-f', file('cache.yaml', cache)]);
  assert.equal(r.stdout, 'namespace/cache serverside-applied\ndeployment.apps/redis serverside-applied\nservice/redis serverside-applied\n');
  assert.equal(pods('cache', 'redis').length, 1);
  const r2 = await h.kubectl(['apply', '--server-side', '-f', file('cache-2.yaml', cache.replace('replicas: 1', 'replicas: 2').replace('image: redis:7.2', 'image: redis:7.4'))]);
  assert.equal(r2.code, 0, r2.stderr);
  const redis = pods('cache', 'redis');
  assert.deepEqual(redis.map((p) => p.spec.containers[0].image), ['redis:7.4', 'redis:7.4']);
  assert.equal(endpointIPs('cache', 'redis').length, 2);
});

test('kubectl scale adds a pod with an IP and an endpoint; kubectl delete takes the pods with the Deployment', async () => {
  await h.kubectl(['apply', '-f', join(DEMO, 'default.yaml')]);
  assert.equal(pods('default', 'my-api').length, 2);
  const s = await h.kubectl(['scale', 'deploy', 'my-api', '--replicas=3']);
  assert.equal(s.stdout, 'deployment.apps/my-api scaled\n');
  const three = pods('default', 'my-api');
  assert.equal(three.length, 3);
  const ep = await h.kubectl(['get', 'endpoints', 'my-api', '-o', 'jsonpath={.subsets[*].addresses[*].ip}']);
  assert.deepEqual(ep.stdout.split(' ').sort(), three.map((p) => p.status.podIP).sort());

  const d = await h.kubectl(['delete', 'deploy', 'my-api']);
  assert.equal(d.stdout, 'deployment.apps "my-api" deleted\n');
  assert.deepEqual(pods('default', 'my-api'), []);
  assert.equal(h.manager.store.list('ReplicaSet', 'default').filter((rs) => rs.metadata.name.startsWith('my-api-')).length, 0);
  assert.deepEqual(endpointIPs('default', 'my-api'), []);
  const g = await h.kubectl(['get', 'deploy', 'my-api']);
  assert.equal(g.stderr, 'Error from server (NotFound): deployments.apps "my-api" not found\n');
});

test('kubectl replace with a stale resourceVersion is a 409 Conflict', async () => {
  await h.kubectl(['apply', '-f', join(DEMO, 'cache.yaml')]);
  const old = await h.kubectl(['get', 'deploy', 'redis', '-n', 'cache', '-o', 'json']);
  await h.kubectl(['scale', 'deploy', 'redis', '-n', 'cache', '--replicas=3']);
  const stale = JSON.parse(old.stdout);
  stale.spec.replicas = 5;
  const r = await h.kubectl(['replace', '-f', file('stale.json', JSON.stringify(stale))]);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `Error from server (Conflict): error when replacing "${join(h.dir, 'stale.json')}": Operation cannot be fulfilled on deployments.apps "redis": the object has been modified; please apply your changes to the latest version and try again\n`,
  );
  assert.equal(h.manager.store.get('Deployment', 'cache', 'redis')!.spec.replicas, 3);
});

test('an invalid object is a 422 whose lines are the problems the CLI prints for the same file', async () => {
  const bad = file('bad.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec: {selector: {app: x}, ports: [{port: 70000}, {port: 0, name: b}]}\n');
  const rv = h.manager.store.resourceVersion;
  const r = await h.kubectl(['apply', '-f', bad]);
  assert.equal(r.code, 1);
  const cli = await runCli(['get', 'svc', '-f', join(DEMO, 'cluster.yaml'), '-f', bad]);
  assert.equal(cli.code, 2);
  const problems = cli.stderr
    .split('\n')
    .filter((l) => l.startsWith(`${bad} doc 1: Service default/bad: `))
    .map((l) => `* ${l.slice(`${bad} doc 1: Service default/bad: `.length)}`);
  assert.equal(problems.length, 3);
  assert.equal(r.stderr, `The Service "bad" is invalid: \n${problems.join('\n')}\n`);
  assert.equal(h.manager.store.resourceVersion, rv, 'nothing was written');
});

test('a server-side dry run answers as if applied and changes nothing', async () => {
  await h.kubectl(['apply', '-f', join(DEMO, 'cache.yaml')]);
  const rv = h.manager.store.resourceVersion;
  const changed = readFileSync(join(DEMO, 'cache.yaml'), 'utf8').replace('image: redis:7.2', 'image: redis:8.0');
  const r = await h.kubectl(['apply', '--dry-run=server', '-f', file('cache-dry.yaml', changed)]);
  assert.match(r.stdout, /^deployment\.apps\/redis configured \(server dry run\)$/m);
  assert.equal(h.manager.store.resourceVersion, rv);
  assert.notEqual(pods('cache', 'redis')[0].spec.containers[0].image, 'redis:8.0');
});

test('kubectl label, annotate and patch --type=json change the stored object', async () => {
  await h.kubectl(['apply', '-f', join(DEMO, 'cache.yaml')]);
  assert.equal((await h.kubectl(['label', 'svc', 'redis', '-n', 'cache', 'tier=db'])).stdout, 'service/redis labeled\n');
  assert.equal((await h.kubectl(['annotate', 'svc', 'redis', '-n', 'cache', 'note=hi'])).stdout, 'service/redis annotated\n');
  const svc = h.manager.store.get('Service', 'cache', 'redis')!;
  assert.equal(svc.metadata.labels?.tier, 'db');
  assert.equal(svc.metadata.annotations?.note, 'hi');
  const p = await h.kubectl(['patch', 'deploy', 'redis', '-n', 'cache', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":2}]']);
  assert.equal(p.stdout, 'deployment.apps/redis patched\n');
  assert.equal(pods('cache', 'redis').length, 2);
  const failed = await h.kubectl(['patch', 'deploy', 'redis', '-n', 'cache', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":9}]']);
  assert.equal(failed.code, 1);
  assert.equal(failed.stderr, 'The request is invalid: the server rejected our request due to an error in our request\n');
});

test('writes flatnet cannot honour are refused with a Status saying why', async () => {
  await h.kubectl(['apply', '-f', join(DEMO, 'cache.yaml')]);
  const pod = pods('cache', 'redis')[0].metadata.name;
  const rs = h.manager.store.list('ReplicaSet', 'cache')[0].metadata.name;
  const derived = await h.kubectl(['delete', 'pod', pod, '-n', 'cache']);
  assert.equal(
    derived.stderr,
    `Error from server (MethodNotAllowed): pods "${pod}" is managed by ReplicaSet cache/${rs} of Deployment cache/redis: flatnet derives it from its owner, so change, scale or delete Deployment cache/redis instead\n`,
  );
  const system = await h.kubectl(['delete', 'svc', 'kube-dns', '-n', 'kube-system']);
  assert.match(system.stderr, /^Error from server \(MethodNotAllowed\): services "kube-dns" is part of every cluster flatnet runs/);
  const proto = await h.kubectl(['create', 'namespace', 'foo']);
  assert.match(proto.stderr, /^Error from server \(UnsupportedMediaType\): flatnet reads JSON request bodies only/);
  assert.equal(h.manager.store.get('Namespace', undefined, 'foo'), undefined);
});

test("the reconcile's warnings about a written object reach kubectl as Warning headers", async () => {
  const r = await h.kubectl(['apply', '-f', file('shop.yaml', deploymentYaml('web', 1, { ns: 'shop' }))]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'deployment.apps/web created\n');
  assert.equal(r.stderr, 'Warning: namespace "shop" is used by Deployment shop/web but declared by no document; created implicitly\n');
  assert.equal(pods('shop', 'web').length, 1);
});
