// The flow log: the ring buffer's bounds and order, and RecordingDataPlane's flows for the demo cluster's forwarded,
// policy-dropped, refused and failing connections, in Hubble's field names, with L7 flows for HTTP responses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../core/clock.js';
import { NotFoundError } from '../core/errors.js';
import type { KubeObject } from '../core/types.js';
import { clusterFromYaml, demoYaml, find, list, TEST_NOW } from '../testing/cluster.js';
import { FlowEndpoints, FlowLog, flowsFor, RecordingDataPlane, type Flow } from './flows.js';
import { SimDataPlane } from './sim/sim-data-plane.js';
import type { ConnectRequest } from './types.js';

const EXTRA = `apiVersion: v1
kind: Service
metadata: {name: nobody, namespace: default}
spec:
  selector: {app: nobody}
  ports: [{port: 80, targetPort: 8080}]
`;
const demo = clusterFromYaml(
  `${demoYaml()}\n---\n${EXTRA}`,
);

function recorder(capacity?: number) {
  const clock = new FixedClock(TEST_NOW);
  const log = new FlowLog(capacity === undefined ? {} : { capacity });
  const dp = new RecordingDataPlane(new SimDataPlane(demo.objects, demo.config, { clock }), log, { clock, endpoints: new FlowEndpoints(demo.objects) });
  return { clock, log, dp };
}

function pod(ns: string, prefix: string): KubeObject {
  const p = list(demo, 'Pod', ns).find((x) => x.metadata.name.startsWith(prefix));
  if (!p) throw new Error(`no pod ${ns}/${prefix}*`);
  return p;
}
const from = (p: KubeObject): ConnectRequest['from'] => ({ kind: 'pod', namespace: p.metadata.namespace!, name: p.metadata.name });
const backendVip = () => ({ ip: find(demo, 'Service', 'production', 'backend').spec.clusterIP as string, port: 8080 });

function flow(overrides: Partial<Flow>): Flow {
  return { time: 't', verdict: 'FORWARDED', IP: { source: '10.0.0.1', destination: '10.0.0.2', ipVersion: 'IPv4' }, source: { labels: [] }, destination: { labels: [] }, Type: 'L3_L4', traffic_direction: 'EGRESS', Summary: '', ...overrides };
}

test('the ring buffer keeps the newest flows, oldest first, and counts every flow recorded', () => {
  const log = new FlowLog({ capacity: 3 });
  const seen: string[] = [];
  const stop = log.subscribe((f) => seen.push(f.Summary));
  for (let i = 1; i <= 5; i++) log.record(flow({ Summary: `f${i}` }));
  stop();
  log.record(flow({ Summary: 'f6' }));
  assert.deepEqual(log.flows().map((f) => f.Summary), ['f4', 'f5', 'f6']);
  assert.equal(log.recorded, 6);
  assert.deepEqual(seen, ['f1', 'f2', 'f3', 'f4', 'f5']);
});

test('a ring buffer not yet full returns what it holds, and the default capacity is 10 000', () => {
  const log = new FlowLog();
  assert.equal(log.capacity, 10_000);
  log.record(flow({ Summary: 'a' }));
  assert.deepEqual(log.flows().map((f) => f.Summary), ['a']);
});

test('a capacity that is not a positive integer is refused, naming the value', () => {
  for (const capacity of [0, -1, 1.5]) assert.throws(() => new FlowLog({ capacity }), /capacity: Invalid value: .*: must be a positive integer/);
});

test('monitoring → backend is DROPPED with POLICY_DENIED, at the backend pod, naming the isolating policies', () => {
  const { log, dp } = recorder();
  const mon = pod('production', 'monitoring');
  const out = dp.connect({ from: from(mon), to: backendVip(), protocol: 'TCP' });
  assert.equal(out.kind, 'timeout');
  const [f, ...rest] = log.flows();
  assert.equal(rest.length, 0);
  assert.equal(f.verdict, 'DROPPED');
  assert.equal(f.drop_reason_desc, 'POLICY_DENIED');
  assert.equal(f.drop_reason, 133);
  assert.equal(f.traffic_direction, 'INGRESS');
  assert.deepEqual(f.ingress_denied_by?.map((p) => `${p.namespace}/${p.name}`), ['production/allow-frontend-to-backend', 'production/deny-all-ingress']);
  assert.equal(f.egress_denied_by, undefined);
  assert.equal(f.IP.source, mon.status.podIP);
  assert.equal(f.source.pod_name, mon.metadata.name);
  assert.ok(f.source.labels.includes('k8s:app=monitoring'));
  assert.deepEqual(f.source.workloads, [{ name: 'monitoring', kind: 'Deployment' }]);
  assert.equal(f.destination.namespace, 'production');
  assert.match(f.destination.pod_name ?? '', /^backend-/);
  assert.deepEqual(f.destination_service, { name: 'backend', namespace: 'production' });
  // The backend pod that dropped it runs on node_name.
  assert.equal(find(demo, 'Pod', 'production', f.destination.pod_name!).spec.nodeName, f.node_name);
});

