// The access log line in ingress-nginx's upstreaminfo format: field by field, nginx's escaping and number formats, and
// agreement with the straightforward formatting it replaced (byte for byte, over generated requests).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { HttpHeader, HttpRequest } from '../dataplane/types.js';
import { accessLogLine, AccessLogEntry, seconds, timeLocal, UpstreamTry } from './access-log.js';

const END = new Date('2026-11-23T10:00:00.250Z');

function entry(overrides: Partial<AccessLogEntry> = {}, request: Partial<HttpRequest> = {}): AccessLogEntry {
  return {
    remoteAddr: '127.0.0.1',
    end: END,
    request: { method: 'GET', target: '/users', version: 'HTTP/1.1', headers: [['Host', 'app.test'], ['User-Agent', 'curl/8.5.0']], ...request },
    status: 200,
    bodyBytesSent: 12,
    requestTimeMs: 2,
    upstreamName: 'default-users-80',
    tries: [{ addr: '10.244.1.5:8080', responseLength: 12, responseTimeMs: 1, status: 200 }],
    requestId: '0000000000000000000000000000002a',
    ...overrides,
  };
}

const cases: { name: string; entry: AccessLogEntry; want: string }[] = [
  {
    name: 'a proxied request lists its upstream try',
    entry: entry(),
    want: '127.0.0.1 - - [23/Nov/2026:10:00:00 +0000] "GET /users HTTP/1.1" 200 12 "-" "curl/8.5.0" 63 0.002 [default-users-80] [] 10.244.1.5:8080 12 0.001 200 0000000000000000000000000000002a',
  },
  {
    name: 'a request nginx answered itself has - for every upstream variable',
    entry: entry({ status: 404, tries: [], upstreamName: '' }),
    want: '127.0.0.1 - - [23/Nov/2026:10:00:00 +0000] "GET /users HTTP/1.1" 404 12 "-" "curl/8.5.0" 63 0.002 [] [] - - - - 0000000000000000000000000000002a',
  },
  {
    name: 'every try is listed, comma-separated, in each upstream variable',
    entry: entry({
      status: 502,
      tries: [
        { addr: '10.244.1.5:8080', responseLength: 0, responseTimeMs: 5000, status: 504 },
        { addr: '10.244.2.7:8080', responseLength: 0, responseTimeMs: 0, status: 502 },
      ],
    }),
    want: '127.0.0.1 - - [23/Nov/2026:10:00:00 +0000] "GET /users HTTP/1.1" 502 12 "-" "curl/8.5.0" 63 0.002 [default-users-80] [] 10.244.1.5:8080, 10.244.2.7:8080 0, 0 5.000, 0.000 504, 502 0000000000000000000000000000002a',
  },
  {
    name: 'quotes, backslashes, control and non-ASCII bytes are written as \\xHH',
    entry: entry({}, { target: '/a"b\\c', headers: [['Referer', 'ü'], ['User-Agent', 'x\ty']] }),
    want: '127.0.0.1 - - [23/Nov/2026:10:00:00 +0000] "GET /a\\x22b\\x5Cc HTTP/1.1" 200 12 "\\xC3\\xBC" "x\\x09y" 52 0.002 [default-users-80] [] 10.244.1.5:8080 12 0.001 200 0000000000000000000000000000002a',
  },
];

for (const c of cases) test(`accessLogLine: ${c.name}`, () => assert.equal(accessLogLine(c.entry), c.want));

const secondsCases = [
  { ms: 0, want: '0.000' },
  { ms: 2, want: '0.002' },
  { ms: 2.4, want: '0.002' },
  { ms: 2.5, want: '0.003' },
  { ms: 999, want: '0.999' },
  { ms: 1000, want: '1.000' },
  { ms: 61_050, want: '61.050' },
  { ms: -3, want: '0.000' },
];
for (const c of secondsCases) test(`seconds(${c.ms}) is ${c.want}, nginx's msec precision`, () => assert.equal(seconds(c.ms), c.want));

