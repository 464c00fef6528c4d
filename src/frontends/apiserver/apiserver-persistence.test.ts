// Durability of API writes: an object kubectl was told about survives `kill -9` of the server, an API write to a file's
// object outlives restarts while the file is unchanged, and the file wins again once it changes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../testing/cluster.js';
import { runKubectl } from '../../testing/kubectl.js';

const DEMO = join(REPO_ROOT, 'examples/demo');
const CHILD = join(REPO_ROOT, 'dist/src/testing/api-server-child.js');

/** Starts the API server in a child process over `manifests` with its state in `dir`; resolves once it serves. */
async function serve(dir: string, manifests: string): Promise<{ kubeconfig: string; kill9: () => Promise<void> }> {
  const child = spawn(process.execPath, [CHILD, dir, manifests], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  while (!/^READY (\S+)$/m.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the API server did not start:\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    kubeconfig: /^READY (\S+)$/m.exec(out)![1],
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

test('objects written through the API survive kill -9; an API write to a file object lasts until the file changes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-api-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const manifests = join(dir, 'manifests');
  mkdirSync(manifests);
  copyFileSync(join(DEMO, 'cluster.yaml'), join(manifests, 'cluster.yaml'));
  copyFileSync(join(DEMO, 'cache.yaml'), join(manifests, 'cache.yaml'));
  const kubectl = (kubeconfig: string, args: string[]) => runKubectl(kubeconfig, join(dir, `cache-${Math.random().toString(36).slice(2)}`), args);
  const podIPs = async (kubeconfig: string, ns: string) =>
    (await kubectl(kubeconfig, ['get', 'pods', '-n', ns, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.podIP}{"\\n"}{end}'])).stdout;

  let server = await serve(join(dir, 'state'), manifests);
  const applied = await kubectl(server.kubeconfig, ['apply', '-f', join(DEMO, 'production.yaml')]);
  assert.equal(applied.code, 0, applied.stderr);
  const production = await podIPs(server.kubeconfig, 'production');
  const scaled = await kubectl(server.kubeconfig, ['scale', 'deploy', 'redis', '-n', 'cache', '--replicas=3']);
  assert.equal(scaled.stdout, 'deployment.apps/redis scaled\n');
  await server.kill9(); // at once: what kubectl was told must already be on disk

  server = await serve(join(dir, 'state'), manifests);
  assert.equal(await podIPs(server.kubeconfig, 'production'), production, 'the applied objects are back with the same pod IPs');
  const cache = await podIPs(server.kubeconfig, 'cache');
  assert.equal(cache.trim().split('\n').length, 3, 'the scale survives');
  await server.kill9();

  server = await serve(join(dir, 'state'), manifests);
  assert.equal(await podIPs(server.kubeconfig, 'cache'), cache, 'and keeps surviving restarts while cache.yaml is unchanged');
  await server.kill9();

  writeFileSync(join(manifests, 'cache.yaml'), readFileSync(join(DEMO, 'cache.yaml'), 'utf8').replace('replicas: 1', 'replicas: 2'));
  server = await serve(join(dir, 'state'), manifests);
  assert.equal((await podIPs(server.kubeconfig, 'cache')).trim().split('\n').length, 2, 'the edited file wins over the earlier scale');
  assert.equal(await podIPs(server.kubeconfig, 'production'), production);
  await server.kill9();
});
