// End to end: `flatnet up --ingress/--ingress-tls` as a user runs it, queried with the real curl (Host header, SNI,
// TLS); edits to a copy of the demo (scale to 0, a changed path) are served after the re-apply; a port in use is
// reported and `up` keeps running. In-process: a store change is served within 100 ms, and a pod reaches the routes
// through the controller Service.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControllerManager } from '../../controllers/manager.js';
import { parseManifests } from '../../core/manifests.js';
import { LiveDataPlane } from '../../host/live-data-plane.js';
import { clusterFromYaml, REPO_ROOT } from '../../testing/cluster.js';
import { FlatnetProcess } from '../../testing/process.js';
import { parseLoopbackAddress, serveIngress } from './up.js';

const CURL_MISSING = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'curl is not installed';
const DEMO_INGRESS = readFileSync(join(REPO_ROOT, 'examples/demo/ingress.yaml'), 'utf8');

/** An Ingress for a TLS host whose Secret does not exist, and one with a regex rewrite to flatnet's echo server. */
const EXTRA = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  tls: [{hosts: [shop.example.com], secretName: shop-tls}]
  rules:
  - host: shop.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: orders-svc, port: {number: 80}}}}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  replicas: 1
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec: {containers: [{name: echo, image: example.com/echo:1, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: echo-svc}
spec: {selector: {app: echo}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: echo
  annotations: {nginx.ingress.kubernetes.io/rewrite-target: /$2}
spec:
  rules:
  - host: echo.example.com
    http: {paths: [{path: /api(/|$)(.*), pathType: ImplementationSpecific, backend: {service: {name: echo-svc, port: {number: 80}}}}]}
`;

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => execFile('curl', ['-sS', '--max-time', '10', ...args], (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })));
}

/** Repeats `run` until `done` holds (an edit is applied after up's debounce and a re-reconcile), for at most 15 s. */
async function until<T>(run: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  let v = await run();
  while (!done(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    v = await run();
  }
  return v;
}

async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('flatnet up serves the demo Ingress over HTTP and HTTPS to curl and follows edits', { skip: CURL_MISSING }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-up-ingress-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const demo = join(dir, 'demo');
  cpSync(join(REPO_ROOT, 'examples/demo'), demo, { recursive: true });
  writeFileSync(join(demo, 'extra.yaml'), EXTRA);
  const secret = clusterFromYaml(DEMO_INGRESS).objects.find((o) => o.kind === 'Secret')!;
  const ca = join(dir, 'api-ca.pem');
  writeFileSync(ca, Buffer.from(secret.data['tls.crt'], 'base64'));
  const [hp, sp] = [await freeTcpPort(), await freeTcpPort()];
  const up = new FlatnetProcess(['up', '-f', demo, '--state', join(dir, 'state'), '--dns', 'off', '--ingress', `127.0.0.1:${hp}`, '--ingress-tls', `127.0.0.1:${sp}`]);
  t.after(() => up.child.kill('SIGKILL'));
  await up.waitFor(/watching/, 30_000);
  assert.match(up.out, new RegExp(`^Ingress: serving http on 127\\.0\\.0\\.1:${hp}, https on 127\\.0\\.0\\.1:${sp}$`, 'm'));
  assert.match(up.err, /Ingress: warning: Ingress default\/shop: TLS host shop\.example\.com: Secret default\/shop-tls does not exist; serving a self-signed certificate for shop\.example\.com/);

  const api = (path: string, extra: string[] = []) => curl(['--resolve', `api.example.com:${sp}:127.0.0.1`, '--cacert', ca, ...extra, `https://api.example.com:${sp}${path}`]);
  // SNI picks the Secret's certificate, which curl verifies; rewrite-target / sends both paths to the root.
  assert.deepEqual(await api('/users/42'), { code: 0, stdout: 'users\n', stderr: '' });
  assert.deepEqual(await api('/orders'), { code: 0, stdout: 'orders\n', stderr: '' });
  assert.equal((await api('/other', ['-o', '/dev/null', '-w', '%{http_code}'])).stdout, '404');
  // Plain HTTP: the Host header routes; the TLS host redirects, an unknown host gets the default backend's 404.
  const redirect = await curl(['-si', '-H', 'Host: api.example.com', `http://127.0.0.1:${hp}/users`]);
  assert.match(redirect.stdout, new RegExp(`^HTTP/1\\.1 308 Permanent Redirect\\r\\n[\\s\\S]*\\r\\nLocation: https://api\\.example\\.com:${sp}/users\\r\\n`));
  const unknown = await curl(['-si', '-H', 'Host: unknown.example.com', `http://127.0.0.1:${hp}/users`]);
  assert.match(unknown.stdout, /^HTTP\/1\.1 404 Not Found\r\n[\s\S]*<center><h1>404 Not Found<\/h1><\/center>/);
  // The regex rewrite reaches the echo server as /hello?x=1, with ingress-nginx's X-Forwarded-* headers.
  const echoed = JSON.parse((await curl(['-H', 'Host: echo.example.com', `http://127.0.0.1:${hp}/api/hello?x=1`])).stdout);
  assert.equal(echoed.path, '/hello?x=1');
  const headers = JSON.stringify(echoed.headers);
  for (const h of ['X-Forwarded-Host', 'X-Forwarded-Proto', 'X-Real-Ip', 'X-Request-Id']) assert.match(headers, new RegExp(h, 'i'));
  assert.match(headers, new RegExp(`"X-Forwarded-Port":\\["?${hp}`, 'i'));
  // A TLS host without its Secret: a self-signed certificate for that name.
  const shop = await curl(['-kv', '--resolve', `shop.example.com:${sp}:127.0.0.1`, `https://shop.example.com:${sp}/`]);
  assert.match(shop.stderr, /subject: CN=shop\.example\.com/);
  assert.equal(shop.stdout, 'orders\n');
  // The access log goes to the controller pod's log (kubectl logs), not to up's terminal.
  assert.doesNotMatch(up.err, /GET \/users\/42 HTTP/);

  // Scale orders to 0: its Service has no ready endpoints → 503.
  const file = join(demo, 'ingress.yaml');
  const scaled = DEMO_INGRESS.replace(/(name: orders\nspec:\n  replicas: )2/, '$10');
  assert.notEqual(scaled, DEMO_INGRESS);
  writeFileSync(file, scaled);
  const unavailable = await until(() => api('/orders', ['-s', '-o', '/dev/null', '-w', '%{http_code}']), (r) => r.stdout === '503');
  assert.equal(unavailable.stdout, '503');
  assert.match((await api('/orders')).stdout, /<title>503 Service Temporarily Unavailable<\/title>/);

  // Move /users to /people: the new path is served after the re-apply, the old one is gone.
  writeFileSync(file, scaled.replace('- path: /users', '- path: /people'));
  const moved = await until(() => api('/people'), (r) => r.stdout === 'users\n');
  assert.equal(moved.stdout, 'users\n');
  assert.equal((await api('/users', ['-o', '/dev/null', '-w', '%{http_code}'])).stdout, '404');

  up.child.kill('SIGINT');
  assert.equal(await up.exited, 0);
});

test('an Ingress port already in use is reported with the flag, and up keeps serving the rest', { skip: CURL_MISSING }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-up-ingress-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => blocker.close());
  const taken = (blocker.address() as { port: number }).port;
  const sp = await freeTcpPort();
  writeFileSync(join(dir, 'ingress.yaml'), DEMO_INGRESS);
  const up = new FlatnetProcess(['up', '-f', join(dir, 'ingress.yaml'), '--state', join(dir, 'state'), '--dns', 'off', '--ingress', `127.0.0.1:${taken}`, '--ingress-tls', `127.0.0.1:${sp}`]);
  t.after(() => up.child.kill('SIGKILL'));
  await up.waitFor(/watching/, 30_000);
  assert.match(up.err, new RegExp(`Ingress: cannot serve http on 127\\.0\\.0\\.1:${taken} \\(--ingress\\): address already in use; the rest keeps running \\(choose another address with --ingress HOST:PORT, or --ingress off\\)`));
  assert.match(up.out, new RegExp(`^Ingress: serving https on 127\\.0\\.0\\.1:${sp}$`, 'm'));
  const res = await curl(['-k', '--resolve', `api.example.com:${sp}:127.0.0.1`, `https://api.example.com:${sp}/orders`]);
  assert.equal(res.stdout, 'orders\n');
  assert.equal(up.child.exitCode, null);
});

