// The Ingress listeners on real sockets, queried with the real curl: certificates by SNI (the Secret's, a self-signed
// one for a host without its Secret, the fake default), Host routing and redirects, a port in use, and route swaps
// that leave requests in flight alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../core/types.js';
import { SimDataPlane } from '../dataplane/sim/sim-data-plane.js';
import { ingressRoutes, IngressProxy } from '../ingress/proxy.js';
import { clusterFromYaml, REPO_ROOT } from '../testing/cluster.js';
import { IngressServer } from './ingress-server.js';

const CURL_MISSING = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'curl is not installed';
const clock = { now: () => new Date() };
const DEMO = readFileSync(join(REPO_ROOT, 'examples/demo/ingress.yaml'), 'utf8');

/** A Deployment + Service + Ingress for shop.example.com whose TLS Secret does not exist. */
const SHOP = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  ingressClassName: nginx
  tls: [{hosts: [shop.example.com], secretName: shop-tls}]
  rules:
  - host: shop.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: orders-svc, port: {number: 80}}}}]}
---
`;

interface Curl {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs curl without blocking the event loop (the server under test runs in this process). */
function curl(args: string[]): Promise<Curl> {
  return new Promise((resolve) =>
    execFile('curl', ['-sS', '--max-time', '10', ...args], (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
  );
}

/** The demo Secret's certificate, which curl must verify for api.example.com. */
function demoCa(dir: string): string {
  const secret = clusterFromYaml(DEMO).objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'api-tls-cert')!;
  const file = join(dir, 'api-ca.pem');
  writeFileSync(file, Buffer.from(secret.data['tls.crt'], 'base64'));
  return file;
}

async function start(yaml: string, http: { host: string; port: number } | undefined = { host: '127.0.0.1', port: 0 }) {
  const cluster = clusterFromYaml(yaml);
  const dataPlane = new SimDataPlane(cluster.objects, cluster.config, { clock });
  const proxy = new IngressProxy(ingressRoutes(cluster.objects), { dataPlane, clock });
  const warnings: string[] = [];
  const server = await IngressServer.start({ proxy, http, https: { host: '127.0.0.1', port: 0 }, clock, warn: (m) => warnings.push(m) });
  return { cluster, dataPlane, proxy, server, warnings };
}

test('HTTPS: SNI api.example.com gets the Secret certificate, which curl verifies; other names get the fake certificate', { skip: CURL_MISSING }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-ingress-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { server } = await start(DEMO);
  t.after(() => server.close());
  const p = server.https!.port;
  const ok = await curl(['--resolve', `api.example.com:${p}:127.0.0.1`, '--cacert', demoCa(dir), `https://api.example.com:${p}/users/1`]);
  assert.deepEqual(ok, { code: 0, stdout: 'users\n', stderr: '' });
  for (const args of [[`https://127.0.0.1:${p}/`], ['--resolve', `other.example.com:${p}:127.0.0.1`, `https://other.example.com:${p}/`]]) {
    const fake = await curl(['-kv', ...args]);
    assert.match(fake.stderr, /subject: O=Acme Co; CN=Kubernetes Ingress Controller Fake Certificate/);
    assert.match(fake.stderr, /< HTTP\/1\.1 404 Not Found/);
  }
});

test('HTTPS: a TLS host whose Secret is missing gets a self-signed certificate for its name, with the warning once', { skip: CURL_MISSING }, async (t) => {
  const { server, warnings } = await start(DEMO + '---\n' + SHOP);
  t.after(() => server.close());
  const p = server.https!.port;
  const strict = await curl(['--resolve', `shop.example.com:${p}:127.0.0.1`, `https://shop.example.com:${p}/`]);
  assert.notEqual(strict.code, 0, 'curl must not trust a self-signed certificate without -k');
  const res = await curl(['-kv', '--resolve', `shop.example.com:${p}:127.0.0.1`, `https://shop.example.com:${p}/`]);
  assert.match(res.stderr, /subject: CN=shop\.example\.com/);
  assert.equal(res.stdout, 'orders\n');
  server.setRoutes(ingressRoutes(clusterFromYaml(DEMO + '---\n' + SHOP).objects));
  assert.deepEqual(warnings, ['Ingress default/shop: TLS host shop.example.com: Secret default/shop-tls does not exist; serving a self-signed certificate for shop.example.com']);
});

