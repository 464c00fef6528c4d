// agnhost netexec and serve-hostname answer as the Kubernetes e2e image documents.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../../core/clock.js';
import type { Container } from '../../../core/types.js';
import { workloadsForPod, type DatagramListener, type HttpListener, type StreamListener } from './pod-workloads.js';
import { connection, curlRequest, testPod } from './workload-fixtures.js';

const NOW = new Date('2026-11-23T10:00:05Z');
const agnhost = (args: string[] | undefined, command?: string[]): Container => ({ name: 'agnhost', image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args, command, ports: [{ containerPort: 8080 }] });
const pod = (c: Container) => testPod([c], { name: 'my-api-7d4b9c-x2x5k' });
const conn = connection('10.244.2.3:51234', '10.244.1.5:8080');

const http = [
  { name: '/hostname answers the pod name', target: '/hostname', status: 200, body: 'my-api-7d4b9c-x2x5k' },
  { name: '/clientip answers ip:port of the client as the pod sees it', target: '/clientip', status: 200, body: '10.244.2.3:51234' },
  { name: '/echo?msg= answers the message', target: '/echo?msg=hello%20world', status: 200, body: 'hello world' },
  { name: '/echo with code answers that status', target: '/echo?msg=teapot&code=418', status: 418, body: 'teapot' },
  { name: '/healthz is 200 with an empty body', target: '/healthz', status: 200, body: '' },
  { name: 'any other path answers NOW with Go time and the monotonic reading', target: '/anything', status: 200, body: 'NOW: 2026-11-23 10:00:05 +0000 UTC m=+3605.000000000' },
];

for (const c of http) {
  test(`netexec: ${c.name}`, async () => {
    const w = workloadsForPod(pod(agnhost(['netexec', '--http-port=8080'])), { clock: new FixedClock(NOW) });
    const l = w.listeners.find((x) => x.protocol === 'TCP') as HttpListener;
    const res = await l.http(curlRequest('10.244.1.5:8080', c.target), conn);
    assert.deepEqual([res.status, res.body.toString()], [c.status, c.body]);
  });
}

test('netexec listens on HTTP 8080/TCP and UDP 8081 by default and logs its requests', async () => {
  const w = workloadsForPod(pod(agnhost(['netexec'])), { clock: new FixedClock(NOW) });
  assert.deepEqual(w.describe(), [
    'registry.k8s.io/e2e-test-images/agnhost:2.53 (agnhost netexec) in container agnhost serves HTTP on 8080/TCP',
    'registry.k8s.io/e2e-test-images/agnhost:2.53 (agnhost netexec) in container agnhost serves UDP commands (hostname, echo, clientip) on 8081/UDP',
  ]);
  await (w.listeners[0] as HttpListener).http(curlRequest('x', '/hostname'), conn);
  assert.deepEqual(w.logs.lines('agnhost'), ['2026/11/23 09:00:00 Started UDP server on port  8081', '2026/11/23 09:00:00 Started HTTP server on port 8080', '2026/11/23 10:00:05 GET /hostname']);
});

const udp = [
  { name: 'hostname answers the pod name', send: 'hostname\n', want: 'my-api-7d4b9c-x2x5k' },
  { name: 'echo answers the rest, lowercased as netexec does', send: 'echo Hi There', want: 'hi there' },
  { name: 'clientip answers ip:port', send: 'clientip', want: '10.244.2.3:51234' },
  { name: 'an unknown command gets no answer', send: 'bogus', want: undefined },
];
for (const c of udp) {
  test(`netexec UDP: ${c.name}`, async () => {
    const w = workloadsForPod(pod(agnhost(['netexec', '--udp-port', '9000'])), { clock: new FixedClock(NOW) });
    const l = w.listeners.find((x) => x.protocol === 'UDP') as DatagramListener;
    assert.equal(l.port, 9000);
    const reply = await l.datagram(Buffer.from(c.send), connection('10.244.2.3:51234', '10.244.1.5:9000', 'UDP'));
    assert.equal(reply?.toString(), c.want);
  });
}

test('serve-hostname answers the hostname over HTTP on 9376', async () => {
  const w = workloadsForPod(testPod([agnhost(undefined, ['/agnhost', 'serve-hostname'])], { name: 'web-1', hostname: 'custom' }), { clock: new FixedClock(NOW) });
  const l = w.connect(9376);
  assert.ok('listener' in l);
  const res = await (l.listener as HttpListener).http(curlRequest('x'), conn);
  assert.equal(res.body.toString(), 'custom');
});

test('serve-hostname --tcp --http=false writes the hostname on accept and closes', () => {
  const w = workloadsForPod(pod(agnhost(['serve-hostname', '--tcp', '--http=false', '--port=9000'])), { clock: new FixedClock(NOW) });
  const l = w.listeners[0] as StreamListener;
  assert.deepEqual(l.open(conn).greeting, { data: Buffer.from('my-api-7d4b9c-x2x5k'), close: true });
});

test("agnhost's default command pause binds nothing", () => {
  const w = workloadsForPod(pod(agnhost(undefined)), { clock: new FixedClock(NOW) });
  assert.deepEqual(w.connect(8080), { refused: 'nothing in pod default/my-api-7d4b9c-x2x5k listens on 8080/TCP: agnhost pause only waits for a signal; nothing listens' });
});
