// `flatnet flows` output: the demo cluster's recorded flows printed as `hubble observe -o compact` prints them
// (hubble/pkg/printer: time in StampMilli, ns/pod:port, reserved identities, ->/<- by is_reply, type, verdict,
// summary), and the flags checked before any request is sent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../core/clock.js';
import { FlowEndpoints, flowJsonLine, FlowLog, RecordingDataPlane, type Flow } from '../../dataplane/flows.js';
import { SimDataPlane } from '../../dataplane/sim/sim-data-plane.js';
import { runCli } from '../../testing/cli.js';
import { clusterFromYaml, demoYaml, find, list, TEST_NOW } from '../../testing/cluster.js';
import { compactFlow, stampMilli, type FlowResponse } from './flows.js';

const demo = clusterFromYaml(demoYaml());

/** The flows of four connections in the demo: an HTTP GET frontend → backend, monitoring → backend, and from outside to a node port nothing serves. */
async function demoFlows(): Promise<FlowResponse[]> {
  const clock = new FixedClock(TEST_NOW);
  const log = new FlowLog();
  const dp = new RecordingDataPlane(new SimDataPlane(demo.objects, demo.config, { clock }), log, { clock, endpoints: new FlowEndpoints(demo.objects) });
  const pod = (prefix: string) => list(demo, 'Pod', 'production').find((p) => p.metadata.name.startsWith(prefix))!;
  const from = (prefix: string) => ({ kind: 'pod' as const, namespace: 'production', name: pod(prefix).metadata.name });
  const vip = { ip: find(demo, 'Service', 'production', 'backend').spec.clusterIP as string, port: 8080 };
  const ok = dp.connect({ from: from('frontend'), to: vip, protocol: 'TCP' });
  assert.ok(ok.kind === 'connected' && ok.session.kind === 'http');
  await ok.session.http({ method: 'GET', target: '/health', version: 'HTTP/1.1', headers: [['Host', 'backend:8080']] });
  dp.connect({ from: from('monitoring'), to: vip, protocol: 'TCP' });
  dp.connect({ from: { kind: 'external', ip: '203.0.113.10' }, to: { ip: '172.18.0.3', port: 80 }, protocol: 'TCP' });
  return log.flows().map((f) => JSON.parse(flowJsonLine(f)) as FlowResponse);
}

const REFUSED = "connection refused by node node-1 on 172.18.0.3:80/TCP: nothing in the node's network namespace listens on 80/TCP (hostNetwork pods there: kube-flannel/kube-flannel-ds-szmn4, kube-system/kube-network-policies-m8pf6, kube-system/kube-proxy-g9qzq)";

test('compact lines: forwarded SYN, the HTTP response seen from the client (<-), a policy drop, and a refusal from a node', async () => {
  const lines = (await demoFlows()).map((r) => compactFlow(r));
  assert.deepEqual(lines, [
    'Nov 23 10:00:00.000: production/frontend-8545b95d86-nlq6t:32768 (unknown) -> production/backend-6d8fcc97bf-4dvpg:8080 (unknown) to-endpoint FORWARDED (TCP connection accepted)\n',
    'Nov 23 10:00:00.000: production/frontend-8545b95d86-nlq6t:32768 (unknown) <- production/backend-6d8fcc97bf-4dvpg:8080 (unknown) http-response FORWARDED (HTTP/1.1 200 0ms (GET http://backend:8080/health))\n',
    'Nov 23 10:00:00.000: production/monitoring-65fbb694f4-8grtw (unknown) -> production/backend-6d8fcc97bf-4dvpg:8080 (unknown) Policy denied DROPPED (POLICY_DENIED: dropped by NetworkPolicy ingress (NetworkPolicy production/allow-frontend-to-backend, NetworkPolicy production/deny-all-ingress): production/backend-6d8fcc97bf-4dvpg is isolated for ingress by [production/allow-frontend-to-backend, production/deny-all-ingress] and none allows production/monitoring-65fbb694f4-8grtw on 8080/TCP)\n',
    `Nov 23 10:00:00.000: 203.0.113.10 (world) -> 172.18.0.3:80 (host) to-stack FORWARDED (PORT_UNREACHABLE: ${REFUSED})\n`,
    `Nov 23 10:00:00.000: 203.0.113.10 (world) <- 172.18.0.3:80 (host) to-stack FORWARDED (${REFUSED})\n`,
  ]);
});

test('--print-node-name puts the node after the time; a flow of unknown direction gets <>', async () => {
  const [first] = await demoFlows();
  assert.match(compactFlow(first, { nodeName: true }), /^Nov 23 10:00:00\.000 \[node-1\]: production\/frontend-/);
  const { is_reply: _, ...undirected } = first.flow;
  const error: Flow = { ...undirected, verdict: 'ERROR', Summary: 'boom' };
  assert.match(compactFlow({ ...first, flow: error }), / \(unknown\) <> production\/backend-6d8fcc97bf-4dvpg:8080 \(unknown\) UNKNOWN ERROR \(boom\)\n$/);
});

test('time is Go StampMilli in UTC, the day padded with a space', () => {
  assert.equal(stampMilli('2026-03-05T07:08:09.5Z'), 'Mar  5 07:08:09.500');
  assert.equal(stampMilli('2026-11-23T10:00:00+01:00'), 'Nov 23 09:00:00.000');
  assert.equal(stampMilli('not a time'), 'N/A');
});

const usage: { name: string; args: string[]; want: string }[] = [
  { name: 'an unknown output format', args: ['-o', 'table'], want: 'error: -o "table": unknown output format; use one of compact, json, jsonpb\n' },
  { name: 'an unknown verdict', args: ['--verdict', 'AUDIT'], want: 'error: --verdict "AUDIT": must be one of FORWARDED, DROPPED, ERROR\n' },
  { name: 'a since that is not a time', args: ['--since', 'tuesday'], want: 'error: --since "tuesday": want a duration before now such as 30s, 5m or 1h30m, or an RFC 3339 time such as 2024-11-23T10:00:00Z\n' },
];

for (const c of usage) {
  test(`flows: ${c.name} is a usage error before anything is asked (exit 2)`, async () => {
    const r = await runCli(['flows', '--state', '/nonexistent/flatnet-state', ...c.args]);
    assert.deepEqual(r, { code: 2, stdout: '', stderr: c.want });
  });
}

test('flows without a state directory says no flatnet up served from it (exit 1)', async () => {
  const r = await runCli(['flows', '--state', '/nonexistent/flatnet-state']);
  assert.deepEqual(r, {
    code: 1,
    stdout: '',
    stderr: 'error: no flatnet up has served the API from the state directory /nonexistent/flatnet-state: /nonexistent/flatnet-state/kubeconfig does not exist (start it with flatnet up; --state names its directory)\n',
  });
});
