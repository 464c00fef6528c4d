// The offline verbs reading a live cluster (--kubeconfig/--context): flatnet's own API server serving the demo (in
// process, and `flatnet up` itself) is the cluster; the official client (@kubernetes/client-node) and kubectl are the
// clients. Live answers must equal the offline answers for the same objects; user mistakes give one error line; RBAC
// gaps and paging go through a small HTTP server that serves the demo's objects.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { V1ListMeta, V1ObjectMeta, V1Service, V1ServicePort, V1ServiceSpec } from '@kubernetes/client-node';
import { FixedClock } from '../../core/clock.js';
import { resolveClusterConfig } from '../../core/cluster-config.js';
import { parseManifests } from '../../core/manifests.js';
import { apiVersionOf, RESOURCE_TYPES } from '../../core/resources.js';
import type { KubeObject } from '../../core/types.js';
import { runCli } from '../../testing/cli.js';
import { clusterFromYaml, REPO_ROOT, TEST_NOW } from '../../testing/cluster.js';
import { ApiHarness, startApiHarness } from '../../testing/kubectl.js';
import { FLATNET_BIN } from '../../testing/process.js';
import { LiveClusterError, withLiveInput } from './load.js';
import { loadLiveCluster, toWire } from './live.js';
import { runTrace, type TraceArgs } from './trace.js';