test('frontend → backend is FORWARDED with the allowing policy, and the HTTP response adds an L7 flow', async () => {
  const { log, dp } = recorder();
  const fe = pod('production', 'frontend');
  const out = dp.connect({ from: from(fe), to: backendVip(), protocol: 'TCP' });
  if (out.kind !== 'connected' || out.session.kind !== 'http') return assert.fail(`expected an HTTP connection, got ${out.kind}`);
  const [l4] = log.flows();
  assert.equal(l4.verdict, 'FORWARDED');
  assert.equal(l4.traffic_direction, 'EGRESS');
  assert.deepEqual(l4.ingress_allowed_by, [{ name: 'allow-frontend-to-backend', namespace: 'production', kind: 'NetworkPolicy' }]);
  assert.deepEqual(l4.l4, { TCP: { source_port: out.delivered.conn.source.port, destination_port: out.delivered.conn.destination.port, flags: { SYN: true } } });
  assert.equal(l4.IP.destination, out.delivered.conn.destination.ip);
  const res = await out.session.http({ method: 'GET', target: '/health', version: 'HTTP/1.1', headers: [['Host', 'backend:8080']] });
  const flows = log.flows();
  assert.equal(flows.length, 2);
  const l7 = flows[1];
  assert.equal(l7.Type, 'L7');
  assert.equal(l7.is_reply, true);
  assert.deepEqual(l7.l7?.http, { code: res.status, method: 'GET', url: 'http://backend:8080/health', protocol: 'HTTP/1.1' });
  assert.deepEqual([l7.IP.source, l7.IP.destination], [l4.IP.destination, l4.IP.source]);
  assert.equal(l7.source.pod_name, l4.destination.pod_name);
});

test('a port nothing listens on: the SYN is forwarded and the RST comes back as a reply flow', () => {
  const { log, dp } = recorder();
  const target = pod('default', 'pod2');
  const out = dp.connect({ from: from(pod('default', 'debug')), to: { ip: target.status.podIP, port: 9999 }, protocol: 'TCP' });
  assert.equal(out.kind, 'refused');
  const [syn, rst] = log.flows();
  assert.equal(syn.verdict, 'FORWARDED');
  assert.equal(syn.drop_reason_desc, undefined);
  assert.equal(rst.is_reply, true);
  assert.deepEqual(rst.l4, { TCP: { source_port: 9999, flags: { RST: true, ACK: true } } });
  assert.deepEqual([rst.IP.source, rst.source.pod_name], [target.status.podIP, 'pod2']);
});

test('a Service without endpoints is DROPPED with SERVICE_BACKEND_NOT_FOUND, naming the Service', () => {
  const { log, dp } = recorder();
  const ip = find(demo, 'Service', 'default', 'nobody').spec.clusterIP as string;
  const out = dp.connect({ from: from(pod('default', 'debug')), to: { ip, port: 80 }, protocol: 'TCP' });
  assert.notEqual(out.kind, 'connected');
  const [f] = log.flows();
  assert.equal(f.verdict, 'DROPPED');
  assert.equal(f.drop_reason_desc, 'SERVICE_BACKEND_NOT_FOUND');
  assert.deepEqual(f.destination_service, { name: 'nobody', namespace: 'default' });
  assert.deepEqual(f.destination.labels, ['reserved:world']);
});

test('a connect that throws is recorded as an ERROR flow and the error still reaches the caller', () => {
  const { log, dp } = recorder();
  assert.throws(() => dp.connect({ from: { kind: 'pod', namespace: 'default', name: 'ghost' }, to: { ip: '10.96.0.10', port: 53 }, protocol: 'UDP' }), NotFoundError);
  const [f] = log.flows();
  assert.equal(f.verdict, 'ERROR');
  assert.match(f.Summary, /ghost/);
  assert.deepEqual(f.l4, { UDP: { destination_port: 53 } });
});

test('an external client reaching a node is INGRESS from reserved:world; the node is reserved:host where observed', () => {
  const { log, dp } = recorder();
  const node = find(demo, 'Node', undefined, 'node-1');
  const ip = node.status.addresses.find((a: { type: string }) => a.type === 'InternalIP').address;
  dp.connect({ from: { kind: 'external', ip: '203.0.113.7' }, to: { ip, port: 22 }, protocol: 'TCP' });
  const [f] = log.flows();
  assert.equal(f.traffic_direction, 'INGRESS');
  assert.deepEqual(f.source.labels, ['reserved:world']);
  assert.deepEqual(f.destination.labels, ['reserved:host']);
  assert.equal(f.node_name, 'node-1');
});

