// Discovery as kubectl sees it: aggregated v2 (kubectl 1.32), aggregated v2beta1 (kubectl 1.27, run by name from the
// SDK), and the legacy documents for clients that ask for plain JSON; every modelled type with its short names.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { FixedClock } from '../../core/clock.js';
import { RESOURCE_TYPES } from '../../core/resources.js';
import { REPO_ROOT, TEST_NOW } from '../../testing/cluster.js';
import { ApiHarness, startApiHarness } from '../../testing/kubectl.js';
import { spawn } from 'node:child_process';

let h: ApiHarness;
before(async () => {
  h = await startApiHarness({ paths: [join(REPO_ROOT, 'examples/demo')] }, new FixedClock(TEST_NOW));
});
after(() => h.dispose());

/** Each type kubectl api-resources prints: NAME, SHORTNAMES and KIND columns. */
function apiResources(stdout: string): string[] {
  return stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .map((f) => (f.length === 5 ? `${f[0]} ${f[1]} ${f[4]}` : `${f[0]} - ${f[3]}`))
    .sort();
}

const WANT = RESOURCE_TYPES.map((t) => `${t.plural} ${t.shortNames.join(',') || '-'} ${t.kind}`).sort();

test('kubectl api-resources lists every modelled type with its short names (aggregated discovery v2)', async () => {
  const r = await h.kubectl(['api-resources']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(apiResources(r.stdout), WANT);
  const short = await h.kubectl(['get', 'po,svc,deploy,ep,ns,no,sts,ds,ing,netpol', '-A', '-o', 'name']);
  assert.equal(short.code, 0, short.stderr);
  assert.match(short.stdout, /^networkpolicy\.networking\.k8s\.io\/deny-all-ingress$/m);
});

const KUBECTL_1_27 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.27';

test('kubectl 1.27, which knows only aggregated discovery v2beta1, finds the same types', { skip: !existsSync(KUBECTL_1_27) && `${KUBECTL_1_27} is not installed` }, async () => {
  const out = await new Promise<string>((resolve, reject) => {
    const c = spawn(KUBECTL_1_27, ['--kubeconfig', h.api.kubeconfigPath, '--cache-dir', join(h.dir, 'cache-1.27'), 'api-resources'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let s = '';
    c.stdout.on('data', (d) => (s += d));
    c.on('error', reject);
    c.on('close', () => resolve(s));
  });
  assert.deepEqual(apiResources(out), WANT);
});

function getJson(path: string, accept: string): Promise<{ type: string; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, h.api.url), { rejectUnauthorized: false, headers: { Authorization: `Bearer ${h.api.token}`, Accept: accept } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ type: String(res.headers['content-type']), body: JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the discovery document follows the Accept header, with the exact aggregated Content-Type', async () => {
  const v2 = await getJson('/apis', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json');
  assert.equal(v2.type, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  assert.deepEqual(v2.body.items.map((i: any) => i.metadata.name), ['apps', 'discovery.k8s.io', 'networking.k8s.io']);
  const legacy = await getJson('/apis', 'application/json, */*');
  assert.equal(legacy.type, 'application/json');
  assert.equal(legacy.body.kind, 'APIGroupList');
  const apps = await getJson('/apis/apps/v1', 'application/json');
  assert.deepEqual(
    apps.body.resources.filter((r: any) => r.name.endsWith('/scale')).map((r: any) => `${r.name} ${r.group}/${r.version} ${r.kind}`),
    ['deployments/scale autoscaling/v1 Scale', 'replicasets/scale autoscaling/v1 Scale', 'statefulsets/scale autoscaling/v1 Scale'],
  );
});
