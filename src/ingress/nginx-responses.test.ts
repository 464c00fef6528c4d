// Tests for the responses nginx writes itself and for upstream responses passed through its proxy module.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpHeader, HttpRequest, HttpResponse } from '../dataplane/types.js';
import { clientKeepAlive, nginxErrorPage, nginxPage, proxiedResponse } from './nginx-responses.js';

const NOW = new Date('2026-11-23T10:00:00Z');
const req = (method: string, version: HttpRequest['version'] = 'HTTP/1.1', headers: HttpHeader[] = []): HttpRequest => ({ method, target: '/', version, headers: [['Host', 'a'], ...headers] });
const upstream = (status: number, headers: HttpHeader[], body = ''): HttpResponse => ({ version: 'HTTP/1.1', status, reason: 'Whatever', headers, body: Buffer.from(body) });

test("nginx's 404 page without server tokens is the 146 bytes ingress-nginx answers", () => {
  assert.equal(Buffer.byteLength(nginxErrorPage(404)), 146);
  assert.match(nginxErrorPage(504), /<title>504 Gateway Time-out<\/title>/);
});

const keepAliveCases: { name: string; req: HttpRequest; want: boolean }[] = [
  { name: 'HTTP/1.1 keeps the connection', req: req('GET'), want: true },
  { name: 'HTTP/1.1 with Connection: close does not', req: req('GET', 'HTTP/1.1', [['Connection', 'close']]), want: false },
  { name: 'HTTP/1.0 closes by default', req: req('GET', 'HTTP/1.0'), want: false },
  { name: 'HTTP/1.0 with Connection: Keep-Alive keeps it', req: req('GET', 'HTTP/1.0', [['Connection', 'Keep-Alive']]), want: true },
];
for (const c of keepAliveCases) test(`keep-alive: ${c.name}`, () => assert.equal(clientKeepAlive(c.req), c.want));

test('a 400 page closes the connection even for a keep-alive client; a 502 keeps it', () => {
  const connection = (r: HttpResponse) => r.headers.find(([n]) => n === 'Connection')?.[1];
  assert.equal(connection(nginxPage(req('GET'), 400, NOW)), 'close');
  assert.equal(connection(nginxPage(req('GET'), 502, NOW)), 'keep-alive');
  assert.equal(nginxPage(req('HEAD'), 502, NOW).body.length, 0);
});

const proxiedCases: { name: string; req: HttpRequest; up: HttpResponse; want: { status: string; headers: string; body: string } }[] = [
  {
    name: 'fixed headers first in nginx order, then the rest in upstream order, upstream Server and Date hidden',
    req: req('GET'),
    up: upstream(200, [['X-B', '1'], ['Location', '/x'], ['Server', 'go'], ['Content-Length', '2'], ['Date', 'old'], ['Last-Modified', 'lm'], ['Content-Type', 't'], ['ETag', '"e"']], 'ok'),
    want: { status: '200 Whatever', headers: 'Date|Content-Type: t|Content-Length: 2|Last-Modified: lm|Location: /x|Connection: keep-alive|X-B: 1|ETag: "e"', body: 'ok' },
  },
  {
    name: 'hop-by-hop headers, and those the upstream names in Connection, are dropped',
    req: req('GET', 'HTTP/1.0'),
    up: upstream(200, [['Connection', 'keep-alive, X-Secret'], ['Keep-Alive', 'timeout=5'], ['Transfer-Encoding', 'chunked'], ['X-Secret', 's'], ['X-Pad', 'p'], ['X-Kept', 'k']], 'abc'),
    want: { status: '200 Whatever', headers: 'Date|Content-Length: 3|Connection: close|X-Kept: k', body: 'abc' },
  },
  {
    name: "a HEAD answer keeps the upstream's Content-Length and sends no body",
    req: req('HEAD'),
    up: upstream(200, [['Content-Length', '615']]),
    want: { status: '200 Whatever', headers: 'Date|Content-Length: 615|Connection: keep-alive', body: '' },
  },
  {
    name: 'a 304 has no Content-Length',
    req: req('GET'),
    up: upstream(304, [['ETag', '"e"'], ['Content-Length', '10']]),
    want: { status: '304 Whatever', headers: 'Date|Connection: keep-alive|ETag: "e"', body: '' },
  },
];

for (const c of proxiedCases)
  test(`proxied: ${c.name}`, () => {
    const r = proxiedResponse(c.req, c.up, NOW);
    const headers = r.headers.map(([n, v]) => (n === 'Date' ? (assert.equal(v, 'Mon, 23 Nov 2026 10:00:00 GMT'), n) : `${n}: ${v}`)).join('|');
    assert.deepEqual({ status: `${r.status} ${r.reason}`, headers, body: r.body.toString() }, c.want);
    assert.equal(r.version, 'HTTP/1.1');
  });
