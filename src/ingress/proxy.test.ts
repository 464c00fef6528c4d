// Tests for the Ingress proxy over a DataPlane test double: the shared matching cases end to end, ingress-nginx's
// 404/308/502/503/504 answers, the upstream request headers, response header handling, round robin and the log.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FixedClock } from '../core/clock.js';
import type { KubeObject } from '../core/types.js';
import type { ConnectOutcome, ConnectRequest, DataPlane, Endpoint, HttpHeader, HttpRequest, HttpResponse } from '../dataplane/types.js';
import { clusterFromYaml, REPO_ROOT, TEST_NOW } from '../testing/cluster.js';
import { LOG_FORMAT_UPSTREAM } from './access-log.js';
import { nginxErrorPage } from './nginx-responses.js';
import { ingressRoutes, IngressExchange, IngressProxy, IngressProxyOptions } from './proxy.js';
import { ingress, MATCH_CASES, NGINX_CLASS } from './testdata/match-cases.js';

/** A DataPlane whose endpoints behave as `plan` says: an echo backend by default. Records every connect. */
class FakeDataPlane implements DataPlane {
  readonly calls: ConnectRequest[] = [];
  readonly received: HttpRequest[] = [];
  constructor(private readonly plan: (to: Endpoint) => 'echo' | 'refused' | 'timeout' | 'unreachable' | ((req: HttpRequest) => HttpResponse | Promise<HttpResponse>) = () => 'echo') {}

  connect(req: ConnectRequest): ConnectOutcome {
    this.calls.push(req);
    const p = this.plan(req.to);
    const hops: ConnectOutcome['hops'] = [];
    if (p === 'refused') return { kind: 'refused', hops, reason: 'PORT_UNREACHABLE', message: `nothing listens on ${req.to.ip}:${req.to.port}` };
    if (p === 'timeout') return { kind: 'timeout', hops, reason: 'POLICY_DENIED', message: 'NetworkPolicy default/deny drops it' };
    if (p === 'unreachable') return { kind: 'unreachable', hops, reason: 'NO_ROUTE', message: `no route to ${req.to.ip}` };
    const answer = p === 'echo' ? (r: HttpRequest) => echo(r, req.to) : p;
    const conn = { protocol: 'TCP' as const, source: { ip: '10.244.0.9', port: 40000 }, destination: req.to };
    return {
      kind: 'connected',
      hops,
      delivered: { node: 'control-plane', conn },
      session: {
        kind: 'http',
        http: async (r) => {
          this.received.push(r);
          return answer(r);
        },
      },
    };
  }
}

function echo(r: HttpRequest, to: Endpoint): HttpResponse {
  const body = Buffer.from(`${to.ip} ${r.method} ${r.target}\n`);
  const headers: HttpHeader[] = [['Server', 'backend/1.0'], ['Date', 'Thu, 01 Jan 1970 00:00:00 GMT'], ['Content-Type', 'text/plain'], ['Content-Length', String(body.length)], ['Connection', 'keep-alive, X-Hop'], ['Keep-Alive', 'timeout=5'], ['X-Hop', 'drop me'], ['X-Backend', to.ip]];
  return { version: 'HTTP/1.1', status: 200, reason: 'OK', headers, body };
}

/** A curl-like GET; without a host it is an HTTP/1.0 request, which may omit Host. */
const get = (host: string | undefined, target: string, extra: HttpHeader[] = []): HttpRequest => ({
  method: 'GET',
  target,
  version: host === undefined ? 'HTTP/1.0' : 'HTTP/1.1',
  headers: [...(host === undefined ? [] : ([['Host', host]] as HttpHeader[])), ['User-Agent', 'curl/7.88.1'], ['Accept', '*/*'], ...extra],
});
const client = { ip: '192.168.1.7', port: 51234 };