const DEMO = join(REPO_ROOT, 'examples/demo');
const TESTS = join(DEMO, 'connectivity-tests.yaml');
/** The demo plus a policy that isolates every pod of `default` for ingress: what `diff` compares the cluster with. */
const AFTER_CHANGE = mkdtempSync(join(tmpdir(), 'flatnet-live-diff-'));
for (const f of ['cluster.yaml', 'default.yaml', 'production.yaml', 'cache.yaml', 'ingress.yaml']) writeFileSync(join(AFTER_CHANGE, f), readFileSync(join(DEMO, f)));
writeFileSync(join(AFTER_CHANGE, 'deny.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: default}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n');

let h: ApiHarness;
let dir: string;
let kubeconfig: string;
before(async () => {
  h = await startApiHarness({ paths: [DEMO] }, new FixedClock(TEST_NOW));
  kubeconfig = h.api.kubeconfigPath;
  dir = mkdtempSync(join(tmpdir(), 'flatnet-live-'));
});
after(async () => {
  await h.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const quietIO = () => {
  const err: string[] = [];
  return { io: { stdout: () => {}, stderr: (s: string) => void err.push(s), readStdin: async () => '', clock: new FixedClock(TEST_NOW) }, err };
};

/** A copy of the harness kubeconfig with `edit` applied, written to a new file. */
function kubeconfigVariant(name: string, edit: (k: any) => void): string {
  const k = parse(readFileSync(kubeconfig, 'utf8'));
  edit(k);
  const path = join(dir, name);
  writeFileSync(path, stringify(k));
  return path;
}

/** The one line a user mistake prints: `error: ...`, no stack trace. */
function assertOneErrorLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l !== '' && !l.startsWith('Warning: '));
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /^error: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(stderr, /\n\s+at /);
}

const sameAnswers: { name: string; args: string[] }[] = [
  { name: 'get pods -A -o wide', args: ['get', 'pods', '-A', '-o', 'wide'] },
  { name: 'get nodes -o wide', args: ['get', 'nodes', '-o', 'wide'] },
  { name: 'get svc,endpoints -A -o wide', args: ['get', 'svc,endpoints', '-A', '-o', 'wide'] },
  { name: 'get endpointslices,netpol,ingress -A', args: ['get', 'endpointslices,netpol,ingress', '-A'] },
  { name: 'get deploy,rs,sts,ds -A -o wide', args: ['get', 'deploy,rs,sts,ds', '-A', '-o', 'wide'] },
  { name: 'can frontend → backend (allowed)', args: ['can', 'production/deploy/frontend', 'production/deploy/backend', '--port', '8080'] },
  { name: 'can monitoring → backend (denied)', args: ['can', 'production/deploy/monitoring', 'production/deploy/backend', '--port', '8080'] },
  { name: 'can frontend → backend through the Service', args: ['can', 'production/deploy/frontend', 'production/svc/backend', '--port', 'http', '-o', 'json'] },
  { name: 'matrix -A', args: ['matrix', '-A'] },
  { name: 'matrix -n production --port 8080 -o csv', args: ['matrix', '-n', 'production', '--port', '8080', '-o', 'csv'] },
  { name: 'dns of a Service name', args: ['dns', 'my-api.default.svc.cluster.local'] },
  { name: 'dns from a pod, with its search list', args: ['dns', 'backend', '--from', 'production/deploy/frontend'] },
  { name: 'dns of a name that does not exist', args: ['dns', 'nope.default.svc.cluster.local', '--type', 'A'] },
  { name: 'rules on node-1, nat table', args: ['rules', '--node', 'node-1', '--view', 'save', '-t', 'nat'] },
  { name: 'rules on the first node, list view', args: ['rules', '--view', 'list'] },
  { name: 'diff against a change that isolates default', args: ['diff', '--against', AFTER_CHANGE, '-n', 'default'] },
];

for (const c of sameAnswers)
  test(`${c.name}: the live cluster gives the same answer as the manifests`, async () => {
    const offline = await runCli([...c.args, '-f', DEMO]);
    const live = await runCli([...c.args, '--kubeconfig', kubeconfig]);
    assert.ok(offline.stdout.length > 0, offline.stderr);
    assert.equal(live.stdout, offline.stdout, live.stderr);
    assert.equal(live.code, offline.code);
    // Besides the `live:` assumptions, stderr says what it says offline.
    assert.equal(live.stderr.split('\n').filter((l) => !l.startsWith('Warning: live: ')).join('\n'), offline.stderr);
  });

test('get pods -A -o wide three hours later equals offline modulo AGE: the ages, IPs and nodes the server holds', async () => {
  const later = new Date(TEST_NOW.getTime() + 3 * 3600_000);
  const live = await runCli(['get', 'pods', '-A', '-o', 'wide', '--kubeconfig', kubeconfig], '', later);
  const offline = await runCli(['get', 'pods', '-A', '-o', 'wide', '-f', DEMO], '', later);
  // Offline objects are created at the clock's instant (AGE 0s); the server's three hours ago.
  const withoutAge = (s: string) => s.replace(/ {3}(3h|0s) {4}/g, ' AGE ');
  assert.notEqual(live.stdout, offline.stdout);
  assert.equal(withoutAge(live.stdout), withoutAge(offline.stdout));
  // The objects keep the server's IPs: every pod IP the server holds is printed.
  const pods = (h.manager.cluster!.objects as KubeObject[]).filter((o) => o.kind === 'Pod');
  assert.ok(pods.length > 20);
  for (const p of pods) assert.ok(live.stdout.includes(` ${p.status.podIP} `), `${p.metadata.name} ${p.status.podIP}`);
  assert.match(live.stdout.split('\n')[1], /\b3h\b/);
});

test('test runs the ConnectivityTest file against the live cluster, with the same results as offline', async () => {
  const offline = await runCli(['test', '-f', DEMO]);
  const live = await runCli(['test', '--kubeconfig', kubeconfig, '-f', TESTS]);
  assert.equal(offline.code, 0, offline.stderr);
  assert.equal(live.code, 0, live.stderr);
  assert.equal(live.stdout, offline.stdout);
  assert.match(live.stdout, /7 passed, 0 failed/);
});

test('test beside a live cluster refuses Kubernetes objects in -f, naming both flags', async () => {
  const r = await runCli(['test', '--kubeconfig', kubeconfig, '-f', join(DEMO, 'production.yaml')]);
  assert.equal(r.code, 2);
  assertOneErrorLine(r.stderr, /-f and --kubeconfig: .*production\.yaml doc 1 is a \w+.*ConnectivityTest/);
});

test('the ClusterConfig read from the live cluster equals the demo cluster.yaml', async () => {
  const { io, err } = quietIO();
  const live = await loadLiveCluster({ kubeconfig }, io);
  const doc = parseManifests(readFileSync(join(DEMO, 'cluster.yaml'), 'utf8'), 'cluster.yaml').docs[0].object;
  const want = resolveClusterConfig(doc).config!;
  const got = live.config;
  for (const field of ['nodeCIDR', 'podCIDR', 'nodeCIDRMaskSize', 'serviceCIDR', 'clusterDomain', 'dnsServiceIP', 'nodePortRange', 'loadBalancerPool', 'cni', 'proxyMode', 'dns'] as const)
    assert.deepEqual(got[field], want[field], field);
  assert.deepEqual(
    got.nodes.map((n) => ({ name: n.name, taints: n.taints, controlPlane: n.controlPlane })),
    want.nodes.map((n) => ({ name: n.name, taints: n.taints, controlPlane: n.controlPlane })),
  );
  for (const n of got.nodes) assert.equal(n.labels['kubernetes.io/hostname'], n.name);
  // What had to be assumed is said on stderr, once.
  assert.deepEqual(live.warnings.map((w) => w.split(':')[1].trim().split(' ')[0]), ['serviceCIDR', 'nodeCIDR', 'nodePortRange', 'CNI']);
  assert.equal(err.join(''), live.warnings.map((w) => `Warning: ${w}\n`).join(''));
});

const traces: Omit<TraceArgs, 'filename'>[] = [
  { from: 'production/deploy/frontend', target: 'backend', port: '8080', namespace: 'production' },
  { from: 'default/deploy/debug', target: 'my-api' },
  { from: 'external', target: 'http://my-api.example/' },
];

for (const t of traces)
  test(`trace ${t.from} → ${t.target}: the live cluster gives the same answer as the manifests`, async () => {
    const run = async (filename: string[], live: boolean) => {
      let stdout = '';
      const io = { stdout: (s: string) => void (stdout += s), stderr: () => {}, readStdin: async () => '', clock: new FixedClock(TEST_NOW) };
      const code = await runTrace({ ...t, filename }, live ? withLiveInput(io, { kubeconfig }) : io);
      return { code, stdout };
    };
    const offline = await run([DEMO], false);
    const live = await run([], true);
    assert.ok(offline.stdout.length > 0);
    assert.deepEqual(live, offline);
  });

test('flatnet up is the server: the flatnet binary reads it live, and says so in one line once it is gone', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'flatnet-live-up-'));
  const env = { ...process.env, SOURCE_DATE_EPOCH: String(TEST_NOW.getTime() / 1000) };
  const up = spawn(process.execPath, [FLATNET_BIN, 'up', '-f', DEMO, '--state', stateDir, '--api', '127.0.0.1:0', '--dns', 'off', '--ingress', 'off', '--ingress-tls', 'off', '--node-port-address', 'off'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let upOutput = '';
  up.stdout!.on('data', (d) => (upOutput += d));
  up.stderr!.on('data', (d) => (upOutput += d));
  const exited = new Promise((r) => up.once('exit', r));
  try {
    const config = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`flatnet up did not serve the API:\n${upOutput}`)), 20_000);
      up.stdout!.on('data', () => {
        const m = /kubeconfig in (\S+)/.exec(upOutput);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      void exited.then(() => reject(new Error(`flatnet up exited:\n${upOutput}`)));
    });
    assert.equal(config, join(stateDir, 'kubeconfig'));
    const flatnet = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [FLATNET_BIN, ...args], { env }, (e, stdout, stderr) => resolve({ code: e ? Number((e as { code?: number }).code) : 0, stdout, stderr })),
      );
    for (const args of [['get', 'pods', '-A', '-o', 'wide'], ['matrix', '-n', 'production']]) {
      const live = await flatnet([...args, '--kubeconfig', config]);
      const offline = await flatnet([...args, '-f', DEMO]);
      assert.equal(live.code, 0, live.stderr);
      assert.ok(offline.stdout.length > 0);
      assert.equal(live.stdout, offline.stdout);
    }
    up.kill('SIGKILL');
    await exited;
    const gone = await flatnet(['matrix', '-A', '--kubeconfig', config]);
    assert.equal(gone.code, 1);
    assert.equal(gone.stdout, '');
    assertOneErrorLine(gone.stderr, /cannot reach the API server at https:\/\/127\.0\.0\.1:\d+ \(context "flatnet"\): connection refused/);
  } finally {
    up.kill('SIGKILL');
    await exited;
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('live objects are the server objects in the JSON wire shape: RFC 3339 times, int-or-string kept, no re-allocation', async () => {
  const { io } = quietIO();
  const live = await loadLiveCluster({ kubeconfig }, io);
  const served = new Map((h.manager.cluster!.objects as KubeObject[]).map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
  const kinds = new Set(live.objects.map((o) => o.kind));
  for (const kind of ['Namespace', 'Node', 'Pod', 'Service', 'EndpointSlice', 'Endpoints', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Ingress', 'IngressClass', 'NetworkPolicy', 'ConfigMap'])
    assert.ok(kinds.has(kind), kind);
  for (const o of live.objects) {
    const s = served.get(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    assert.ok(s, `${o.kind} ${o.metadata.name} is not on the server`);
    assert.equal(o.apiVersion, s.apiVersion);
    assert.equal(o.metadata.uid, s.metadata.uid);
    assert.equal(o.metadata.creationTimestamp, s.metadata.creationTimestamp);
    assert.match(o.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    if (o.kind === 'Pod') assert.deepEqual([o.spec.nodeName, o.status.podIP, o.status.hostIP], [s.spec.nodeName, s.status.podIP, s.status.hostIP]);
    if (o.kind === 'Node') assert.deepEqual(o.spec.podCIDRs, s.spec.podCIDRs);
    if (o.kind === 'Service') assert.deepEqual(o.spec, s.spec);
  }
  const redis = live.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'redis')!;
  assert.equal(redis.spec.ports[0].targetPort, 'redis');
});

test('toWire turns the client models back into API JSON', () => {
  const svc = new V1Service();
  svc.metadata = Object.assign(new V1ObjectMeta(), { name: 'web', creationTimestamp: new Date('2026-01-02T03:04:05Z') });
  svc.spec = Object.assign(new V1ServiceSpec(), { ports: [Object.assign(new V1ServicePort(), { port: 80, targetPort: 'http' }), Object.assign(new V1ServicePort(), { port: 81, targetPort: 8081 })] });
  assert.deepEqual(toWire(svc), { metadata: { name: 'web', creationTimestamp: '2026-01-02T03:04:05Z' }, spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }] } });
  assert.deepEqual(toWire(Object.assign(new V1ListMeta(), { _continue: 'abc' })), { continue: 'abc' });
});

test('kubectl and flatnet read the same pods from the same kubeconfig', async () => {
  const k = await h.kubectl(['get', 'pods', '-A', '-o', 'wide']);
  const f = await runCli(['get', 'pods', '-A', '-o', 'wide', '--kubeconfig', kubeconfig]);
  assert.equal(k.code, 0, k.stderr);
  assert.equal(f.stdout, k.stdout);
  const kn = await h.kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.addresses[0].address}{"\\n"}{end}']);
  const { io } = quietIO();
  const live = await loadLiveCluster({ kubeconfig }, io);
  const fn = live.objects.filter((o) => o.kind === 'Node').map((n) => `${n.metadata.name} ${n.spec.podCIDR} ${n.status.addresses[0].address}\n`).join('');
  assert.equal(fn, kn.stdout);
});

test('--context picks the context; with only --context, KUBECONFIG is read with kubectl merging (first file wins)', async () => {
  const bad = kubeconfigVariant('bad-token', (k) => (k.users[0].user.token = 'wrong'));
  const missing = join(dir, 'does-not-exist');
  // The good file first: its user "flatnet" wins over the bad file's user of the same name.
  const { io } = quietIO();
  const ok = await loadLiveCluster({ context: 'flatnet', env: { KUBECONFIG: [missing, kubeconfig, bad].join(':') } }, io);
  assert.ok(ok.objects.length > 100);
  await assert.rejects(loadLiveCluster({ context: 'flatnet', env: { KUBECONFIG: [bad, kubeconfig].join(':') } }, quietIO().io), (e) => e instanceof LiveClusterError && /401/.test(e.message));
  const r = await runCli(['get', 'ns', '--context', 'flatnet', '--kubeconfig', kubeconfig]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^kube-system\s+Active/m);
});

const mistakes: { name: string; args: () => string[]; code: number; error: RegExp }[] = [
  { name: 'a wrong token (401)', args: () => ['get', 'pods', '--kubeconfig', kubeconfigVariant('401', (k) => (k.users[0].user.token = 'not-the-token'))], code: 1, error: /rejected the credentials of user "flatnet" \(401 Unauthorized\)/ },
  { name: 'an unknown --context', args: () => ['matrix', '--kubeconfig', kubeconfig, '--context', 'prod'], code: 2, error: /context "prod" not found in .*kubeconfig; its contexts: "flatnet"/ },
  { name: 'a missing kubeconfig file', args: () => ['can', 'a', 'b', '--port', '80', '--kubeconfig', join(dir, 'nope.yaml')], code: 2, error: /--kubeconfig .*nope\.yaml: no such file/ },
  { name: 'a kubeconfig that is not YAML of a kubeconfig', args: () => ['dns', 'x', '--kubeconfig', writeText('garbage', 'just text')], code: 2, error: /not a kubeconfig/ },
  { name: 'a kubeconfig whose cluster has no server', args: () => ['rules', '--kubeconfig', kubeconfigVariant('no-server', (k) => delete k.clusters[0].cluster.server)], code: 2, error: /clusters\[0\]\.cluster\.server is missing/ },
  { name: '-f with --kubeconfig', args: () => ['get', 'pods', '-f', DEMO, '--kubeconfig', kubeconfig], code: 2, error: /-f and --kubeconfig cannot be combined/ },
  { name: '-f with --context', args: () => ['matrix', '-f', DEMO, '--context', 'flatnet'], code: 2, error: /-f and --context cannot be combined/ },
];

function writeText(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

for (const m of mistakes)
  test(`${m.name} is one error line and exit ${m.code}`, async () => {
    const r = await runCli(m.args());
    assert.equal(r.code, m.code, r.stderr);
    assert.equal(r.stdout, '');
    assertOneErrorLine(r.stderr, m.error);
  });

test('a server that refuses connections is one error line naming it, exit 1', async () => {
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const path = kubeconfigVariant('refused', (k) => (k.clusters[0].cluster.server = `https://127.0.0.1:${port}`));
  const r = await runCli(['get', 'pods', '-A', '--kubeconfig', path]);
  assert.equal(r.code, 1);
  assertOneErrorLine(r.stderr, new RegExp(`cannot reach the API server at https://127\\.0\\.0\\.1:${port} \\(context "flatnet"\\): connection refused`));
});

/** A plain-HTTP API server over the demo's objects, paging by `pageSize`, with some kinds forbidden, not served, or never answered. */
async function fakeApiServer(opts: { forbidden?: string[]; notServed?: string[]; pageSize?: number; hang?: boolean }): Promise<{ server: Server; kubeconfig: string; requests: string[] }> {
  const objects = clusterFromYaml(readDemoYaml()).objects;
  const requests: string[] = [];
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${url.pathname}${url.search}`);
    if (opts.hang) return;
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const plural = url.pathname.split('/').pop();
    const type = RESOURCE_TYPES.find((t) => t.plural === plural && url.pathname === (t.group ? `/apis/${t.group}/${t.version}/${t.plural}` : `/api/v1/${t.plural}`));
    if (!type || opts.notServed?.includes(type.kind)) return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
    if (opts.forbidden?.includes(type.kind))
      return send(403, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: `${type.plural} is forbidden: User "reader" cannot list resource "${type.plural}" in API group "${type.group}" at the cluster scope` });
    const all = objects.filter((o) => o.kind === type.kind);
    const from = Number(url.searchParams.get('continue') ?? 0);
    const size = Math.min(Number(url.searchParams.get('limit') ?? all.length), opts.pageSize ?? all.length);
    const items = all.slice(from, from + size);
    const next = from + size < all.length ? String(from + size) : undefined;
    send(200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: { resourceVersion: '7', ...(next ? { continue: next } : {}) }, items });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const path = writeText(`fake-${port}`, stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // The client refuses http:// servers unless TLS checks are off.
    clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'reader', user: { token: 'reader-token' } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'reader' } }],
    'current-context': 'fake',
  }));
  return { server, kubeconfig: path, requests };
}

function readDemoYaml(): string {
  return ['cluster.yaml', 'default.yaml', 'production.yaml', 'cache.yaml', 'ingress.yaml'].map((f) => readFileSync(join(DEMO, f), 'utf8')).join('\n---\n');
}

test('a kind the user may not list (RBAC 403) or the server does not serve (404) is skipped with a warning naming it; the rest is analysed', async () => {
  const fake = await fakeApiServer({ forbidden: ['Secret'], notServed: ['IngressClass'] });
  try {
    const r = await runCli(['get', 'pods', '-n', 'production', '--kubeconfig', fake.kubeconfig]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^frontend-/m);
    const skipped = r.stderr.split('\n').filter((l) => l.includes('skipped'));
    assert.deepEqual(skipped, [
      'Warning: live: skipped kind Secret: forbidden: user "reader" may not list secrets at cluster scope (RBAC): secrets is forbidden: User "reader" cannot list resource "secrets" in API group "" at the cluster scope',
      'Warning: live: skipped kind IngressClass: the server does not serve ingressclasses.networking.k8s.io: the server could not find the requested resource',
    ]);
    const s = await runCli(['get', 'secrets', '-A', '--kubeconfig', fake.kubeconfig]);
    assert.equal(s.stdout, '');
    assert.match(s.stderr, /No resources found/);
  } finally {
    fake.server.close();
  }
});

test('every page of a LIST is read (limit/continue), whatever page size the server picks', async () => {
  const fake = await fakeApiServer({ pageSize: 4 });
  try {
    const { io } = quietIO();
    const live = await loadLiveCluster({ kubeconfig: fake.kubeconfig }, io);
    const offline = clusterFromYaml(readDemoYaml()).objects;
    const count = (list: KubeObject[], kind: string) => list.filter((o) => o.kind === kind).length;
    for (const kind of ['Pod', 'Service', 'EndpointSlice', 'ConfigMap']) assert.equal(count(live.objects, kind), count(offline, kind), kind);
    assert.ok(count(offline, 'Pod') > 8);
    assert.ok(fake.requests.some((r) => r.startsWith('/api/v1/pods?') && r.includes('continue=8')), fake.requests.join('\n'));
    assert.ok(fake.requests.every((r) => /[?&]limit=500(&|$)/.test(r)), fake.requests.join('\n'));
  } finally {
    fake.server.close();
  }
});

test('a server that never answers is given up on after the timeout, with one error', async () => {
  const fake = await fakeApiServer({ hang: true });
  try {
    await assert.rejects(loadLiveCluster({ kubeconfig: fake.kubeconfig, timeoutMs: 300 }, quietIO().io), (e) => e instanceof LiveClusterError && /^no answer from the API server at http:\/\/127\.0\.0\.1:\d+ \(context "fake"\) within 0\.3 s$/.test(e.message));
  } finally {
    fake.server.closeAllConnections();
    fake.server.close();
  }
});

test('with every kind forbidden, reading the cluster fails with one error', async () => {
  const fake = await fakeApiServer({ forbidden: RESOURCE_TYPES.map((t) => t.kind) });
  try {
    const r = await runCli(['get', 'pods', '--kubeconfig', fake.kubeconfig]);
    assert.equal(r.code, 1);
    assertOneErrorLine(r.stderr, /lets user "reader" list none of the kinds flatnet reads/);
  } finally {
    fake.server.close();
  }
});

after(() => rmSync(AFTER_CHANGE, { recursive: true, force: true }));
