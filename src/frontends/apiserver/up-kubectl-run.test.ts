// `kubectl run --rm -i --restart=Never -- CMD` against `flatnet up`: the one-shot command runs over the simulated
// network when kubectl attaches, its output streams back, the pod finishes Succeeded or Failed with the command's exit
// code (which kubectl exits with), and --rm deletes it. Also the node Lease `describe node` reads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../testing/cluster.js';
import { runKubectl } from '../../testing/kubectl.js';
import { FlatnetProcess } from '../../testing/process.js';

test('kubectl run --rm -i runs the command to completion, exits with its code and deletes the pod', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const manifests = join(dir, 'manifests');
  mkdirSync(manifests);
  for (const f of ['cluster.yaml', 'default.yaml', 'production.yaml']) copyFileSync(join(REPO_ROOT, 'examples/demo', f), join(manifests, f));
  const state = join(dir, 'state');
  const up = new FlatnetProcess(['up', '-f', manifests, '--state', state, '--api', '127.0.0.1:0', '--dns', 'off', '--ingress', 'off', '--ingress-tls', 'off', '--node-port-address', 'off']);
  t.after(async () => {
    up.child.kill('SIGTERM');
    await up.exited;
  });
  await up.waitFor(/watching/);
  const kubectl = (args: string[]) => runKubectl(join(state, 'kubeconfig'), mkdtempSync(join(dir, 'cache-')), args);

  // my-api is agnhost netexec behind port 80: /hostname answers the pod's name.
  const ok = await kubectl(['run', 'probe', '--image=busybox:1.36', '--rm', '-i', '--restart=Never', '--', 'wget', '-qO-', 'http://my-api/hostname']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^my-api-[a-z0-9]+-[a-z0-9]{5}/);
  assert.match(ok.stdout + ok.stderr, /pod "probe" deleted/);
  const gone = await kubectl(['get', 'pod', 'probe']);
  assert.match(gone.stderr, /pods "probe" not found/);

  // production/backend admits only the frontend: from default the request is dropped and wget gives up.
  const denied = await kubectl(['run', 'denied', '--image=busybox:1.36', '--rm', '-i', '--restart=Never', '--', 'wget', '-qO-', '-T', '2', 'http://backend.production:8080/health']);
  assert.equal(denied.code, 1, denied.stdout + denied.stderr);
  assert.match(denied.stdout + denied.stderr, /download timed out/);
  assert.match(denied.stdout + denied.stderr, /pod "denied" deleted/);

  // Without --rm the pod stays, finished: kubectl shows it the way a real cluster does.
  const kept = await kubectl(['run', 'kept', '--image=busybox:1.36', '-i', '--restart=Never', '--', 'echo', 'hello']);
  assert.equal(kept.code, 0, kept.stderr);
  assert.match(kept.stdout, /^hello$/m);
  const listed = await kubectl(['get', 'pod', 'kept', '--no-headers']);
  assert.match(listed.stdout, /^kept\s+0\/1\s+Completed\s+0\s/);
  const logs = await kubectl(['logs', 'kept']);
  assert.equal(logs.stdout, 'hello\n');

  // describe node reads the kubelet's heartbeat Lease: held by the node itself.
  const node = await kubectl(['describe', 'node', 'node-1']);
  assert.equal(node.code, 0, node.stderr);
  assert.match(node.stdout, /^Lease:\n  HolderIdentity:  node-1\n  AcquireTime:     <unset>\n  RenewTime:       \w{3}, \d{2} \w{3} \d{4}/m);
  assert.doesNotMatch(node.stdout, /Failed to get lease/);
});
