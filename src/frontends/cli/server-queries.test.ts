// End to end: a real `flatnet up` over the demo, asked by `flatnet can|matrix|trace --server` (the same answers as the
// offline verbs on the same files, and new ones after a real `kubectl apply`), and by `flatnet flows` for what curl
// did through the Ingress port — listed, and followed as it happens; with the instance gone, one error line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../testing/cli.js';
import { REPO_ROOT } from '../../testing/cluster.js';
import { runKubectl } from '../../testing/kubectl.js';
import { freeTcpPort } from '../../testing/ports.js';
import { FlatnetProcess } from '../../testing/process.js';

const MISSING =
  spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status !== 0 ? 'kubectl is not installed' : spawnSync('curl', ['--version'], { stdio: 'ignore' }).status !== 0 ? 'curl is not installed' : false;

function curl(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => execFile('curl', ['-sS', '--max-time', '10', ...args], (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout })));
}

// A plain-HTTP host (the demo's api.example.com has TLS, so ingress-nginx redirects plain HTTP to HTTPS).
const WWW = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: www}
spec:
  ingressClassName: nginx
  rules:
  - host: www.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: users-svc, port: {number: 80}}}}
`;

const ALLOW_MONITORING = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-monitoring, namespace: production}
spec:
  podSelector: {matchLabels: {app: backend}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: monitoring}}}]
    ports: [{port: 8080}]
`;

const ALLOWED = ['can', 'production/deploy/frontend', 'production/deploy/backend', '--port', '8080'];
const DENIED = ['can', 'production/deploy/monitoring', 'production/deploy/backend', '--port', '8080'];
const TRACE = ['trace', '-n', 'production', 'deploy/monitoring', 'http://backend:8080/health'];

