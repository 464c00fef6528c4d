// `flatnet up` as a user runs it: a real process that prints a summary, re-applies edits, survives bad edits,
// keeps allocations across restarts, and exits cleanly on Ctrl-C.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteState } from '../../storage/sqlite-state.js';
import { FlatnetProcess } from '../../testing/process.js';



const deployment = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
`;
const service = `apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
`;

function podIPs(summaryText: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of summaryText.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'default' && f[1]?.startsWith('web-')) m.set(f[1], f[2]);
  }
  return m;
}

test('up prints a summary, re-applies edits, keeps state across a restart and stops on SIGINT', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-up-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const manifests = join(dir, 'manifests');
  const state = join(dir, 'state');
  mkdirSync(manifests);
  writeFileSync(join(manifests, 'web.yaml'), deployment(2));
  writeFileSync(join(manifests, 'svc.yaml'), service);

  const first = new FlatnetProcess(['up', '-f', manifests, '--state', state]);
  await first.waitFor(/watching/);
  assert.match(first.out, /^control-plane\s+10\.244\.0\.0\/24\s+172\.18\.0\.2$/m);
  assert.match(first.out, /^default\s+web\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP$/m);
  const before = podIPs(first.out);
  assert.equal(before.size, 2);

  // Scale up: the two existing pods keep their IPs, one pod is created.
  writeFileSync(join(manifests, 'web.yaml'), deployment(3));
  await first.waitFor(/re-applied/);
  await first.waitFor(/created Pod default\/web-/);
  const created = [...first.err.matchAll(/created Pod default\/(web-\S+) on \S+ with IP (\S+)/g)];
  assert.equal(created.length, 1);
  assert.ok(!before.has(created[0][1]));

  // A bad edit is reported and nothing changes.
  writeFileSync(join(manifests, 'svc.yaml'), service.replace('port: 80', 'port: 70000'));
  await first.waitFor(/nothing applied; the previous state keeps running/);
  assert.match(first.err, /svc\.yaml doc 1: Service default\/web: spec\.ports\[0\]\.port: Invalid value: 70000/);

  // Removing a document deletes what it declared.
  rmSync(join(manifests, 'svc.yaml'));
  await first.waitFor(/deleted Service default\/web/);

  first.child.kill('SIGINT');
  assert.equal(await first.exited, 0);

  const saved = SqliteState.open(state);
  const objects = saved.load().objects;
  saved.close();
  assert.equal(objects.filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('web-')).length, 3);

  // Restart with the original two replicas: the surviving pods keep the IPs they had.
  writeFileSync(join(manifests, 'web.yaml'), deployment(2));
  const second = new FlatnetProcess(['up', '-f', manifests, '--state', state]);
  await second.waitFor(/watching/);
  assert.match(second.out, /\(restored\)/);
  assert.deepEqual(podIPs(second.out), before);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
});

test('up with invalid input exits 2 with the errors and starts nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-up-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'bad.yaml'), service.replace('port: 80', 'port: 0'));
  const p = new FlatnetProcess(['up', '-f', join(dir, 'bad.yaml'), '--state', join(dir, 'state')]);
  assert.equal(await p.exited, 2);
  assert.match(p.err, /bad\.yaml doc 1: Service default\/web: spec\.ports\[0\]\.port: Invalid value: 0/);
  assert.equal(p.out, '');
});