test('HTTP: the Host header routes; a TLS host redirects to the https listener, which curl -L follows', { skip: CURL_MISSING }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-ingress-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { server } = await start(DEMO);
  t.after(() => server.close());
  const [hp, sp] = [server.http!.port, server.https!.port];
  const redirect = await curl(['-si', '-H', 'Host: api.example.com', `http://127.0.0.1:${hp}/orders/`]);
  assert.match(redirect.stdout, /^HTTP\/1\.1 308 Permanent Redirect\r\n/);
  assert.match(redirect.stdout, new RegExp(`\\r\\nLocation: https://api\\.example\\.com:${sp}/orders\\r\\n`));
  const followed = await curl(['-L', '--resolve', `api.example.com:${hp}:127.0.0.1`, '--resolve', `api.example.com:${sp}:127.0.0.1`, '--cacert', demoCa(dir), `http://api.example.com:${hp}/orders`]);
  assert.equal(followed.stdout, 'orders\n');
  const notFound = await curl(['-si', '-H', 'Host: nobody.example.com', `http://127.0.0.1:${hp}/users`]);
  assert.match(notFound.stdout, /^HTTP\/1\.1 404 Not Found\r\nDate: .*\r\nContent-Type: text\/html\r\nContent-Length: 146\r\nConnection: keep-alive\r\n\r\n<html>/);
  assert.match(notFound.stdout, /<hr><center>nginx<\/center>/);
});

test('a listener whose port is taken is reported with its code, and the other listener serves', { skip: CURL_MISSING }, async (t) => {
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => blocker.close());
  const taken = (blocker.address() as { port: number }).port;
  const { server } = await start(DEMO, { host: '127.0.0.1', port: taken });
  t.after(() => server.close());
  assert.deepEqual(server.failures, [{ scheme: 'http', address: { host: '127.0.0.1', port: taken }, code: 'EADDRINUSE', message: 'address already in use' }]);
  assert.equal(server.http, undefined);
  const res = await curl(['-k', '-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${server.https!.port}/`]);
  assert.equal(res.stdout, '404');
});

test('a route swap applies to the next request while a slow request in flight finishes on the old routes', { skip: CURL_MISSING }, async (t) => {
  // Every users pod answers after 400 ms (flatnet.dev/latency), so the first request is still in flight at the swap.
  const slow = DEMO.replace(/(name: users\nspec:\n[\s\S]*?template:\n    metadata:\n)/, '$1      annotations: {flatnet.dev/latency: 400ms}\n');
  assert.notEqual(slow, DEMO);
  const { server, cluster } = await start(slow);
  t.after(() => server.close());
  const p = server.https!.port;
  const url = [`-k`, '--resolve', `api.example.com:${p}:127.0.0.1`, `https://api.example.com:${p}/users`];
  const inFlight = curl(url).then((r) => ({ ...r, at: Date.now() }));
  await new Promise((r) => setTimeout(r, 150));
  const swapped = Date.now();
  server.setRoutes(ingressRoutes(cluster.objects.filter((o: KubeObject) => o.kind !== 'Ingress')));
  const after = await curl(['-o', '/dev/null', '-w', '%{http_code}', ...url]);
  assert.equal(after.stdout, '404');
  assert.ok(Date.now() - swapped < 400, 'the request after the swap did not wait for the one in flight');
  const first = await inFlight;
  assert.ok(first.at > swapped, 'the first request was still in flight at the swap');
  assert.deepEqual({ ...first, at: 0 }, { code: 0, stdout: 'users\n', stderr: '', at: 0 });
});

test('request bodies reach the backend with their Content-Length; over 1 MiB is 413 as proxy-body-size 1m says', { skip: CURL_MISSING }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-ingress-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { server, proxy } = await start(DEMO);
  t.after(() => server.close());
  const received: string[] = [];
  const handle = proxy.handle.bind(proxy);
  proxy.handle = async (req, ...rest) => {
    received.push(`${req.method} ${req.headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1]} ${req.body?.length ?? 0}`);
    return handle(req, ...rest);
  };
  const p = server.https!.port;
  const url = ['-k', '--resolve', `api.example.com:${p}:127.0.0.1`, `https://api.example.com:${p}/users`];
  assert.equal((await curl(['--data-binary', 'hello', ...url])).stdout, 'users\n');
  const big = join(dir, 'big');
  writeFileSync(big, Buffer.alloc(1024 * 1024 + 1, 'a'));
  const tooBig = await curl(['-i', '--data-binary', `@${big}`, ...url]);
  assert.match(tooBig.stdout, /^HTTP\/1\.1 413 Request Entity Too Large\r\n/);
  assert.deepEqual(received, ['POST 5 5']);
});

test('a chunked request body is read whole before the proxy sees it; a request without body framing has none', { skip: CURL_MISSING }, async (t) => {
  const { server, proxy } = await start(DEMO);
  t.after(() => server.close());
  const received: string[] = [];
  const handle = proxy.handle.bind(proxy);
  proxy.handle = async (req, ...rest) => {
    received.push(`${req.method} ${req.headers.find(([n]) => n.toLowerCase() === 'transfer-encoding')?.[1] ?? '-'} ${req.body?.toString() ?? '(none)'}`);
    return handle(req, ...rest);
  };
  const p = server.https!.port;
  const url = ['-k', '--resolve', `api.example.com:${p}:127.0.0.1`, `https://api.example.com:${p}/users`];
  assert.equal((await curl(['-H', 'Transfer-Encoding: chunked', '--data-binary', 'hello chunks', ...url])).stdout, 'users\n');
  assert.equal((await curl(url)).stdout, 'users\n');
  assert.deepEqual(received, ['POST chunked hello chunks', 'GET - (none)']);
});