test('toJsonLines writes one GetFlowsResponse object per line, the same for the same connections', () => {
  const run = () => {
    const { log, dp } = recorder();
    dp.connect({ from: from(pod('production', 'monitoring')), to: backendVip(), protocol: 'TCP' });
    dp.connect({ from: from(pod('production', 'frontend')), to: backendVip(), protocol: 'TCP' });
    return log.toJsonLines();
  };
  const text = run();
  assert.equal(text, run());
  const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  for (const l of lines) {
    assert.deepEqual(Object.keys(l), ['flow', 'node_name', 'time']);
    assert.equal(l.time, '2026-11-23T10:00:00Z');
    assert.equal(l.node_name, l.flow.node_name);
  }
  assert.deepEqual(lines.map((l) => l.flow.verdict), ['DROPPED', 'FORWARDED']);
});

test('a DNS answer given with a connection adds an L7 RESPONSE flow from the server back to the client', () => {
  const clock = new FixedClock(TEST_NOW);
  const dp = new SimDataPlane(demo.objects, demo.config, { clock });
  const req: ConnectRequest = { from: from(pod('default', 'debug')), to: { ip: '10.96.0.10', port: 53 }, protocol: 'UDP' };
  const out = dp.connect(req);
  if (out.kind !== 'connected') return assert.fail(out.message);
  const dns = { query: 'my-api.default.svc.cluster.local.', ips: [find(demo, 'Service', 'default', 'my-api').spec.clusterIP as string], rcode: 0, qtypes: ['A'], rrtypes: ['A'] };
  const [l4, l7] = flowsFor(req, out, { time: TEST_NOW, endpoints: new FlowEndpoints(demo.objects) }, { type: 'RESPONSE', dns });
  assert.deepEqual(l4.l4, { UDP: { source_port: out.delivered.conn.source.port, destination_port: 53 } });
  assert.equal(l7.Type, 'L7');
  assert.deepEqual(l7.l7?.dns, dns);
  assert.deepEqual([l7.IP.source, l7.IP.destination], [out.delivered.conn.destination.ip, l4.IP.source]);
  assert.deepEqual(l7.source_service, { name: 'kube-dns', namespace: 'kube-system' });
  assert.equal(l7.destination_service, undefined);
});

test('a flow read after the cluster changed names the endpoints as they were when it was recorded', async () => {
  const clock = new FixedClock(TEST_NOW);
  const log = new FlowLog();
  const endpoints = new FlowEndpoints(demo.objects);
  const dp = new RecordingDataPlane(new SimDataPlane(demo.objects, demo.config, { clock }), log, { clock, endpoints });
  const target = pod('default', 'pod2');
  const out = dp.connect({ from: from(pod('default', 'debug')), to: { ip: target.status.podIP, port: 80 }, protocol: 'TCP' });
  if (out.kind !== 'connected' || out.session.kind !== 'http') return assert.fail(`expected an HTTP connection, got ${out.kind}`);
  await out.session.http({ method: 'GET', target: '/', version: 'HTTP/1.1', headers: [['Host', 'pod2']] });
  const labels = target.metadata.labels ?? {};
  endpoints.update(demo.objects.map((o) => (o === target ? { ...o, metadata: { ...o.metadata, labels: { ...labels, relabelled: 'yes' } } } : o)));
  const [l4, l7] = log.flows();
  for (const f of [l4.destination, l7.source]) {
    assert.equal(f.pod_name, 'pod2');
    assert.ok(!f.labels.includes('k8s:relabelled=yes'), `labels as recorded: ${f.labels.join(' ')}`);
  }
  const again = dp.connect({ from: from(pod('default', 'debug')), to: { ip: target.status.podIP, port: 80 }, protocol: 'TCP' });
  assert.equal(again.kind, 'connected');
  assert.ok(log.flows()[2].destination.labels.includes('k8s:relabelled=yes'));
});

test('a subscriber gets each flow as it is recorded, the same as the log gives when read afterwards', async () => {
  const { log, dp } = recorder();
  const seen: string[] = [];
  log.subscribe((f) => seen.push(JSON.stringify(f)));
  dp.connect({ from: from(pod('production', 'monitoring')), to: backendVip(), protocol: 'TCP' });
  dp.connect({ from: from(pod('default', 'debug')), to: { ip: pod('default', 'pod2').status.podIP, port: 9999 }, protocol: 'TCP' });
  const out = dp.connect({ from: from(pod('production', 'frontend')), to: backendVip(), protocol: 'TCP' });
  if (out.kind !== 'connected' || out.session.kind !== 'http') return assert.fail(`expected an HTTP connection, got ${out.kind}`);
  await out.session.http({ method: 'GET', target: '/health', version: 'HTTP/1.1', headers: [['Host', 'backend:8080']] });
  assert.equal(seen.length, 5);
  assert.deepEqual(
    log.flows().map((f) => JSON.stringify(f)),
    seen,
  );
});
