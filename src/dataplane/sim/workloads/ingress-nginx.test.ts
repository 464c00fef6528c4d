// The ingress-nginx controller image with no Ingress routed: the default backend's 404 on 80/443, health on 10254,
// the webhook on 8443, and the upstreaminfo access log.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../../core/clock.js';
import type { Container } from '../../../core/types.js';
import { INGRESS_NGINX_IMAGE } from '../../../controllers/system-objects.js';
import { serializeHttpResponse } from './http-message.js';
import { workloadsForPod, type HttpListener } from './pod-workloads.js';
import { connection, curlRequest, testPod } from './workload-fixtures.js';

const NOW = new Date('2026-11-23T10:00:00Z');
const DATE = 'Mon, 23 Nov 2026 10:00:00 GMT';
const POD_IP = '10.244.1.5';

const controller = (image = INGRESS_NGINX_IMAGE): Container => ({
  name: 'controller',
  image,
  args: ['/nginx-ingress-controller', '--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller', '--validating-webhook=:8443'],
  ports: [{ name: 'http', containerPort: 80 }, { name: 'https', containerPort: 443 }, { name: 'webhook', containerPort: 8443 }],
});

const crlf = (lines: string[]) => lines.map((l) => `${l}\r\n`).join('');
const PAGE_404 = crlf(['<html>', '<head><title>404 Not Found</title></head>', '<body>', '<center><h1>404 Not Found</h1></center>', '<hr><center>nginx</center>', '</body>', '</html>']);
const head = (status: string, length: number, type = 'text/html', conn = 'keep-alive') => crlf([`HTTP/1.1 ${status}`, `Date: ${DATE}`, `Content-Type: ${type}`, `Content-Length: ${length}`, `Connection: ${conn}`, '']);

function listenerOn(port: number, c = controller()) {
  const w = workloadsForPod(testPod([c], { name: 'ingress-nginx-controller-d4896778-hnpxx', namespace: 'ingress-nginx' }), { clock: new FixedClock(NOW) });
  const r = w.connect(port, 'TCP', POD_IP);
  assert.ok('listener' in r, `nothing listens on ${port}`);
  return { w, l: r.listener as HttpListener };
}

test('the controller image runs the controller program on its ports, not the echo server', () => {
  const { w } = listenerOn(80);
  assert.deepEqual(
    w.listeners.map((l) => `${l.program} ${l.port}/${l.protocol} ${l.speaks}`),
    [
      'NGINX Ingress controller v1.15.1 80/TCP HTTP',
      'NGINX Ingress controller v1.15.1 443/TCP HTTPS (served as plain HTTP by flatnet)',
      'NGINX Ingress controller v1.15.1 8181/TCP HTTP (default backend)',
      'NGINX Ingress controller v1.15.1 8443/TCP HTTPS admission webhook (served as plain HTTP by flatnet)',
      'NGINX Ingress controller v1.15.1 10254/TCP HTTP (health)',
    ],
  );
  assert.deepEqual(w.notListening, []);
});

test('the release in the tag names the program; another registry path is still the controller', () => {
  const { l } = listenerOn(80, controller('k8s.gcr.io/ingress-nginx/controller:v1.9.4'));
  assert.equal(l.program, 'NGINX Ingress controller v1.9.4');
});

test('an image merely named controller is not ingress-nginx', () => {
  const { l } = listenerOn(80, { name: 'c', image: 'example.com/acme/controller:1.0', ports: [{ containerPort: 80 }] });
  assert.match(l.program, /echo/);
});

