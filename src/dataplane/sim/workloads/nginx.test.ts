// nginx and httpd answer byte for byte as the official images do, and log in the images' formats.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../../core/clock.js';
import type { Container } from '../../../core/types.js';
import { serializeHttpResponse } from './http-message.js';
import { workloadsForPod, type HttpListener } from './pod-workloads.js';
import { connection, curlRequest, testPod } from './workload-fixtures.js';

const NOW = new Date('2026-11-23T10:00:00Z');
const DATE = 'Mon, 23 Nov 2026 10:00:00 GMT';

const WELCOME = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

const crlf = (lines: string[]) => lines.map((l) => `${l}\r\n`).join('');
const welcomeHead = (server: string, connection = 'keep-alive') =>
  crlf([
    'HTTP/1.1 200 OK',
    `Server: ${server}`,
    `Date: ${DATE}`,
    'Content-Type: text/html',
    'Content-Length: 615',
    'Last-Modified: Tue, 28 May 2024 13:22:30 GMT',
    `Connection: ${connection}`,
    'ETag: "6655da96-267"',
    'Accept-Ranges: bytes',
    '',
  ]);
const notFound = (server: string) =>
  crlf(['HTTP/1.1 404 Not Found', `Server: ${server}`, `Date: ${DATE}`, 'Content-Type: text/html', 'Content-Length: 153', 'Connection: keep-alive', '']) +
  crlf(['<html>', '<head><title>404 Not Found</title></head>', '<body>', '<center><h1>404 Not Found</h1></center>', `<hr><center>${server}</center>`, '</body>', '</html>']);

const nginx = (image: string): Container => ({ name: 'nginx', image, ports: [{ containerPort: 80 }] });
const httpd: Container = { name: 'web', image: 'httpd:2.4', ports: [{ containerPort: 80 }] };

const cases = [
  { name: 'nginx:latest answers GET / with the welcome page and nginx/1.27.0 headers', c: nginx('nginx:latest'), req: curlRequest('10.244.1.5'), want: welcomeHead('nginx/1.27.0') + WELCOME },
  { name: 'a concrete tag sets the version nginx reports', c: nginx('nginx:1.25.4-alpine'), req: curlRequest('10.244.1.5'), want: welcomeHead('nginx/1.25.4') + WELCOME },
  { name: '/index.html is the same file as /', c: nginx('nginx:1.27'), req: curlRequest('web', '/index.html?x=1'), want: welcomeHead('nginx/1.27.0') + WELCOME },
  { name: 'HEAD gets the headers with the entity length and no body', c: nginx('nginx:1.27'), req: curlRequest('web', '/', { method: 'HEAD' }), want: welcomeHead('nginx/1.27.0') },
  { name: 'Connection: close is echoed back', c: nginx('nginx:1.27'), req: curlRequest('web', '/', { headers: [['Connection', 'close']] }), want: welcomeHead('nginx/1.27.0', 'close') + WELCOME },
  { name: 'another path gets nginx 404 page with CRLF line ends', c: nginx('nginx:1.27'), req: curlRequest('web', '/users'), want: notFound('nginx/1.27.0') },
  {
    name: 'POST to a static file is 405 Not Allowed',
    c: nginx('nginx:1.27'),
    req: curlRequest('web', '/', { method: 'POST' }),
    want:
      crlf(['HTTP/1.1 405 Not Allowed', 'Server: nginx/1.27.0', `Date: ${DATE}`, 'Content-Type: text/html', 'Content-Length: 157', 'Connection: keep-alive', '']) +
      crlf(['<html>', '<head><title>405 Not Allowed</title></head>', '<body>', '<center><h1>405 Not Allowed</h1></center>', '<hr><center>nginx/1.27.0</center>', '</body>', '</html>']),
  },
  {
    name: 'a matching If-None-Match gets 304 without body headers',
    c: nginx('nginx:1.27'),
    req: curlRequest('web', '/', { headers: [['If-None-Match', '"6655da96-267"']] }),
    want: crlf(['HTTP/1.1 304 Not Modified', 'Server: nginx/1.27.0', `Date: ${DATE}`, 'Last-Modified: Tue, 28 May 2024 13:22:30 GMT', 'Connection: keep-alive', 'ETag: "6655da96-267"', '']),
  },
  {
    name: 'httpd answers "It works!" with Apache headers',
    c: httpd,
    req: curlRequest('web'),
    want:
      crlf(['HTTP/1.1 200 OK', `Date: ${DATE}`, 'Server: Apache/2.4.62 (Unix)', 'Last-Modified: Mon, 11 Jun 2007 18:53:14 GMT', 'ETag: "2d-432a5e4a73a80"', 'Accept-Ranges: bytes', 'Content-Length: 45', 'Content-Type: text/html', '']) +
      '<html><body><h1>It works!</h1></body></html>\n',
  },
];

