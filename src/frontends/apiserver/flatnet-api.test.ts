// flatnet's queries on the API port, in-process over the demo cluster: the bearer token guards them like the rest of
// the API, kubectl's discovery never sees the group, bad requests get one Status message, verbs answer with the CLI's
// output and exit code on the current state, and the flow log is filtered and followed as it grows.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ControllerManager } from '../../controllers/manager.js';
import { FixedClock } from '../../core/clock.js';
import { FlowEndpoints, FlowLog, RecordingDataPlane } from '../../dataplane/flows.js';
import { SimDataPlane } from '../../dataplane/sim/sim-data-plane.js';
import { readInputs } from '../cli/inputs.js';
import { apiEndpoint, postQuery, readFlows, type ApiEndpoint } from '../cli/remote.js';
import { runCli } from '../../testing/cli.js';
import { REPO_ROOT, TEST_NOW } from '../../testing/cluster.js';
import { FLATNET_API_PREFIX } from './flatnet-api.js';
import { serveApi, type ServedApi } from './server.js';

const DEMO = join(REPO_ROOT, 'examples/demo');
const clock = new FixedClock(TEST_NOW);

let dir: string;
let manager: ControllerManager;
let api: ServedApi;
let ep: ApiEndpoint;
let flows: FlowLog;
let dp: RecordingDataPlane;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flatnet-queries-'));
  manager = new ControllerManager(clock);
  manager.apply((await readInputs([DEMO])).docs);
  flows = new FlowLog();
  const objects = manager.store.all();
  dp = new RecordingDataPlane(new SimDataPlane(objects, manager.cluster!.config, { clock }), flows, { clock, endpoints: new FlowEndpoints(objects) });
  api = await serveApi(manager, { save: () => {} }, { address: { host: '127.0.0.1', port: 0 }, stateDir: dir, clock, flatnet: { flows } });
  ep = apiEndpoint({ kubeconfig: api.kubeconfigPath });
});
after(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One raw request with the kubeconfig's CA; the token unless `token` is false. */
function raw(method: string, path: string, body?: string, opts: { token?: boolean; contentType?: string } = {}): Promise<{ code: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(opts.token === false ? {} : { Authorization: `Bearer ${api.token}` }), ...(body !== undefined ? { 'Content-Type': opts.contentType ?? 'application/json' } : {}) };
    const req = request(`${api.url}${path}`, { method, headers, ca: ep.ca, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, type: String(res.headers['content-type']), body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pod = (prefix: string) => manager.store.all().find((o) => o.kind === 'Pod' && o.metadata.name.startsWith(prefix))!;
const from = (prefix: string) => ({ kind: 'pod' as const, namespace: 'production', name: pod(prefix).metadata.name });
const backendVip = () => ({ ip: manager.store.get('Service', 'production', 'backend')!.spec.clusterIP as string, port: 8080 });

test('without the token every flatnet query is a 401 Status, as on every other path', async () => {
  for (const [method, path] of [['POST', '/can'], ['POST', '/trace'], ['GET', '/flows'], ['GET', '/flows?follow=true']]) {
    const r = await raw(method, `${FLATNET_API_PREFIX}${path}`, method === 'POST' ? '{}' : undefined, { token: false });
    assert.equal(r.code, 401, `${method} ${path}`);
    assert.equal(JSON.parse(r.body).reason, 'Unauthorized');
  }
});

test('discovery does not advertise flatnet.dev, so kubectl api-resources and its cache are unchanged', async () => {
  const legacy = await raw('GET', '/apis');
  assert.equal(legacy.code, 200);
  assert.doesNotMatch(legacy.body, /flatnet/);
  assert.equal((await raw('GET', '/apis/flatnet.dev')).code, 404);
});

const badRequests: { name: string; method: string; path: string; body?: string; contentType?: string; code: number; message: string }[] = [
  { name: 'a body that is not JSON', method: 'POST', path: '/can', body: '{from:', code: 400, message: 'can: the body is not JSON: ' },
  { name: 'an unknown field and a missing one', method: 'POST', path: '/can', body: '{"from":"a","port":80,"colour":"red"}', code: 400, message: 'can: unknown field "colour" (can takes from, to, port, protocol, namespace, output); to: required' },
  { name: 'a field of the wrong type', method: 'POST', path: '/matrix', body: '{"allNamespaces":"yes"}', code: 400, message: 'matrix: allNamespaces: must be a boolean' },
  { name: 'YAML instead of JSON', method: 'POST', path: '/trace', body: 'from: a', contentType: 'application/yaml', code: 415, message: 'the body of trace must be application/json, not application/yaml' },
  { name: 'GET on a verb', method: 'GET', path: '/can', code: 405, message: 'GET is not supported on can; POST the arguments as JSON' },
  { name: 'POST on flows', method: 'POST', path: '/flows', body: '{}', code: 405, message: 'POST is not supported on flows; use GET' },
  { name: 'a verb flatnet does not have', method: 'POST', path: '/exec', body: '{}', code: 404, message: 'the server could not find the requested resource' },
  { name: 'an unknown verdict', method: 'GET', path: '/flows?verdict=LOST', code: 400, message: 'flows: verdict "LOST": must be one of FORWARDED, DROPPED, ERROR' },
];

for (const c of badRequests) {
  test(`${c.name} gets ${c.code} with one message`, async () => {
    const r = await raw(c.method, `${FLATNET_API_PREFIX}${c.path}`, c.body, { contentType: c.contentType });
    assert.equal(r.code, c.code, r.body);
    const status = JSON.parse(r.body);
    assert.equal(status.kind, 'Status');
    assert.ok(status.message.startsWith(c.message), status.message);
  });
}

test('can answers with the offline verb\'s output and exit code, and its usage errors as exit 2 with one line', async () => {
  const offline = await runCli(['can', 'production/deploy/monitoring', 'production/deploy/backend', '--port', '8080', '-f', DEMO]);
  assert.equal(offline.code, 1);
  const r = await postQuery(ep, 'can', { from: 'production/deploy/monitoring', to: 'production/deploy/backend', port: '8080' });
  assert.deepEqual({ code: r.exitCode, stdout: r.stdout, stderr: r.stderr }, offline);
  const bad = await postQuery(ep, 'can', { from: 'production/deploy/monitoring', to: 'production/deploy/backend', port: '8080', protocol: 'icmp' });
  assert.deepEqual(bad, { apiVersion: 'flatnet.dev/v1alpha1', kind: 'QueryResult', exitCode: 2, stdout: '', stderr: 'error: --protocol "icmp": must be one of TCP, UDP, SCTP\n' });
});

test('a write through the API changes the next answer: the queries read the current store', async () => {
  const policy = parseYaml(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-monitoring, namespace: production}
spec:
  podSelector: {matchLabels: {app: backend}}
  ingress: [{from: [{podSelector: {matchLabels: {app: monitoring}}}], ports: [{port: 8080}]}]
`);
  manager.write([{ put: policy }]);
  try {
    const r = await postQuery(ep, 'can', { from: 'production/deploy/monitoring', to: 'production/deploy/backend', port: '8080' });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /allow-monitoring/);
  } finally {
    manager.write([{ delete: { kind: 'NetworkPolicy', namespace: 'production', name: 'allow-monitoring' } }]);
  }
});

const badKubeconfigs: { name: string; edit: (kc: any) => void; want: (path: string) => string }[] = [
  {
    name: 'a token the server does not know',
    edit: (kc) => (kc.users[0].user.token = 'not-the-token'),
    want: (path) => `error: the API server at ${api.url} refused the token in ${path} (401 Unauthorized): the kubeconfig belongs to another instance\n`,
  },
  {
    name: 'a certificate authority that did not sign the server',
    // The demo's self-signed api.example.com certificate: a CA, but not the one that signed the API server's.
    edit: (kc) => (kc.clusters[0].cluster['certificate-authority-data'] = manager.store.get('Secret', 'default', 'api-tls-cert')!.data['tls.crt']),
    want: (path) => `error: cannot verify the API server at ${api.url} with the certificate authority in ${path}: self-signed certificate (is it another instance's kubeconfig?)\n`,
  },
];

for (const c of badKubeconfigs) {
  test(`--server with ${c.name}: one error line, exit 1`, async () => {
    const kc = parseYaml(readFileSync(api.kubeconfigPath, 'utf8'));
    c.edit(kc);
    const path = join(dir, 'other-kubeconfig');
    writeFileSync(path, stringifyYaml(kc));
    const r = await runCli(['can', 'production/deploy/monitoring', 'production/deploy/backend', '--port', '8080', '--server', '--kubeconfig', path]);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: c.want(path) });
  });
}

test('flows are filtered like hubble observe, and --follow streams the history then each new matching flow', async () => {
  dp.connect({ from: from('frontend'), to: backendVip(), protocol: 'TCP' });
  dp.connect({ from: from('monitoring'), to: backendVip(), protocol: 'TCP' });
  const all = await raw('GET', `${FLATNET_API_PREFIX}/flows`);
  assert.equal(all.type, 'application/x-ndjson');
  assert.deepEqual(all.body.trim().split('\n').map((l) => JSON.parse(l).flow.verdict), ['FORWARDED', 'DROPPED']);
  const dropped = await raw('GET', `${FLATNET_API_PREFIX}/flows?verdict=DROPPED&pod=production/monitoring`);
  assert.deepEqual(dropped.body.trim().split('\n').map((l) => JSON.parse(l).flow.drop_reason_desc), ['POLICY_DENIED']);
  assert.equal((await raw('GET', `${FLATNET_API_PREFIX}/flows?namespace=default`)).body, '');

  const seen: string[] = [];
  let received: () => void = () => {};
  const following = readFlows(ep, new URLSearchParams({ verdict: 'DROPPED', follow: 'true' }), (line) => {
    seen.push(JSON.parse(line).flow.Summary);
    received();
  });
  const waitFor = (n: number) => new Promise<void>((resolve) => {
    received = () => seen.length >= n && resolve();
    received();
  });
  await waitFor(1);
  dp.connect({ from: from('frontend'), to: backendVip(), protocol: 'TCP' }); // FORWARDED: filtered out
  dp.connect({ from: from('frontend'), to: { ip: pod('backend').status.podIP, port: 9999 }, protocol: 'TCP' });
  await waitFor(2);
  assert.equal(seen.length, 2);
  assert.match(seen[0], /^POLICY_DENIED: .* none allows production\/monitoring-[a-z0-9-]+ on 8080\/TCP$/);
  assert.match(seen[1], /^POLICY_DENIED: .* none allows production\/frontend-[a-z0-9-]+ on 9999\/TCP$/);
  await api.close(); // the server ends the stream; the reader returns
  await following;
});
