// flatnet.dev/ workload annotations: validation that names pod, annotation and value, and the behaviour they state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../../core/clock.js';
import { formatProblem } from '../../../core/errors.js';
import { parseGoDuration, parseWorkloadAnnotations } from './annotations.js';
import { workloadsForPod, type HttpListener } from './pod-workloads.js';
import { connection, curlRequest, testPod } from './workload-fixtures.js';

const NOW = new Date('2026-11-23T10:00:00Z');
const nginx = { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] };
const sidecar = { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', 'infinity'] };

const invalid: { name: string; a: Record<string, string>; want: string }[] = [
  { name: 'a status that is not a number', a: { 'flatnet.dev/http-status': 'broken' }, want: 'Pod default/web-0: metadata.annotations[flatnet.dev/http-status]: Invalid value: "broken": must be an HTTP status code between 200 and 599, e.g. "503"' },
  { name: 'a status out of range', a: { 'flatnet.dev/http-status': '700' }, want: 'Pod default/web-0: metadata.annotations[flatnet.dev/http-status]: Invalid value: "700": must be an HTTP status code between 200 and 599, e.g. "503"' },
  { name: 'a latency without a unit', a: { 'flatnet.dev/latency': '250' }, want: 'Pod default/web-0: metadata.annotations[flatnet.dev/latency]: Invalid value: "250": must be a duration such as "250ms", "1.5s" or "1m"' },
  { name: 'a latency over ten minutes', a: { 'flatnet.dev/latency': '2h' }, want: 'Pod default/web-0: metadata.annotations[flatnet.dev/latency]: Invalid value: "2h": must be at most 10m' },
  { name: 'a listen entry with a bad port', a: { 'flatnet.dev/listen': '80,70000/TCP' }, want: 'Pod default/web-0: metadata.annotations[flatnet.dev/listen]: Invalid value: "80,70000/TCP": "70000/TCP": port must be between 1 and 65535, inclusive' },
  { name: 'a listen entry with an unknown protocol', a: { 'flatnet.dev/listen': '53/QUIC' }, want: 'Pod default/web-0: metadata.annotations[flatnet.dev/listen]: Invalid value: "53/QUIC": "53/QUIC": protocol must be TCP, UDP or SCTP' },
  { name: 'a listen entry naming no container of the pod', a: { 'flatnet.dev/listen': 'api:8080' }, want: 'Pod default/web-0: metadata.annotations[flatnet.dev/listen]: Invalid value: "api:8080": "api:8080": the pod has no container "api" (containers: nginx, sidecar)' },
  { name: 'a listen entry given twice', a: { 'flatnet.dev/listen': '8080,8080/tcp' }, want: 'Pod default/web-0: metadata.annotations[flatnet.dev/listen]: Invalid value: "8080,8080/tcp": "8080/tcp": 8080/TCP is listed twice' },
];

for (const c of invalid) {
  test(`invalid: ${c.name} is a problem naming the pod, the annotation and the value, and is ignored`, () => {
    const w = workloadsForPod(testPod([nginx, sidecar], { annotations: c.a }), { clock: new FixedClock(NOW) });
    assert.deepEqual(w.problems.map(formatProblem), [c.want]);
    assert.deepEqual(w.listeners.map((l) => [l.port, l.latencyMs]), [[80, 0]]);
  });
}

test('Go durations parse to milliseconds', () => {
  const cases: [string, number | undefined][] = [['250ms', 250], ['1.5s', 1500], ['1m30s', 90_000], ['0', 0], ['500us', 0.5], ['', undefined], ['5 s', undefined], ['-1s', undefined]];
  assert.deepEqual(cases.map(([s]) => parseGoDuration(s)), cases.map(([, want]) => want));
});

test('absent annotations parse to no overrides and no problems', () => {
  assert.deepEqual(parseWorkloadAnnotations(testPod([nginx])), { annotations: { latencyMs: 0 }, problems: [] });
});

const behaviour: { name: string; a: Record<string, string>; want: { status: number; reason: string; server: string; type: string; length: string } }[] = [
  {
    name: 'http-status turns every answer into that status, keeping the body and the server headers',
    a: { 'flatnet.dev/http-status': '503' },
    want: { status: 503, reason: 'Service Unavailable', server: 'nginx/1.27.0', type: 'text/html', length: '615' },
  },
  {
    name: 'http-body replaces the body, its length and type',
    a: { 'flatnet.dev/http-body': '{"status":"degraded"}' },
    want: { status: 200, reason: 'OK', server: 'nginx/1.27.0', type: 'application/json', length: '21' },
  },
  {
    name: 'status and body together',
    a: { 'flatnet.dev/http-status': '500', 'flatnet.dev/http-body': 'boom' },
    want: { status: 500, reason: 'Internal Server Error', server: 'nginx/1.27.0', type: 'text/plain; charset=utf-8', length: '4' },
  },
];
for (const c of behaviour) {
  test(c.name, async () => {
    const w = workloadsForPod(testPod([nginx], { annotations: c.a }), { clock: new FixedClock(NOW) });
    const res = await (w.listeners[0] as HttpListener).http(curlRequest('web'), connection('10.244.2.3:1000', '10.244.1.5:80'));
    const h = (n: string) => res.headers.find(([k]) => k === n)?.[1];
    assert.deepEqual({ status: res.status, reason: res.reason, server: h('Server'), type: h('Content-Type'), length: h('Content-Length') }, c.want);
    assert.equal(String(res.body.length), c.want.length);
    assert.match(w.logs.lines('nginx').at(-1)!, new RegExp(`" ${c.want.status} ${c.want.length} "`));
  });
}

test('latency waits before answering: the Date header and the log show the later time', async () => {
  const clock = new FixedClock(NOW);
  const waited: number[] = [];
  const w = workloadsForPod(testPod([nginx], { annotations: { 'flatnet.dev/latency': '1.5s' } }), { clock, sleep: async (ms) => (waited.push(ms), clock.advance(ms)) });
  const l = w.listeners[0] as HttpListener;
  assert.equal(l.latencyMs, 1500);
  assert.equal(l.describe(), 'nginx:1.27 (nginx/1.27.0) in container nginx serves HTTP on 80/TCP; answers after 1.5s (flatnet.dev/latency)');
  const res = await l.http(curlRequest('web'), connection('10.244.2.3:1000', '10.244.1.5:80'));
  assert.deepEqual(waited, [1500]);
  assert.equal(res.headers.find(([k]) => k === 'Date')?.[1], 'Mon, 23 Nov 2026 10:00:01 GMT');
});

test('listen replaces the sockets: the program moves where it can, an idle container gets the echo server', () => {
  const w = workloadsForPod(testPod([nginx, sidecar], { annotations: { 'flatnet.dev/listen': '8080/TCP, sidecar:9090/UDP' } }), { clock: new FixedClock(NOW) });
  assert.deepEqual(w.describe(), [
    'nginx:1.27 (nginx/1.27.0) in container nginx serves HTTP on 8080/TCP; from flatnet.dev/listen',
    'busybox:1.36 (busybox) in container sidecar serves UDP echo on 9090/UDP; from flatnet.dev/listen',
    'container nginx: nothing on 80/TCP: flatnet.dev/listen does not list 80/TCP',
  ]);
});

test('an empty listen annotation means nothing listens', () => {
  const w = workloadsForPod(testPod([nginx], { annotations: { 'flatnet.dev/listen': '' } }), { clock: new FixedClock(NOW) });
  assert.deepEqual(w.connect(80), { refused: 'nothing in pod default/web-0 listens on 80/TCP: flatnet.dev/listen does not list 80/TCP' });
});
