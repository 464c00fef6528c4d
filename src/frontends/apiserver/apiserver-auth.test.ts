// The API server's transport and authentication, checked with curl and kubectl: HTTPS with a certificate that verifies
// for 127.0.0.1 from the kubeconfig's CA data, 401 Status without the token or with a wrong one, the public paths
// kube-apiserver leaves open, and credentials kept across a restart.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { FixedClock } from '../../core/clock.js';
import { REPO_ROOT, TEST_NOW } from '../../testing/cluster.js';
import { ApiHarness, runKubectl, startApiHarness } from '../../testing/kubectl.js';

const exec = promisify(execFile);

let h: ApiHarness;
let kubeconfig: any;
let caFile: string;
before(async () => {
  h = await startApiHarness({ paths: [join(REPO_ROOT, 'examples/demo/cluster.yaml')] }, new FixedClock(TEST_NOW));
  kubeconfig = parse(readFileSync(h.api.kubeconfigPath, 'utf8'));
  caFile = join(h.dir, 'ca.crt');
  writeFileSync(caFile, Buffer.from(kubeconfig.clusters[0].cluster['certificate-authority-data'], 'base64'));
});
after(() => h.dispose());

/** curl verifying the server with the kubeconfig's CA: status code, then the body. */
async function curl(path: string, token?: string): Promise<{ code: number; body: string }> {
  const args = ['-sS', '--cacert', caFile, '-w', '\n%{http_code}', ...(token !== undefined ? ['-H', `Authorization: Bearer ${token}`] : []), `${h.api.url}${path}`];
  const { stdout } = await exec('curl', args);
  const i = stdout.lastIndexOf('\n');
  return { code: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) };
}

const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

test('the kubeconfig names the server, its CA and the token, context flatnet in namespace default', () => {
  assert.equal(kubeconfig['current-context'], 'flatnet');
  assert.equal(kubeconfig.clusters[0].cluster.server, h.api.url);
  assert.match(h.api.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(kubeconfig.users[0].user.token, h.api.token);
  assert.deepEqual(kubeconfig.contexts[0].context, { cluster: 'flatnet', user: 'flatnet', namespace: 'default' });
});

test('requests without the token, or with a wrong one, get a 401 Status; with it, the API answers', async () => {
  assert.deepEqual(await curl('/api/v1/pods').then((r) => [r.code, JSON.parse(r.body)]), [401, UNAUTHORIZED]);
  assert.deepEqual(await curl('/api/v1/pods', 'not-the-token').then((r) => [r.code, JSON.parse(r.body)]), [401, UNAUTHORIZED]);
  assert.deepEqual(await curl('/healthz', 'not-the-token').then((r) => r.code), 401);
  const ok = await curl('/api/v1/namespaces/kube-system/pods', h.api.token);
  assert.equal(ok.code, 200);
  assert.equal(JSON.parse(ok.body).kind, 'PodList');
  assert.ok(JSON.parse(ok.body).items.length > 0);
});

test('version and health are public, as kube-apiserver serves them to anonymous clients', async () => {
  const v = await curl('/version');
  assert.equal(v.code, 200);
  assert.deepEqual([JSON.parse(v.body).major, JSON.parse(v.body).minor], ['1', '32']);
  for (const p of ['/healthz', '/livez', '/readyz']) assert.deepEqual(await curl(p), { code: 200, body: 'ok' });
});

test('kubectl with a wrong token is told to log in', async () => {
  const bad = join(h.dir, 'bad-kubeconfig');
  writeFileSync(bad, readFileSync(h.api.kubeconfigPath, 'utf8').replace(h.api.token, 'x'.repeat(43)));
  const r = await runKubectl(bad, join(h.dir, 'bad-cache'), ['get', 'pods']);
  assert.equal(r.code, 1);
  // What kubectl says to a real cluster that rejects its token: discovery fails first.
  assert.match(r.stderr, /\nerror: You must be logged in to the server \(the server has asked for the client to provide credentials\)\n$/);
});

test('a restart keeps the certificate and the token, so the kubeconfig stays valid', async () => {
  const dir = h.dir;
  await h.stop();
  const again = await startApiHarness({ paths: [join(REPO_ROOT, 'examples/demo/cluster.yaml')] }, new FixedClock(TEST_NOW), { dir });
  try {
    const after = parse(readFileSync(again.api.kubeconfigPath, 'utf8'));
    assert.equal(after.users[0].user.token, kubeconfig.users[0].user.token);
    assert.equal(after.clusters[0].cluster['certificate-authority-data'], kubeconfig.clusters[0].cluster['certificate-authority-data']);
    const r = await again.kubectl(['get', 'ns', 'kube-system', '-o', 'name']);
    assert.equal(r.stdout, 'namespace/kube-system\n');
  } finally {
    await again.stop();
  }
});
