// `kubectl apply` against `flatnet up` reaches every engine of the running instance: the new Service answers in the
// cluster DNS (asked with the real dig) and the new Ingress routes to the new pods (asked with the real curl).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../testing/cluster.js';
import { runKubectl } from '../../testing/kubectl.js';
import { freeTcpPort, freeUdpPort } from '../../testing/ports.js';
import { FlatnetProcess } from '../../testing/process.js';

const MISSING = ['dig', 'curl'].find((t) => spawnSync(t, ['-v'], { stdio: 'ignore' }).error !== undefined);

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => execFile(cmd, args, (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout })));
}

/** Retries `probe` until it returns a value (the engines follow the store in the same turn; this only absorbs scheduling). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 40; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never: ${what}`);
}

const APP = `apiVersion: apps/v1
kind: Deployment
metadata: {name: late}
spec:
  replicas: 2
  selector: {matchLabels: {app: late}}
  template:
    metadata: {labels: {app: late}}
    spec: {containers: [{name: echo, image: hashicorp/http-echo:1.0, args: ["-text=late"], ports: [{containerPort: 5678}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: late}
spec: {selector: {app: late}, ports: [{port: 80, targetPort: 5678}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: late}
spec:
  ingressClassName: nginx
  rules: [{host: late.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: late, port: {number: 80}}}}]}}]
`;

test('kubectl apply reaches the DNS server and the Ingress proxy of flatnet up', { skip: MISSING && `${MISSING} is not installed` }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-api-engines-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dnsPort = await freeUdpPort();
  const ingressPort = await freeTcpPort();
  const state = join(dir, 'state');
  const p = new FlatnetProcess(['up', '-f', join(REPO_ROOT, 'examples/demo/cluster.yaml'), '--state', state, '--api', '127.0.0.1:0', '--dns', `127.0.0.1:${dnsPort}`, '--ingress', `127.0.0.1:${ingressPort}`, '--ingress-tls', 'off', '--node-port-address', 'off']);
  t.after(async () => {
    p.child.kill('SIGTERM');
    await p.exited;
  });
  await p.waitFor(/watching/);
  const name = 'late.default.svc.cluster.local';
  const before = await run('dig', ['+short', '@127.0.0.1', '-p', String(dnsPort), name]);
  assert.equal(before.stdout.trim(), '', 'the Service does not exist yet');
  writeFileSync(join(dir, 'late.yaml'), APP);
  const kubeconfig = join(state, 'kubeconfig');
  const applied = await runKubectl(kubeconfig, mkdtempSync(join(dir, 'cache-')), ['apply', '-f', join(dir, 'late.yaml')]);
  assert.equal(applied.code, 0, applied.stderr);
  const svc = await runKubectl(kubeconfig, mkdtempSync(join(dir, 'cache-')), ['get', 'svc', 'late', '-o', 'jsonpath={.spec.clusterIP}']);
  assert.match(svc.stdout, /^10\.\d+\.\d+\.\d+$/);
  const answered = await eventually(async () => {
    const r = await run('dig', ['+short', '@127.0.0.1', '-p', String(dnsPort), name]);
    return r.stdout.trim() || undefined;
  }, `${name} in DNS`);
  assert.equal(answered, svc.stdout);
  const body = await eventually(async () => {
    const r = await run('curl', ['-s', '--max-time', '2', '-H', 'Host: late.example.com', `http://127.0.0.1:${ingressPort}/`]);
    return r.stdout === 'late\n' ? r.stdout : undefined;
  }, 'the Ingress route');
  assert.equal(body, 'late\n');
});