test('bad --ingress values are usage errors naming the flag and the rule', () => {
  assert.throws(() => parseLoopbackAddress('--ingress', '0.0.0.0:8080', '127.0.0.1:8080'), /^Error: --ingress: invalid value "0\.0\.0\.0:8080": HOST must be a loopback address/);
  assert.throws(() => parseLoopbackAddress('--ingress-tls', '8443', '127.0.0.1:8443'), /--ingress-tls: invalid value "8443": want HOST:PORT, such as 127\.0\.0\.1:8443 or \[::1\]:8443, or off/);
  assert.deepEqual(parseLoopbackAddress('--ingress', 'localhost:0', '127.0.0.1:8080'), { host: '127.0.0.1', port: 0 });
  assert.equal(parseLoopbackAddress('--ingress', 'off', '127.0.0.1:8080'), 'off');
});

/** GET over HTTPS with SNI and Host api.example.com (node's client: no process start in the measured time). */
function getApi(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, servername: 'api.example.com', headers: { Host: 'api.example.com' }, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('in process: a store change is served within 100 ms, and a pod reaches the routes through the controller Service', async (t) => {
  const clock = { now: () => new Date() };
  const docs = (yaml: string) => parseManifests(yaml, 'ingress.yaml').docs;
  const manager = new ControllerManager(clock);
  manager.apply(docs(DEMO_INGRESS));
  const live = new LiveDataPlane(manager, { clock });
  t.after(() => live.close());
  const logs: string[] = [];
  const io = { stdout: (s: string) => logs.push(s), stderr: (s: string) => logs.push(s), readStdin: async () => '', clock };
  const ingress = await serveIngress(manager, live, { https: { host: '127.0.0.1', port: 0 } }, io, (s) => logs.push(s));
  t.after(() => ingress.close());
  const port = ingress.server!.https!.port;
  assert.equal((await getApi(port, '/people')).status, 404);

  // The swap happens in the turn of the store change (a data plane update, then the route rebuild); the listener
  // below runs right after serveIngress's own, so it sees the time the new routes were in place.
  const before = ingress.proxy.routes;
  const swappedAt = new Promise<number>((resolve) => {
    const stop = live.onUpdate(() => {
      stop();
      resolve(performance.now());
    });
  });
  manager.apply(docs(DEMO_INGRESS.replace('- path: /users', '- path: /people')));
  const applied = performance.now();
  const elapsed = (await swappedAt) - applied;
  t.diagnostic(`store change → new routes in place: ${elapsed.toFixed(1)} ms`);
  assert.notEqual(ingress.proxy.routes, before);
  assert.deepEqual(await getApi(port, '/people'), { status: 200, body: 'users\n' });

  // A pod curling the ingress-nginx-controller Service (port 443 → the controller pod) gets the proxy's answer.
  const svc = manager.store.get('Service', 'ingress-nginx', 'ingress-nginx-controller')!;
  const client = manager.store.list('Pod', 'default').find((p) => p.metadata.name.startsWith('orders-'))!;
  const out = live.dataPlane.connect({ from: { kind: 'pod', namespace: 'default', name: client.metadata.name }, to: { ip: svc.spec.clusterIP, port: 443 }, protocol: 'TCP' });
  assert.equal(out.kind, 'connected', JSON.stringify(out));
  assert.ok(out.kind === 'connected' && out.session.kind === 'http');
  const answer = await out.session.http({ method: 'GET', target: '/people', version: 'HTTP/1.1', headers: [['Host', 'api.example.com']] });
  assert.equal(answer.body.toString(), 'users\n');
  // Access log lines in ingress-nginx's upstream format, in the controller pod's log.
  const controller = ingress.proxy.routes.controller;
  assert.ok(controller.kind === 'pod');
  const lines = live.dataPlane.podWorkloads(controller.namespace, controller.name)!.logs.lines('controller').join('\n');
  assert.match(lines, new RegExp(`^${client.status.podIP.replace(/\./g, '\\.')} - - \\[[^\\]]+\\] "GET /people HTTP/1\\.1" 200 6 "-" "-" \\d+ \\d+\\.\\d{3} \\[default-users-svc-80\\] \\[\\] 10\\.244\\.\\d+\\.\\d+:5678 6 \\d+\\.\\d{3} 200 [0-9a-f]{32}$`, 'm'));
});

test('in process: the request after a store change goes to the new endpoints, and its access log line still reaches the controller pod', async (t) => {
  const clock = { now: () => new Date() };
  const docs = (yaml: string) => parseManifests(yaml, 'ingress.yaml').docs;
  const manager = new ControllerManager(clock);
  manager.apply(docs(DEMO_INGRESS));
  const live = new LiveDataPlane(manager, { clock });
  t.after(() => live.close());
  const ingress = await serveIngress(manager, live, {}, { stdout: () => {}, stderr: () => {}, readStdin: async () => '', clock }, () => {});
  t.after(() => ingress.close());
  const users = () => manager.store.list('Pod', 'default').filter((p) => p.metadata.name.startsWith('users-') && p.status?.podIP);
  const get = async () => {
    const res = await ingress.proxy.handle({ method: 'GET', target: '/users', version: 'HTTP/1.1', headers: [['Host', 'api.example.com']] }, { ip: '127.0.0.1', port: 40000 }, 'https', 8443);
    return { status: res.status, body: res.body.toString() };
  };
  const upstreamOf = (line: string) => line.split(' ')[16]; // $upstream_addr
  const controllerLog = () => {
    const c = ingress.proxy.routes.controller;
    assert.ok(c.kind === 'pod');
    return live.dataPlane.podWorkloads(c.namespace, c.name)!.logs.lines('controller');
  };
  for (let i = 0; i < 4; i++) assert.deepEqual(await get(), { status: 200, body: 'users\n' });
  const before = new Set(users().map((p) => `${p.status.podIP}:5678`));
  assert.equal(before.size, 2);
  assert.ok(controllerLog().every((l) => before.has(upstreamOf(l))));

  // Scaled to 3: the next requests take the new pod too (round-robin over the new endpoints), each logged.
  manager.apply(docs(DEMO_INGRESS.replace('replicas: 2', 'replicas: 3')));
  await new Promise((r) => setImmediate(r)); // the data plane and the routes follow the store in a microtask
  const after = new Set(users().map((p) => `${p.status.podIP}:5678`));
  assert.equal(after.size, 3);
  for (let i = 0; i < 3; i++) assert.deepEqual(await get(), { status: 200, body: 'users\n' });
  const lines = controllerLog();
  assert.equal(lines.length, 7);
  assert.deepEqual(new Set(lines.slice(4).map(upstreamOf)), after);
});
