// End to end: `flatnet up --flows FILE` records what the host's connections did, in Hubble's vocabulary — a NodePort
// answered by nginx (FORWARDED, HTTP 200) and one whose pod a NetworkPolicy isolates (DROPPED, POLICY_DENIED).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlatnetProcess } from '../../testing/process.js';
import { freeNodePort } from '../../testing/ports.js';

const CURL_MISSING = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'curl is not installed';

function curl(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => execFile('curl', args, (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout })));
}

const app = (name: string, nodePort: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: nginx, image: nginx:1.27, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec: {type: NodePort, selector: {app: ${name}}, ports: [{port: 80, targetPort: 80, nodePort: ${nodePort}}]}
---
`;

test('up --flows records a forwarded HTTP exchange and a policy drop with the policy named', { skip: CURL_MISSING }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-flows-'));
  const webPort = await freeNodePort(1);
  let apiPort = await freeNodePort(2);
  if (apiPort === webPort) apiPort = await freeNodePort(3);
  writeFileSync(
    join(dir, 'apps.yaml'),
    `${app('web', webPort)}${app('api', apiPort)}apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-deny-all}
spec: {podSelector: {matchLabels: {app: api}}, policyTypes: [Ingress]}
`,
  );
  const flows = join(dir, 'flows.jsonl');
  const up = new FlatnetProcess(['up', '-f', join(dir, 'apps.yaml'), '--state', join(dir, 'state'), '--dns', 'off', '--ingress', 'off', '--ingress-tls', 'off', '--flows', flows]);
  try {
    await up.waitFor(new RegExp(`NodePort: default/api 80:${apiPort}/TCP on 127\\.0\\.0\\.1`));
    await up.waitFor(/watching/);
    const ok = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${webPort}/`]);
    assert.equal(ok.stdout, '200');
    const dropped = await curl(['-s', '--max-time', '1', `http://127.0.0.1:${apiPort}/`]);
    assert.equal(dropped.code, 28);
  } finally {
    up.child.kill('SIGINT');
    await up.exited;
  }
  const lines = readFileSync(flows, 'utf8').trim().split('\n').map((l) => JSON.parse(l).flow);
  rmSync(dir, { recursive: true, force: true });
  const toWeb = lines.filter((f) => f.destination.pod_name?.startsWith('web-'));
  assert.ok(toWeb.some((f) => f.verdict === 'FORWARDED' && !f.is_reply), JSON.stringify(lines, null, 1));
  assert.ok(toWeb.some((f) => f.l7?.http?.code === 200) || lines.some((f) => f.source.pod_name?.startsWith('web-') && f.l7?.http?.code === 200), 'the HTTP response is in the log');
  const drop = lines.find((f) => f.verdict === 'DROPPED');
  assert.ok(drop, JSON.stringify(lines, null, 1));
  assert.equal(drop.drop_reason_desc, 'POLICY_DENIED');
  assert.match(drop.destination.pod_name, /^api-/);
  assert.deepEqual(drop.ingress_denied_by?.map((p: { namespace: string; name: string }) => `${p.namespace}/${p.name}`), ['default/api-deny-all']);
});

test('up --flows with a path that cannot be written is a usage error before anything starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-flows-bad-'));
  const up = new FlatnetProcess(['up', '-f', join(dir, 'none.yaml'), '--state', join(dir, 'state'), '--flows', join(dir, 'missing', 'flows.jsonl')]);
  const code = await up.exited;
  rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 2);
  assert.match(up.err, /^error: --flows \S+missing\/flows\.jsonl: cannot open for appending: ENOENT/m);
});