test('timeLocal of two instants in the same second is the same text, of the next second the next', () => {
  assert.equal(timeLocal(new Date('2026-11-23T10:00:00.000Z')), '23/Nov/2026:10:00:00 +0000');
  assert.equal(timeLocal(new Date('2026-11-23T10:00:00.999Z')), '23/Nov/2026:10:00:00 +0000');
  assert.equal(timeLocal(new Date('2026-11-23T10:00:01.000Z')), '23/Nov/2026:10:00:01 +0000');
  assert.equal(timeLocal(new Date('2026-11-22T23:59:59.000Z')), '22/Nov/2026:23:59:59 +0000');
});

/** The formatting the line had before it was tuned: one escape over the whole request line, toFixed, map/join. */
function referenceLine(e: AccessLogEntry): string {
  const escape = (v: string | undefined) =>
    v === undefined || v === ''
      ? '-'
      : Buffer.from(v, 'utf8')
          .toString('latin1')
          .replace(/["\\]|[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  const secs = (ms: number) => (Math.max(0, Math.round(ms)) / 1000).toFixed(3);
  const get = (name: string) => e.request.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
  const d = e.end;
  const pad = (n: number) => String(n).padStart(2, '0');
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const time = `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  const req = e.request;
  const length = Buffer.byteLength(`${req.method} ${req.target} ${req.version}\r\n`, 'latin1') + req.headers.reduce((n, [k, v]) => n + Buffer.byteLength(`${k}: ${v}\r\n`, 'latin1'), 0) + 2 + (req.body?.length ?? 0);
  const list = (f: (t: UpstreamTry) => string) => (e.tries.length ? e.tries.map(f).join(', ') : '-');
  return [
    `${e.remoteAddr} - - [${time}] "${escape(`${req.method} ${req.target} ${req.version}`)}" ${e.status} ${e.bodyBytesSent}`,
    `"${escape(get('Referer'))}" "${escape(get('User-Agent'))}" ${length} ${secs(e.requestTimeMs)}`,
    `[${e.upstreamName}] []`,
    list((t) => t.addr),
    list((t) => String(t.responseLength)),
    list((t) => secs(t.responseTimeMs)),
    list((t) => String(t.status)),
    e.requestId,
  ].join(' ');
}

test('accessLogLine agrees byte for byte with the reference formatting over generated requests', () => {
  const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', '"', '\\', 'ü', '\u2192', '\ud800', 'a b', '\x7f'));
  const headerName = fc.constantFrom('Host', 'Referer', 'referer', 'User-Agent', 'USER-AGENT', 'X-Other');
  const headers = fc.array(fc.tuple(headerName, text), { maxLength: 4 }) as fc.Arbitrary<HttpHeader[]>;
  const ms = fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.double({ min: 0, max: 1e6, noNaN: true }));
  const tries = fc.array(fc.record({ addr: fc.constantFrom('10.0.0.1:80', '10.0.0.2:8080'), responseLength: fc.nat(5000), responseTimeMs: ms, status: fc.constantFrom(200, 502, 504) }), { maxLength: 3 });
  const arb = fc.record({
    method: fc.oneof(fc.constantFrom('GET', 'POST', ''), text),
    target: fc.oneof(fc.constantFrom('/', '/users?q=1'), text),
    version: fc.constantFrom('HTTP/1.0' as const, 'HTTP/1.1' as const),
    headers,
    requestTimeMs: ms,
    tries,
    end: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  });
  fc.assert(
    fc.property(arb, (a) => {
      const e = entry({ requestTimeMs: a.requestTimeMs, tries: a.tries, end: new Date(a.end) }, { method: a.method, target: a.target, version: a.version, headers: a.headers });
      assert.equal(accessLogLine(e), referenceLine(e));
    }),
    { numRuns: 3000, seed: 5 },
  );
});