for (const c of cases) {
  test(c.name, async () => {
    const w = workloadsForPod(testPod([c.c]), { clock: new FixedClock(NOW) });
    const l = w.listeners[0] as HttpListener;
    const res = await l.http(c.req, connection('10.244.2.3:51234', '10.244.1.5:80'));
    assert.equal(serializeHttpResponse(res).toString('utf8'), c.want);
  });
}

test('the welcome page is the 615 bytes the ETag and Content-Length name', async () => {
  const w = workloadsForPod(testPod([nginx('nginx:latest')]), { clock: new FixedClock(NOW) });
  const res = await (w.listeners[0] as HttpListener).http(curlRequest('web'), connection('10.244.2.3:51234', '10.244.1.5:80'));
  assert.equal(res.body.length, 615);
  assert.equal(res.body.length.toString(16), '267');
});

const logCases = [
  {
    name: 'nginx logs each request in the image main format with the client address the pod sees',
    c: nginx('nginx:1.27'),
    req: curlRequest('10.244.1.5', '/', { headers: [['X-Forwarded-For', '203.0.113.7']] }),
    want: ['10.244.2.3 - - [23/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/8.8.0" "203.0.113.7"'],
  },
  {
    name: 'nginx logs a 404 to stderr as well as to the access log',
    c: nginx('nginx:1.27'),
    req: curlRequest('10.244.1.5', '/missing'),
    want: [
      '2026/11/23 10:00:00 [error] 29#29: *1 open() "/usr/share/nginx/html/missing" failed (2: No such file or directory), client: 10.244.2.3, server: localhost, request: "GET /missing HTTP/1.1", host: "10.244.1.5"',
      '10.244.2.3 - - [23/Nov/2026:10:00:00 +0000] "GET /missing HTTP/1.1" 404 153 "-" "curl/8.8.0" "-"',
    ],
  },
  { name: 'httpd logs in common format', c: httpd, req: curlRequest('web', '/', { method: 'HEAD' }), want: ['10.244.2.3 - - [23/Nov/2026:10:00:00 +0000] "HEAD / HTTP/1.1" 200 -'] },
];

for (const c of logCases) {
  test(c.name, async () => {
    const w = workloadsForPod(testPod([c.c]), { clock: new FixedClock(NOW) });
    const before = w.logs.lines(c.c.name).length;
    await (w.listeners[0] as HttpListener).http(c.req, connection('10.244.2.3:51234', '10.244.1.5:80'));
    assert.deepEqual(w.logs.lines(c.c.name).slice(before), c.want);
  });
}

test('nginx starts with the docker entrypoint lines and its notices, stamped at the pod start', () => {
  const w = workloadsForPod(testPod([nginx('nginx:latest')]), { clock: new FixedClock(NOW) });
  const lines = w.logs.lines('nginx', { timestamps: true });
  assert.equal(lines[0], '2026-11-23T09:00:00Z /docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration');
  assert.ok(lines.includes('2026-11-23T09:00:00Z 2026/11/23 09:00:00 [notice] 1#1: nginx/1.27.0'));
});
