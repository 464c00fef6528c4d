// SimDataPlane works a path out once per cluster snapshot (routes, NetworkPolicy verdicts, the deliver hop) and keeps
// it until update(): every change of the cluster is seen by the next connection, and what happens per connection
// (the accepting socket, an HTTP override, the source port, the balancer's turn) still happens each time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../core/clock.js';
import type { KubeObject } from '../../core/types.js';
import { clusterFromYaml, demoYaml, find, list, TEST_NOW } from '../../testing/cluster.js';
import type { ConnectOutcome, ConnectRequest, HttpResponse } from '../types.js';
import { SimDataPlane } from './sim-data-plane.js';
import { curlRequest } from './workloads/workload-fixtures.js';

const DEMO_YAML = demoYaml();
const demo = clusterFromYaml(DEMO_YAML);
const clock = () => new FixedClock(TEST_NOW);

/** Every pod of the default namespace isolated for ingress: the demo's CNI profile enforces NetworkPolicy. */
const DENY_DEFAULT = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all-ingress, namespace: default}
spec: {podSelector: {}, policyTypes: [Ingress]}
`;
/** Pods labelled quarantine=true isolated for ingress. */
const QUARANTINE = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: quarantine, namespace: default}
spec: {podSelector: {matchLabels: {quarantine: "true"}}, policyTypes: [Ingress]}
`;

function pod(c: { objects: KubeObject[] }, ns: string, prefix: string): KubeObject {
  const p = list(c, 'Pod', ns).find((x) => x.metadata.name.startsWith(prefix));
  if (!p) throw new Error(`no pod ${ns}/${prefix}* in the cluster`);
  return p;
}
const from = (p: KubeObject): ConnectRequest['from'] => ({ kind: 'pod', namespace: p.metadata.namespace!, name: p.metadata.name });

/** debug → the first my-api pod's IP on 8080, the path the tests take again and again. */
function toApi(c: { objects: KubeObject[] }): ConnectRequest {
  return { from: from(pod(c, 'default', 'debug')), to: { ip: pod(c, 'default', 'my-api').status.podIP, port: 8080 }, protocol: 'TCP' };
}

function kinds(dp: SimDataPlane, req: ConnectRequest, times = 2): string[] {
  return Array.from({ length: times }, () => {
    const o = dp.connect(req);
    return o.kind === 'connected' ? o.kind : `${o.kind} ${o.reason}`;
  });
}

test('a NetworkPolicy applied by update() drops the next connection on a path that connected before; deleting it lets the next one through', () => {
  const dp = new SimDataPlane(demo.objects, demo.config, { clock: clock() });
  const req = toApi(demo);
  assert.deepEqual(kinds(dp, req), ['connected', 'connected']);
  const denied = clusterFromYaml(`${DEMO_YAML}\n---\n${DENY_DEFAULT}`, demo.objects);
  dp.update(denied.objects, denied.config);
  const out = dp.connect(req);
  assert.equal(out.kind, 'timeout');
  assert.match(out.kind === 'timeout' ? out.message : '', /NetworkPolicy default\/deny-all-ingress/);
  assert.deepEqual(kinds(dp, req), ['timeout POLICY_DENIED', 'timeout POLICY_DENIED']);
  dp.update(demo.objects, demo.config);
  assert.deepEqual(kinds(dp, req), ['connected', 'connected']);
});

test('a pod relabelled by update() falls under the policy that selects the new label at the next connection', () => {
  const withPolicy = clusterFromYaml(`${DEMO_YAML}\n---\n${QUARANTINE}`);
  const dp = new SimDataPlane(withPolicy.objects, withPolicy.config, { clock: clock() });
  const req = toApi(withPolicy);
  assert.deepEqual(kinds(dp, req), ['connected', 'connected']);
  const target = pod(withPolicy, 'default', 'my-api');
  const relabelled = withPolicy.objects.map((o) => (o === target ? { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, quarantine: 'true' } } } : o));
  dp.update(relabelled, withPolicy.config);
  assert.deepEqual(kinds(dp, req), ['timeout POLICY_DENIED', 'timeout POLICY_DENIED']);
});

