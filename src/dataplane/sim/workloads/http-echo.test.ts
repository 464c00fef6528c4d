// hashicorp/http-echo answers its -text with Go's headers, serves /health, and logs in its own format.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../../core/clock.js';
import type { Container } from '../../../core/types.js';
import { serializeHttpResponse } from './http-message.js';
import { workloadsForPod, type HttpListener } from './pod-workloads.js';
import { connection, curlRequest, testPod } from './workload-fixtures.js';

const NOW = new Date('2026-11-23T10:00:00Z');
const crlf = (lines: string[]) => lines.map((l) => `${l}\r\n`).join('');
const echo = (args: string[], extra: Partial<Container> = {}): Container => ({ name: 'echo', image: 'hashicorp/http-echo:1.0', args, ...extra });
const goHead = (status: string, length: number) =>
  crlf([`HTTP/1.1 ${status}`, 'X-App-Name: http-echo', 'X-App-Version: 1.0.0', 'Date: Mon, 23 Nov 2026 10:00:00 GMT', `Content-Length: ${length}`, 'Content-Type: text/plain; charset=utf-8', '']);

const cases = [
  { name: 'GET / answers the -text and a newline with X-App-Name and X-App-Version first', c: echo(['-listen=:5678', '-text=users']), port: 5678, target: '/users', want: goHead('200 OK', 6) + 'users\n' },
  { name: 'the demo backend answers GET /health with {"status":"ok"}', c: echo(['-listen=:8080', '-text={"status":"ok"}']), port: 8080, target: '/health', want: goHead('200 OK', 16) + '{"status":"ok"}\n' },
  { name: '/health is 200 even when -status-code says otherwise', c: echo(['-text=x', '-status-code=503']), port: 5678, target: '/health', want: goHead('200 OK', 16) + '{"status":"ok"}\n' },
  { name: '-status-code sets the status of every other path', c: echo(['-text=down', '-status-code', '503']), port: 5678, target: '/', want: goHead('503 Service Unavailable', 5) + 'down\n' },
  { name: 'without -listen it listens on 5678', c: echo(['-text=hi']), port: 5678, target: '/', want: goHead('200 OK', 3) + 'hi\n' },
  { name: 'without -text the image ECHO_TEXT hello-world is served', c: echo([]), port: 5678, target: '/', want: goHead('200 OK', 12) + 'hello-world\n' },
];

for (const c of cases) {
  test(c.name, async () => {
    const w = workloadsForPod(testPod([c.c]), { clock: new FixedClock(NOW) });
    const r = w.connect(c.port, 'TCP', '10.244.1.5');
    assert.ok('listener' in r, JSON.stringify(r));
    const res = await (r.listener as HttpListener).http(curlRequest('backend:8080', c.target), connection('10.244.2.3:40000', `10.244.1.5:${c.port}`));
    assert.equal(serializeHttpResponse(res).toString('utf8'), c.want);
  });
}

const idle = [
  { name: 'an empty ECHO_TEXT and no -text exits 127, so nothing listens', c: echo([], { env: [{ name: 'ECHO_TEXT', value: '' }] }), want: 'http-echo exits 127: Missing -text option or ECHO_TEXT env var!' },
  { name: 'a stray argument exits 127, so nothing listens', c: echo(['-text=a', 'extra']), want: 'http-echo exits 127: Too many arguments! (extra)' },
];
for (const c of idle) {
  test(c.name, () => {
    const w = workloadsForPod(testPod([{ ...c.c, ports: [{ containerPort: 5678 }] }]), { clock: new FixedClock(NOW) });
    assert.deepEqual(w.listeners, []);
    assert.deepEqual(w.notListening, [{ container: 'echo', port: 5678, protocol: 'TCP', reason: c.want }]);
  });
}

test('a loopback -listen is reachable only from inside the pod', () => {
  const w = workloadsForPod(testPod([echo(['-listen=127.0.0.1:8080', '-text=x'])]), { clock: new FixedClock(NOW) });
  assert.ok('listener' in w.connect(8080, 'TCP', '127.0.0.1'));
  assert.deepEqual(w.connect(8080, 'TCP', '10.244.1.5'), { refused: 'http-echo 1.0.0 in container echo listens on 127.0.0.1:8080/TCP only; 10.244.1.5 is not that address' });
});

test('requests to / are logged in http-echo format, /health is not', async () => {
  const clock = new FixedClock(NOW);
  const w = workloadsForPod(testPod([echo(['-listen=:8080', '-text=ok'])], { annotations: { 'flatnet.dev/latency': '250ms' } }), { clock, sleep: async (ms) => clock.advance(ms) });
  const l = w.listeners[0] as HttpListener;
  const conn = connection('10.244.2.3:40000', '10.244.1.5:8080');
  await l.http(curlRequest('backend:8080', '/health'), conn);
  await l.http(curlRequest('backend:8080', '/x?y=1'), conn);
  assert.deepEqual(w.logs.lines('echo'), ['2026/11/23 09:00:00 [INFO] server is listening on :8080', '2026/11/23 10:00:00 backend:8080 10.244.2.3:40000 "GET /x HTTP/1.1" 200 3 "curl/8.8.0" 250ms']);
});
