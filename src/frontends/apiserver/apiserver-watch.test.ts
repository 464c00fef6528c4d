// Watches through the API server: `kubectl get pods -w` prints a row for a pod created after it started, and a raw
// watch resumes from a resourceVersion, applies its selector and ends at timeoutSeconds.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { FixedClock } from '../../core/clock.js';
import { deploymentYaml, REPO_ROOT, TEST_NOW } from '../../testing/cluster.js';
import { ApiHarness, startApiHarness } from '../../testing/kubectl.js';
import { parseManifests } from '../../core/manifests.js';

let h: ApiHarness;
before(async () => {
  h = await startApiHarness({ paths: [join(REPO_ROOT, 'examples/demo/cluster.yaml')] }, new FixedClock(TEST_NOW));
  h.manager.write([{ put: parseManifests(deploymentYaml('web', 1), 'web.yaml').docs[0].object }]);
});
after(() => h.dispose());

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('kubectl get pods -w prints the rows it lists, then a row for a pod added later', async () => {
  const cache = join(h.dir, 'watch-cache');
  const child = spawn('kubectl', ['--kubeconfig', h.api.kubeconfigPath, '--cache-dir', cache, 'get', 'pods', '-l', 'app=web', '-w', '-o', 'wide'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  try {
    const first = h.manager.store.list('Pod', 'default').filter((p) => p.metadata.name.startsWith('web-'));
    assert.equal(first.length, 1);
    await until('the listed pod', () => out.includes(first[0].metadata.name));
    const scaled = await h.kubectl(['scale', 'deploy', 'web', '--replicas=2']);
    assert.equal(scaled.code, 0, scaled.stderr);
    const added = h.manager.store.list('Pod', 'default').find((p) => p.metadata.name.startsWith('web-') && p.metadata.name !== first[0].metadata.name)!;
    await until('the new pod row', () => out.includes(added.metadata.name));
    const row = out.split('\n').find((l) => l.startsWith(added.metadata.name))!;
    assert.match(row, new RegExp(`\\s1/1\\s+Running\\s+0\\s+0s\\s+${added.status.podIP.replace(/\./g, '\\.')}\\s+${added.spec.nodeName}\\s`));
    assert.equal(child.exitCode, null, `the watch is still open: ${err}`);
  } finally {
    child.kill();
  }
});

/** GETs `path` with the harness token; resolves with the status and body once the server ends the response. */
function get(path: string): Promise<{ status: number; body: string; ms: number }> {
  const url = new URL(path, h.api.url);
  const ca = Buffer.from((readFileSync(h.api.kubeconfigPath, 'utf8').match(/certificate-authority-data: (\S+)/) ?? [])[1] ?? '', 'base64');
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { Authorization: `Bearer ${h.api.token}` } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, ms: Date.now() - start }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a watch from a resourceVersion replays the later changes that match its selector, and ends at timeoutSeconds', async () => {
  const from = h.manager.store.resourceVersion;
  const r = await h.kubectl(['scale', 'deploy', 'web', '--replicas=3']);
  assert.equal(r.code, 0, r.stderr);
  const res = await get(`/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dweb&resourceVersion=${from}&timeoutSeconds=1`);
  assert.equal(res.status, 200);
  assert.ok(res.ms >= 900, `ended after ${res.ms} ms`);
  const events = res.body.trim().split('\n').map((l) => JSON.parse(l));
  const added = events.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name);
  assert.equal(added.length, 1);
  assert.ok(events.every((e) => e.object.kind === 'Pod' && e.object.metadata.labels.app === 'web' && Number(e.object.metadata.resourceVersion) > from));
  const none = await get(`/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dnosuch&resourceVersion=${from}&timeoutSeconds=1`);
  assert.equal(none.body, '');
});