const cases = [
  { name: 'an unrouted GET on 80 gets the default backend 404 with no Server header', port: 80, req: curlRequest('api.example.com', '/users'), want: head('404 Not Found', 146) + PAGE_404 },
  { name: 'an unrouted GET on 443 gets the same 404', port: 443, req: curlRequest('api.example.com'), want: head('404 Not Found', 146) + PAGE_404 },
  { name: 'any method gets the 404, HEAD without the body', port: 80, req: curlRequest('x', '/', { method: 'HEAD' }), want: head('404 Not Found', 146) },
  { name: 'HTTP/1.0 without keep-alive is closed', port: 80, req: curlRequest('x', '/', { version: 'HTTP/1.0' }), want: head('404 Not Found', 146, 'text/html', 'close') + PAGE_404 },
  { name: 'the catch-all /healthz location answers 200 with an empty body', port: 80, req: curlRequest(POD_IP, '/healthz'), want: head('200 OK', 0) },
  {
    name: '/nginx_status is denied to clients other than 127.0.0.1',
    port: 80,
    req: curlRequest(POD_IP, '/nginx_status'),
    want: head('403 Forbidden', 146) + crlf(['<html>', '<head><title>403 Forbidden</title></head>', '<body>', '<center><h1>403 Forbidden</h1></center>', '<hr><center>nginx</center>', '</body>', '</html>']),
  },
  { name: 'the default backend port 8181 answers 404 too', port: 8181, req: curlRequest(POD_IP, '/'), want: head('404 Not Found', 146) + PAGE_404 },
  {
    name: 'the health port answers /healthz with ok as the apiserver healthz handler does',
    port: 10254,
    req: curlRequest(POD_IP, '/healthz'),
    want: crlf(['HTTP/1.1 200 OK', 'Content-Type: text/plain; charset=utf-8', 'X-Content-Type-Options: nosniff', `Date: ${DATE}`, 'Content-Length: 2', '']) + 'ok',
  },
  {
    name: 'other health-port paths get the Go mux 404',
    port: 10254,
    req: curlRequest(POD_IP, '/nope'),
    want: crlf(['HTTP/1.1 404 Not Found', 'Content-Type: text/plain; charset=utf-8', 'X-Content-Type-Options: nosniff', `Date: ${DATE}`, 'Content-Length: 19', '']) + '404 page not found\n',
  },
  { name: 'the webhook rejects a body that is no AdmissionReview with an empty 400', port: 8443, req: curlRequest(POD_IP, '/networking/v1/ingresses'), want: crlf(['HTTP/1.1 400 Bad Request', `Date: ${DATE}`, 'Content-Length: 0', '']) },
];

for (const c of cases) {
  test(c.name, async () => {
    const { l } = listenerOn(c.port);
    const res = await l.http(c.req, connection('10.244.2.3:51234', `${POD_IP}:${c.port}`));
    assert.equal(serializeHttpResponse(res).toString('latin1'), c.want);
  });
}

test('the 404 page is the 146 bytes Content-Length names', async () => {
  const { l } = listenerOn(80);
  const res = await l.http(curlRequest('x'), connection('10.244.2.3:51234', `${POD_IP}:80`));
  assert.equal(res.body.length, 146);
  assert.equal(res.headers.find(([n]) => n === 'Content-Length')?.[1], '146');
});

test('unrouted requests are logged in the upstreaminfo format; health checks are not', async () => {
  const { w, l } = listenerOn(80);
  const conn = connection('10.244.2.3:51234', `${POD_IP}:80`);
  await l.http(curlRequest(POD_IP, '/healthz'), conn);
  await l.http(curlRequest(POD_IP, '/users'), conn);
  await l.http(curlRequest(POD_IP, '/orders'), conn);
  const lines = w.logs.lines('controller');
  assert.equal(lines.length, 2);
  const [first, second] = lines;
  // "GET /users HTTP/1.1\r\n" + "Host: 10.244.1.5\r\n" + "User-Agent: curl/8.8.0\r\n" + "Accept: */*\r\n" + "\r\n" = 78 bytes.
  assert.match(first, /^10\.244\.2\.3 - - \[23\/Nov\/2026:10:00:00 \+0000\] "GET \/users HTTP\/1\.1" 404 146 "-" "curl\/8\.8\.0" 78 0\.000 \[upstream-default-backend\] \[\] 127\.0\.0\.1:8181 146 0\.000 404 [0-9a-f]{32}$/);
  assert.match(second, /"GET \/orders HTTP\/1\.1" 404 146 "-" "curl\/8\.8\.0" 79 /);
  assert.notEqual(first.slice(-32), second.slice(-32), 'each request has its own $req_id');
  const again = listenerOn(80);
  await again.l.http(curlRequest(POD_IP, '/users'), conn);
  assert.equal(again.w.logs.lines('controller')[0], first, 'the same requests log the same lines');
});