function slice(service: string, ips: string[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    ports: [{ name: 'http', port: 80 }, { name: 'alt', port: 8080 }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  };
}

interface Setup {
  proxy: IngressProxy;
  plane: FakeDataPlane;
  clock: FixedClock;
  logs: string[];
  exchanges: IngressExchange[];
}

function setup(objects: KubeObject[], plane = new FakeDataPlane(), extra: Partial<IngressProxyOptions> = {}): Setup {
  const clock = new FixedClock(TEST_NOW);
  const logs: string[] = [];
  const exchanges: IngressExchange[] = [];
  const sleep = async (ms: number) => clock.advance(ms);
  const proxy = new IngressProxy(ingressRoutes(objects), { dataPlane: plane, clock, sleep, onLog: (l) => logs.push(l), onExchange: (e) => exchanges.push(e), ...extra });
  return { proxy, plane, clock, logs, exchanges };
}

/** The manifests with every Service given one ready endpoint, 10.9.0.<n>, in place of any EndpointSlice. */
function withEndpoints(yaml: string): { objects: KubeObject[]; serviceOf: Map<string, string> } {
  const text = yaml.startsWith('@') ? readFileSync(join(REPO_ROOT, yaml.slice(1)), 'utf8') : yaml;
  const objects = clusterFromYaml(text).objects.filter((o) => o.kind !== 'EndpointSlice');
  const serviceOf = new Map<string, string>();
  const services = objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === 'default' && o.metadata.name !== 'kubernetes');
  services.forEach((s, i) => {
    const ip = `10.9.0.${i + 1}`;
    serviceOf.set(ip, s.metadata.name);
    objects.push(slice(s.metadata.name, [ip]));
  });
  return { objects, serviceOf };
}

for (const c of MATCH_CASES) {
  test(`proxy: ${c.name}`, async () => {
    const { objects, serviceOf } = withEndpoints(c.yaml);
    const { proxy, plane } = setup(objects);
    for (const r of c.requests) {
      const res = await proxy.handle(get(r.host === '' ? undefined : r.host, r.path), client, r.scheme ?? 'http', 80);
      if (r.want === 404) {
        assert.equal(res.status, 404, r.name);
        assert.equal(res.body.toString(), nginxErrorPage(404), r.name);
        continue;
      }
      assert.equal(res.status, 200, `${r.name}: ${res.body}`);
      const [ip, , target] = res.body.toString().trim().split(' ');
      assert.equal(`${serviceOf.get(ip)} ${target}`, `${r.want.service} ${r.want.path ?? r.path}`, r.name);
      if (r.want.port) assert.equal(plane.calls.at(-1)!.to.port, r.want.port === 80 ? 80 : 8080, r.name);
    }
  });
}

const demo = () => withEndpoints('@examples/demo/ingress.yaml').objects;

test('the upstream request carries the rewritten URI, the X-Forwarded-* headers, the client headers, and no Proxy header', async () => {
  const { proxy, plane } = setup(demo());
  await proxy.handle(get('api.example.com:8443', '/users/7?x=1', [['Proxy', 'http://evil:1'], ['X-Forwarded-For', '1.2.3.4'], ['Connection', 'keep-alive'], ['Cookie', 'a=b']]), client, 'https', 8443);
  const up = plane.received[0];
  assert.equal(up.target, '/?x=1');
  assert.equal(up.version, 'HTTP/1.1');
  assert.deepEqual(up.headers, [
    ['Host', 'api.example.com:8443'],
    ['X-Request-ID', '00000000000000000000000000000001'],
    ['X-Real-IP', '192.168.1.7'],
    ['X-Forwarded-For', '192.168.1.7'],
    ['X-Forwarded-Host', 'api.example.com:8443'],
    ['X-Forwarded-Port', '8443'],
    ['X-Forwarded-Proto', 'https'],
    ['X-Forwarded-Scheme', 'https'],
    ['X-Scheme', 'https'],
    ['X-Original-Forwarded-For', '1.2.3.4'],
    ['User-Agent', 'curl/7.88.1'],
    ['Accept', '*/*'],
    ['Cookie', 'a=b'],
  ]);
});

test("the response hides the upstream's Server, Date and hop-by-hop headers and puts nginx's Date first", async () => {
  const { proxy, clock } = setup(demo());
  clock.advance(3000);
  const res = await proxy.handle(get('api.example.com', '/orders'), client, 'https', 443);
  assert.equal(res.status, 200);
  assert.deepEqual(res.headers, [
    ['Date', 'Mon, 23 Nov 2026 10:00:03 GMT'],
    ['Content-Type', 'text/plain'],
    ['Content-Length', String(res.body.length)],
    ['Connection', 'keep-alive'],
    ['X-Backend', res.body.toString().split(' ')[0]],
  ]);
});

test('round robin spreads requests over the ready endpoints in turn', async () => {
  const objects = demo().filter((o) => o.kind !== 'EndpointSlice');
  objects.push(slice('users-svc', ['10.9.0.3', '10.9.0.1', '10.9.0.2']), slice('orders-svc', ['10.9.1.1']));
  const { proxy, plane } = setup(objects);
  for (let i = 0; i < 6; i++) await proxy.handle(get('api.example.com', '/users'), client, 'https', 443);
  assert.deepEqual(plane.calls.map((c) => c.to.ip), ['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.1', '10.9.0.2', '10.9.0.3']);
});