test('a pod removed by update() is no longer reached at its IP: the next connection finds no pod there', () => {
  const dp = new SimDataPlane(demo.objects, demo.config, { clock: clock() });
  const req = toApi(demo);
  assert.deepEqual(kinds(dp, req), ['connected', 'connected']);
  const gone = pod(demo, 'default', 'my-api');
  dp.update(
    demo.objects.filter((o) => o !== gone),
    demo.config,
  );
  const out = dp.connect(req);
  assert.equal(out.kind, 'unreachable');
  assert.match(out.kind === 'unreachable' ? out.message : '', new RegExp(`no pod has ${gone.status.podIP.replace(/\./g, '\\.')}`));
});

test('an HTTP override that starts answering after a path was taken answers the next connection on it, and its deliver hop says so', async () => {
  let overriding = false;
  const dp = new SimDataPlane(demo.objects, demo.config, {
    clock: clock(),
    httpOverride: (p, port) => (overriding && p.metadata.name.startsWith('my-api') && port === 8080 ? async (): Promise<HttpResponse> => ({ version: 'HTTP/1.1', status: 418, reason: "I'm a teapot", headers: [], body: Buffer.from('override') }) : undefined),
  });
  const req = toApi(demo);
  const answer = async (o: ConnectOutcome) => {
    if (o.kind !== 'connected' || o.session.kind !== 'http') return assert.fail(`expected an HTTP connection, got ${o.kind}`);
    return { status: (await o.session.http(curlRequest('my-api', '/'))).status, deliver: o.hops[o.hops.length - 1].summary };
  };
  const before = await answer(dp.connect(req));
  assert.notEqual(before.status, 418);
  assert.doesNotMatch(before.deliver, /flatnet's HTTP proxy/);
  overriding = true;
  const after = await answer(dp.connect(req));
  assert.equal(after.status, 418);
  assert.match(after.deliver, /served by flatnet's HTTP proxy in place of the emulated program/);
  overriding = false;
  assert.deepEqual(await answer(dp.connect(req)), before);
});

test('each connection on a kept path has its own hops array and its own source port', () => {
  const dp = new SimDataPlane(demo.objects, demo.config, { clock: clock() });
  const req = toApi(demo);
  const first = dp.connect(req);
  const hops = first.hops.map((h) => h.summary);
  first.hops.push({ stage: 'deliver', at: 'nowhere', summary: 'added by the caller', objects: [] });
  first.hops.shift();
  const second = dp.connect(req);
  assert.deepEqual(
    second.hops.map((h) => h.summary),
    hops,
  );
  assert.ok(first.kind === 'connected' && second.kind === 'connected');
  assert.equal(second.delivered.conn.source.port, first.delivered.conn.source.port + 1);
});

test('a failed path answers the same outcome every time, in an array the caller may change', () => {
  const dp = new SimDataPlane(demo.objects, demo.config, { clock: clock() });
  const req: ConnectRequest = { from: from(pod(demo, 'production', 'monitoring')), to: { ip: pod(demo, 'production', 'backend').status.podIP, port: 8080 }, protocol: 'TCP' };
  const first = dp.connect(req);
  assert.equal(first.kind, 'timeout');
  const copy = structuredClone(first);
  first.hops.length = 0;
  assert.deepEqual(dp.connect(req), copy);
});

test('connections to a Service still take its endpoints in turn: a balanced path is worked out for every connection', () => {
  const dp = new SimDataPlane(demo.objects, demo.config, { clock: clock() });
  const req: ConnectRequest = { from: from(pod(demo, 'production', 'frontend')), to: { ip: find(demo, 'Service', 'production', 'backend').spec.clusterIP, port: 8080 }, protocol: 'TCP' };
  const pods = Array.from({ length: 4 }, () => {
    const o = dp.connect(req);
    return o.kind === 'connected' ? o.delivered.pod?.name : o.kind;
  });
  assert.equal(new Set(pods).size, 2, `both backend pods, in turn: ${pods.join(', ')}`);
  assert.deepEqual(pods.slice(2), pods.slice(0, 2));
});
