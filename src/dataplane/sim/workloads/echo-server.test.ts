// The echo server for unknown images names the pod, the socket and the request, like the conformance echoserver.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../../core/clock.js';
import { serializeHttpResponse } from './http-message.js';
import { workloadsForPod, type DatagramListener, type HttpListener } from './pod-workloads.js';
import { connection, curlRequest, testPod } from './workload-fixtures.js';

const NOW = new Date('2026-11-23T10:00:00Z');

test('an unknown image with a declared port answers JSON naming pod, namespace, pod IP, node, port and the request', async () => {
  const pod = testPod([{ name: 'app', image: 'ghcr.io/acme/orders:3.1', ports: [{ containerPort: 9090 }] }], { name: 'orders-5f6d', namespace: 'shop', ip: '10.244.2.7', node: 'node-2' });
  const w = workloadsForPod(pod, { clock: new FixedClock(NOW) });
  const req = curlRequest('orders.shop:9090', '/api/v1?q=<x>', { headers: [['x-forwarded-for', '203.0.113.7'], ['X-Forwarded-For', '10.0.0.1']] });
  const res = await (w.listeners[0] as HttpListener).http(req, connection('10.244.1.1:40000', '10.244.2.7:9090'));
  const body = `{
 "path": "/api/v1?q=\\u003cx\\u003e",
 "host": "orders.shop:9090",
 "method": "GET",
 "proto": "HTTP/1.1",
 "headers": {
  "Accept": [
   "*/*"
  ],
  "User-Agent": [
   "curl/8.8.0"
  ],
  "X-Forwarded-For": [
   "203.0.113.7",
   "10.0.0.1"
  ]
 },
 "namespace": "shop",
 "ingress": "",
 "service": "",
 "pod": "orders-5f6d",
 "podIP": "10.244.2.7",
 "node": "node-2",
 "container": "app",
 "containerPort": 9090,
 "clientAddr": "10.244.1.1:40000"
}`;
  const head = ['HTTP/1.1 200 OK', 'Content-Type: application/json', 'X-Content-Type-Options: nosniff', 'Date: Mon, 23 Nov 2026 10:00:00 GMT', `Content-Length: ${Buffer.byteLength(body)}`, '', ''].join('\r\n');
  assert.equal(serializeHttpResponse(res).toString(), head + body);
  assert.deepEqual(w.logs.lines('app'), ['Echoing back request made to /api/v1?q=<x> to client (10.244.1.1:40000)']);
});

test('a declared UDP port echoes datagrams back', async () => {
  const w = workloadsForPod(testPod([{ name: 'app', image: 'acme/dns-thing', ports: [{ containerPort: 5353, protocol: 'UDP' }] }]), { clock: new FixedClock(NOW) });
  const reply = await (w.listeners[0] as DatagramListener).datagram(Buffer.from('ping'), connection('10.244.2.3:1000', '10.244.1.5:5353', 'UDP'));
  assert.equal(reply?.toString(), 'ping');
});

test('the conformance echoserver takes its context from env and answers /health with OK', async () => {
  const c = { name: 'echo', image: 'gcr.io/k8s-staging-ingressconformance/echoserver:v20221109-7ee2f3e', env: [{ name: 'NAMESPACE', value: 'conf' }, { name: 'SERVICE_NAME', value: 'echo-service' }, { name: 'POD_NAME', value: 'echo-1' }] };
  const w = workloadsForPod(testPod([c]), { clock: new FixedClock(NOW) });
  const l = w.connect(3000);
  assert.ok('listener' in l);
  const http = l.listener as HttpListener;
  const conn = connection('10.244.2.3:1000', '10.244.1.5:3000');
  assert.equal((await http.http(curlRequest('x', '/health'), conn)).body.toString(), 'OK');
  const echoed = JSON.parse((await http.http(curlRequest('foo.bar.com', '/p'), conn)).body.toString());
  assert.deepEqual([echoed.namespace, echoed.service, echoed.pod, echoed.host, echoed.podIP], ['conf', 'echo-service', 'echo-1', 'foo.bar.com', undefined]);
});