test('connections start at the ready ingress-nginx controller pod, else at the first node', async () => {
  const controller: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'ingress-nginx-controller-7f9c-abcde', namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/instance': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } },
    spec: { nodeName: 'control-plane' },
    status: { phase: 'Running', podIP: '10.244.0.7', conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const objects = demo().filter((o) => !(o.kind === 'Pod' && o.metadata.namespace === 'ingress-nginx'));
  const without = setup(objects);
  await without.proxy.handle(get('api.example.com', '/users'), client, 'https', 443);
  assert.deepEqual(without.plane.calls[0].from, { kind: 'node', name: objects.find((o) => o.kind === 'Node')!.metadata.name });
  const withPod = setup([...objects, controller]);
  await withPod.proxy.handle(get('api.example.com', '/users'), client, 'https', 443);
  assert.deepEqual(withPod.plane.calls[0].from, { kind: 'pod', namespace: 'ingress-nginx', name: 'ingress-nginx-controller-7f9c-abcde' });
});

test('plain HTTP to a host with a TLS Secret gets 308 to https, with the listener port and no trailing slash', async () => {
  const { proxy, plane, logs } = setup(demo());
  const res = await proxy.handle(get('api.example.com:8080', '/users/'), client, 'http', 8080, { httpsPort: 8443 });
  assert.equal(res.status, 308);
  assert.equal(res.reason, 'Permanent Redirect');
  assert.equal(res.headers.find(([n]) => n === 'Location')?.[1], 'https://api.example.com:8443/users');
  assert.equal(res.body.toString(), nginxErrorPage(308));
  assert.equal(plane.calls.length, 0);
  assert.match(logs[0], /"GET \/users\/ HTTP\/1\.1" 308 \d+ .* \[default-users-svc-80\] \[\] - - - - 0{31}1$/);
  const on443 = await proxy.handle(get('api.example.com', '/'), client, 'http', 80);
  assert.equal(on443.headers.find(([n]) => n === 'Location')?.[1], 'https://api.example.com');
});

test('a TLS host whose Secret is missing is served over HTTP (ingress-nginx redirects only with a certificate)', async () => {
  const objects = demo().filter((o) => o.kind !== 'Secret');
  const { proxy } = setup(objects);
  assert.equal((await proxy.handle(get('api.example.com', '/users'), client, 'http', 80)).status, 200);
});

test('force-ssl-redirect redirects even without TLS', async () => {
  const yaml = NGINX_CLASS + ingress({ name: 'forced', annotations: { 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true' }, rules: [{ host: 'plain.example.com', paths: [['/', 'Prefix', 'web']] }] });
  const svc = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},"spec":{"ports":[{"name":"http","port":80}]}}\n---\n`;
  const { proxy } = setup(withEndpoints(yaml + svc).objects);
  const res = await proxy.handle(get('plain.example.com', '/a?b=1'), client, 'http', 80);
  assert.equal(res.status, 308);
  assert.equal(res.headers.find(([n]) => n === 'Location')?.[1], 'https://plain.example.com/a?b=1');
});

test('an unknown host gets the default backend 404 page, logged as upstream-default-backend', async () => {
  const { proxy, logs, exchanges } = setup(demo());
  const res = await proxy.handle(get('nope.example.com', '/users'), client, 'http', 80);
  assert.equal(res.status, 404);
  assert.deepEqual(res.headers.map(([n]) => n), ['Date', 'Content-Type', 'Content-Length', 'Connection']);
  assert.equal(res.headers.find(([n]) => n === 'Server'), undefined);
  assert.equal(logs[0], `192.168.1.7 - - [23/Nov/2026:10:00:00 +0000] "GET /users HTTP/1.1" 404 ${res.body.length} "-" "curl/7.88.1" 85 0.000 [upstream-default-backend] [] 127.0.0.1:8181 ${res.body.length} 0.000 404 00000000000000000000000000000001`);
  assert.match(exchanges[0].reason, /matches no rule host/);
});

test('a backend Service with no ready endpoints answers 503 with the reason', async () => {
  const objects = demo().filter((o) => !(o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === 'users-svc'));
  const { proxy, plane, exchanges, logs } = setup(objects);
  const res = await proxy.handle(get('api.example.com', '/users'), client, 'https', 443);
  assert.equal(res.status, 503);
  assert.equal(res.reason, 'Service Temporarily Unavailable');
  assert.equal(res.body.toString(), nginxErrorPage(503));
  assert.equal(plane.calls.length, 0);
  assert.match(exchanges[0].reason, /Service default\/users-svc port 80 has no ready endpoints/);
  assert.match(logs[0], /\[default-users-svc-80\] \[\] - - - - /);
});

test('refused connections are retried on the next endpoints, three tries, then 502', async () => {
  const objects = demo().filter((o) => o.kind !== 'EndpointSlice');
  objects.push(slice('users-svc', ['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4']));
  const { proxy, plane, logs, exchanges } = setup(objects, new FakeDataPlane(() => 'refused'));
  const res = await proxy.handle(get('api.example.com', '/users'), client, 'https', 443);
  assert.equal(res.status, 502);
  assert.equal(plane.calls.length, 3);
  assert.match(logs[0], / 10\.9\.0\.1:80, 10\.9\.0\.2:80, 10\.9\.0\.3:80 0, 0, 0 0\.000, 0\.000, 0\.000 502, 502, 502 /);
  assert.match(exchanges[0].reason, /after 3 tries: 10\.9\.0\.1:80: nothing listens/);
});

test('a refused endpoint is skipped and the next one answers', async () => {
  const objects = demo().filter((o) => o.kind !== 'EndpointSlice');
  objects.push(slice('users-svc', ['10.9.0.1', '10.9.0.2']));
  const { proxy, logs } = setup(objects, new FakeDataPlane((to) => (to.ip === '10.9.0.1' ? 'unreachable' : 'echo')));
  const res = await proxy.handle(get('api.example.com', '/users'), client, 'https', 443);
  assert.equal(res.status, 200);
  assert.match(logs[0], / 10\.9\.0\.1:80, 10\.9\.0\.2:80 0, \d+ 0\.000, 0\.000 502, 200 /);
});

test('dropped connections wait out proxy-connect-timeout on each try, then 504', async () => {
  const { proxy, clock, logs } = setup(demo(), new FakeDataPlane(() => 'timeout'), { connectTimeoutMs: 5000 });
  const res = await proxy.handle(get('api.example.com', '/users'), client, 'https', 443);
  assert.equal(res.status, 504);
  assert.equal(res.reason, 'Gateway Time-out');
  assert.equal(clock.now().getTime() - TEST_NOW.getTime(), 15000);
  assert.match(logs[0], / 15\.000 \[default-users-svc-80\] \[\] .* 5\.000, 5\.000, 5\.000 504, 504, 504 /);
});

test('after a timeout and then refusals the last error decides: 502', async () => {
  const objects = demo().filter((o) => o.kind !== 'EndpointSlice');
  objects.push(slice('users-svc', ['10.9.0.1', '10.9.0.2', '10.9.0.3']));
  const { proxy } = setup(objects, new FakeDataPlane((to) => (to.ip === '10.9.0.1' ? 'timeout' : 'refused')));
  assert.equal((await proxy.handle(get('api.example.com', '/users'), client, 'https', 443)).status, 502);
});

test('a request in flight finishes on the routes it started with', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const plane = new FakeDataPlane(() => async (r: HttpRequest) => {
    await gate;
    return echo(r, { ip: 'x', port: 0 });
  });
  const { proxy } = setup(demo(), plane);
  const inFlight = proxy.handle(get('api.example.com', '/users/1'), client, 'https', 443);
  proxy.setRoutes(ingressRoutes(demo().filter((o) => o.kind !== 'Ingress')));
  assert.equal((await proxy.handle(get('api.example.com', '/users/1'), client, 'https', 443)).status, 404);
  release();
  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'x GET /\n');
});

test('HTTP/1.1 without Host is 400 and closes the connection', async () => {
  const { proxy, logs } = setup(demo());
  const res = await proxy.handle({ ...get(undefined, '/'), version: 'HTTP/1.1' }, client, 'http', 80);
  assert.equal(res.status, 400);
  assert.equal(res.headers.find(([n]) => n === 'Connection')?.[1], 'close');
  assert.match(logs[0], /\[\] \[\] - - - - /);
});

test('the log line has the fields of ingress-nginx log-format-upstream', async () => {
  const { proxy, logs } = setup(demo());
  await proxy.handle(get('api.example.com', '/orders', [['Referer', 'http://x/"q"']]), client, 'https', 443);
  const fields = LOG_FORMAT_UPSTREAM.split(' ').length;
  const line = logs[0].replace(/\[[^\]]*\]|"[^"]*"/g, (m) => m.replace(/ /g, '_'));
  assert.equal(line.split(' ').length, fields);
  assert.match(logs[0], /"http:\/\/x\/\\x22q\\x22"/);
});