test('can, matrix and trace --server answer from a running flatnet up; kubectl apply changes them; flows shows what curl did', { skip: MISSING }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-server-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const demo = join(dir, 'demo');
  cpSync(join(REPO_ROOT, 'examples/demo'), demo, { recursive: true });
  writeFileSync(join(demo, 'www.yaml'), WWW);
  const state = join(dir, 'state');
  const apiPort = await freeTcpPort();
  let ingressPort = await freeTcpPort();
  while (ingressPort === apiPort) ingressPort = await freeTcpPort();
  const up = new FlatnetProcess(['up', '-f', demo, '--state', state, '--api', `127.0.0.1:${apiPort}`, '--dns', 'off', '--ingress', `127.0.0.1:${ingressPort}`, '--ingress-tls', 'off', '--node-port-address', 'off']);
  t.after(() => up.child.kill('SIGKILL'));
  await up.waitFor(/watching/, 30_000);
  assert.match(up.out, new RegExp(`API: serving the Kubernetes API on https://127\\.0\\.0\\.1:${apiPort}`));
  const server = ['--server', '--state', state];

  // The seed's allowed and denied cases, the matrix and a trace: the instance answers as the offline verbs do.
  for (const args of [ALLOWED, DENIED, [...DENIED, '-o', 'json'], ['matrix', '-n', 'production'], TRACE]) {
    const offline = await runCli([...args, '-f', demo]);
    const remote = await runCli([...args, ...server]);
    assert.deepEqual(remote, offline, args.join(' '));
  }
  assert.equal((await runCli([...ALLOWED, ...server])).code, 0);
  assert.equal((await runCli([...DENIED, ...server])).code, 1);
  assert.equal((await runCli([...TRACE, ...server])).code, 1);
  // A usage error comes back as the verb's one line, exit 2.
  assert.deepEqual(await runCli([...DENIED, '--protocol', 'icmp', ...server]), { code: 2, stdout: '', stderr: 'error: --protocol "icmp": must be one of TCP, UDP, SCTP\n' });

  // kubectl apply through the same port: the next answers see the new policy.
  const cacheDir = join(dir, 'kubectl-cache');
  const applied = await runKubectl(join(state, 'kubeconfig'), cacheDir, ['apply', '-f', '-'], { stdin: ALLOW_MONITORING });
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(applied.stdout, 'networkpolicy.networking.k8s.io/allow-monitoring created\n');
  const now = await runCli([...DENIED, ...server]);
  assert.equal(now.code, 0, now.stdout + now.stderr);
  assert.match(now.stdout, /allow-monitoring/);
  const traced = await runCli([...TRACE, ...server]);
  assert.equal(traced.code, 0, traced.stdout + traced.stderr);
  assert.match(traced.stdout, /HTTP\/1\.1 200 OK/);
  assert.equal((await runCli([...DENIED, '-f', demo])).code, 1, 'the files on disk did not change');

  // curl through the Ingress port is recorded; flows lists it, compact and as JSON lines.
  assert.deepEqual(await curl(['-H', 'Host: www.example.com', `http://127.0.0.1:${ingressPort}/first`]), { code: 0, stdout: 'users\n' });
  const compact = await runCli(['flows', ...server]);
  assert.equal(compact.code, 0, compact.stderr);
  assert.match(compact.stdout, /^\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3}: ingress-nginx\/ingress-nginx-controller-[a-z0-9-]+:\d+ \(unknown\) <- default\/users-[a-z0-9-]+:5678 \(unknown\) http-response FORWARDED \(HTTP\/1\.1 200 [\d.]+ms \(GET http:\/\/www\.example\.com\/first\)\)$/m);
  const json = await runCli(['flows', ...server, '-o', 'json', '--pod', 'default/users', '--verdict', 'FORWARDED']);
  const responses = json.stdout.trim().split('\n').map((l) => JSON.parse(l).flow).filter((f) => f.l7?.http);
  assert.deepEqual(responses.map((f) => [f.verdict, f.l7.http.code, f.l7.http.url]), [['FORWARDED', 200, 'http://www.example.com/first']]);
  assert.equal((await runCli(['flows', ...server, '--verdict', 'DROPPED'])).stdout, '');

  // --follow: the history first, then a flow recorded after it started.
  const follow = new FlatnetProcess(['flows', ...server, '--follow', '--pod', 'default/users']);
  t.after(() => follow.child.kill('SIGKILL'));
  await follow.waitFor(/GET http:\/\/www\.example\.com\/first/);
  assert.doesNotMatch(follow.out, /\/second/);
  assert.deepEqual(await curl(['-H', 'Host: www.example.com', `http://127.0.0.1:${ingressPort}/second`]), { code: 0, stdout: 'users\n' });
  await follow.waitFor(/http-response FORWARDED \(HTTP\/1\.1 200 [\d.]+ms \(GET http:\/\/www\.example\.com\/second\)\)/);
  follow.child.kill('SIGTERM');
  await follow.exited;

  // The instance stopped: one line naming where it was expected, exit 1.
  up.child.kill('SIGINT');
  assert.equal(await up.exited, 0);
  const gone = `error: no flatnet up is serving the API at https://127.0.0.1:${apiPort} (start it with flatnet up; --state names its directory)\n`;
  assert.deepEqual(await runCli([...ALLOWED, ...server]), { code: 1, stdout: '', stderr: gone });
  assert.deepEqual(await runCli(['flows', ...server]), { code: 1, stdout: '', stderr: gone });
});

test('--server with -f is a usage error: the running instance holds the cluster', async () => {
  const r = await runCli([...ALLOWED, '--server', '-f', join(REPO_ROOT, 'examples/demo')]);
  assert.deepEqual(r, { code: 2, stdout: '', stderr: 'error: -f and --server cannot be combined: --server asks the running flatnet up, whose state holds the cluster\n' });
});

test('--server --kubeconfig names a kubeconfig that is not there: a usage error', async () => {
  const r = await runCli(['matrix', '--server', '--kubeconfig', '/nonexistent/kubeconfig']);
  assert.deepEqual(r, { code: 2, stdout: '', stderr: 'error: --kubeconfig /nonexistent/kubeconfig: no such file\n' });
});
